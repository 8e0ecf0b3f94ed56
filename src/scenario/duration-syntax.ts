// Durations as `sleep` takes them in a timeline: a number and a unit, or several (`31s`, `500ms`, `2m`,
// `1m30s`, `1.5s`). Milliseconds on the virtual clock.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest sleep a timeline may take: one day of virtual time. */
export const MAX_SLEEP_MS = 86_400_000;

export type DurationResult = { ok: true; ms: number } | { ok: false; column: number; error: string };

/** Parses `text`; an error carries the 1-based column of the part at fault. */
export function parseDuration(text: string): DurationResult {
  if (text.trim() === '') return { ok: false, column: 1, error: 'expected a duration such as 31s, 500ms or 2m' };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)?/y;
  let at = 0;
  let ms = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return { ok: false, column: at + 1, error: `expected a number and a unit (ms, s, m, h), got "${text.slice(at)}"` };
    if (m[2] === undefined) {
      const after = at + m[1].length;
      const rest = text.slice(after);
      const hint =
        rest === ''
          ? 'a unit is needed (ms, s, m or h): write 31s, 500ms, 2m'
          : /^\s/.test(rest)
            ? `the unit goes right after the number, without a space: write ${m[1]}s`
            : `unknown unit "${rest.match(/^\S*/)?.[0] ?? rest}" (ms, s, m or h)`;
      return { ok: false, column: after + 1, error: hint };
    }
    ms += Number(m[1]) * UNIT_MS[m[2]];
    at += m[0].length;
  }
  if (!Number.isInteger(ms)) return { ok: false, column: 1, error: `"${text}" is not a whole number of milliseconds` };
  if (ms > MAX_SLEEP_MS) return { ok: false, column: 1, error: `"${text}" is longer than a day (the most a timeline sleeps)` };
  return { ok: true, ms };
}

/** `31s`, `500ms`, `2m`: the shortest exact text of `ms`, for messages and `sleep` on a real box. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
