// Timing helpers for `npm run bench`: several runs of a measurement, reported as median and spread.
import { performance } from 'node:perf_hooks';

/** Median of numbers (not mutated). */
export function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `runs` samples of `fn()`'s wall time in ms (each sample may repeat fn `inner` times and divide). */
export function sample(fn, { runs = 5, inner = 1, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const ms = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    ms.push((performance.now() - t0) / inner);
  }
  return summarize(ms);
}

/** { median, min, max, runs, samples } of samples in ms. */
export function summarize(ms) {
  return { median: median(ms), min: Math.min.apply(null, ms), max: Math.max.apply(null, ms), runs: ms.length, samples: ms };
}

/** `12.3 ms ±8%` style: the median and the half-range of the runs relative to it. */
export function fmt(s, unit = 'ms') {
  if (s === undefined || s === null) return '-';
  const scale = unit === 'us' ? 1000 : unit === 's' ? 0.001 : 1;
  const v = s.median * scale;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  const spread = s.median > 0 && s.runs > 1 ? ` ±${Math.round(((s.max - s.min) / 2 / s.median) * 100)}%` : '';
  return `${v.toFixed(digits)} ${unit}${spread}`;
}

/** A progress line on stderr, rewritten in place on a terminal. */
export function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}
