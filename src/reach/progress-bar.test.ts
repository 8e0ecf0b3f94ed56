import { describe, expect, it } from 'vitest';
import { progressBar } from './progress-bar.js';

function stream(isTTY: boolean): { isTTY: boolean; text: string[]; write: (t: string) => void } {
  const s = { isTTY, text: [] as string[], write: (t: string) => void s.text.push(t) };
  return s;
}

describe('progress bar', () => {
  it('draws on a terminal when the percentage moves, and erases itself', () => {
    const s = stream(true);
    const bar = progressBar(s, 200, 'net reach');
    bar.tick(1);
    bar.tick(2);
    bar.tick(3); // still 1%: not redrawn
    bar.tick(200);
    bar.end();
    expect(s.text).toEqual([
      `\rnet reach [${'.'.repeat(30)}] 1/200 cells`,
      `\rnet reach [${'.'.repeat(30)}] 2/200 cells`,
      `\rnet reach [${'#'.repeat(30)}] 200/200 cells`,
      '\r\x1b[K',
    ]);
  });

  it('writes nothing to a pipe, with --quiet, or for a single cell', () => {
    for (const [s, quiet, total] of [[stream(false), false, 10], [stream(true), true, 10], [stream(true), false, 1]] as const) {
      const bar = progressBar(s, total, 'net reach', quiet);
      bar.tick(1);
      bar.end();
      expect(s.text).toEqual([]);
    }
  });
});
