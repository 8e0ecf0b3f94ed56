import { describe, expect, it } from 'vitest';
import { probability } from './probability.js';

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
