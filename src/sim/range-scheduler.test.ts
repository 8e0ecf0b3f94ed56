import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeScheduler } from './range-scheduler.js';

describe('RangeScheduler', () => {
  it('starts each thread on its own contiguous range, in order', () => {
    const s = new RangeScheduler(10, 3);
    expect([s.take(0), s.take(1), s.take(2), s.take(0), s.take(1), s.take(2)]).toEqual([0, 3, 6, 1, 4, 7]);
    expect(s.left).toBe(4);
  });

  it('gives a thread whose range is done the upper half of the largest range left', () => {
    const s = new RangeScheduler(20, 2);
    for (let i = 0; i < 10; i++) expect(s.take(1)).toBe(10 + i);
    expect(s.take(0)).toBe(0);
    // Thread 0 has 1..9 left: thread 1 takes 5..9, thread 0 keeps 1..4.
    expect([s.take(1), s.take(1), s.take(0)]).toEqual([5, 6, 1]);
  });

  it('hands every task out exactly once, whatever order the threads ask in, and keeps runs long', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.nat(), { minLength: 1, maxLength: 400 }), (n, threads, asks) => {
        const s = new RangeScheduler(n, threads);
        const got: number[] = [];
        const last: Array<number | undefined> = Array.from({ length: threads }, () => undefined);
        let jumps = 0;
        let stalled = 0;
        for (let q = 0; got.length < n; q++) {
          const k = asks[q % asks.length] % threads;
          const i = s.take(k);
          if (i === undefined) {
            stalled++;
            if (stalled > threads * 2) break;
            continue;
          }
          if (last[k] !== undefined && i !== last[k]! + 1) jumps++;
          last[k] = i;
          got.push(i);
        }
        expect(got.slice().sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(s.take(0)).toBeUndefined();
        expect(s.left).toBe(0);
        // A thread leaves its run only to take half of another's range: O(threads log n) jumps, not O(n).
        expect(jumps).toBeLessThanOrEqual(threads * (Math.ceil(Math.log2(n + 1)) + 1));
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
