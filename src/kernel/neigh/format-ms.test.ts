import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMs } from './neigh-state.js';

// formatMs() prints a whole number of ms without toFixed(): the same text as the general form.
const general = (ms: number): string => (ms >= 1000 ? `${Number((ms / 1000).toFixed(3))} s` : `${ms} ms`);

describe('formatMs', () => {
  it('prints what Number(toFixed(3)) prints, for whole and fractional ms', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1e9, noNaN: true })), (ms) => {
      expect(formatMs(ms)).toBe(general(ms));
    }), { numRuns: 5000 });
    expect(formatMs(1000)).toBe('1 s');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(30000)).toBe('30 s');
    expect(formatMs(999)).toBe('999 ms');
  });
});
