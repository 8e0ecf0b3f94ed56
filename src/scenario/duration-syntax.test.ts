import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration-syntax.js';

describe('sleep durations', () => {
  it('reads a number and a unit, or several', () => {
    expect(parseDuration('31s')).toEqual({ ok: true, ms: 31_000 });
    expect(parseDuration('500ms')).toEqual({ ok: true, ms: 500 });
    expect(parseDuration('2m')).toEqual({ ok: true, ms: 120_000 });
    expect(parseDuration('1m30s')).toEqual({ ok: true, ms: 90_000 });
    expect(parseDuration('1.5s')).toEqual({ ok: true, ms: 1500 });
    expect(parseDuration('1h')).toEqual({ ok: true, ms: 3_600_000 });
  });

  it('points at the part at fault', () => {
    expect(parseDuration('31')).toMatchObject({ ok: false, column: 3, error: expect.stringContaining('a unit is needed') });
    expect(parseDuration('31sec')).toMatchObject({ ok: false, column: 4 });
    expect(parseDuration('5 s')).toMatchObject({ ok: false, column: 2 });
    expect(parseDuration('soon')).toMatchObject({ ok: false, column: 1 });
    expect(parseDuration('0.5ms')).toMatchObject({ ok: false, error: expect.stringContaining('whole number') });
    expect(parseDuration('2d')).toMatchObject({ ok: false, column: 2 });
    expect(parseDuration('25h')).toMatchObject({ ok: false, error: expect.stringContaining('longer than a day') });
  });

  it('formats the shortest exact text', () => {
    expect(formatDuration(31_000)).toBe('31s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(500)).toBe('500ms');
  });
});
