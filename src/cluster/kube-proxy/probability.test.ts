import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeProbability, probability } from './probability.js';

describe('probability (%0.10f of 1/n)', () => {
  it.each([
    [1, '1.0000000000'],
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [6, '0.1666666667'],
    [100001, '0.0000099999'],
  ])('1/%i -> %s', (n, s) => expect(probability(n)).toBe(s));

  it('an exact tie rounds half to even, as Go does (toFixed would round up)', () => {
    expect((1 / 2048).toFixed(10)).toBe('0.0004882813');
    expect(probability(2048)).toBe('0.0004882812');
  });
});

describe('probability table', () => {
  it('gives what computing again gives, for any n and in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.5, max: 1e7, noNaN: true })), { maxLength: 40 }), (ns) => {
        for (const n of ns) expect(probability(n)).toBe(computeProbability(n));
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});
