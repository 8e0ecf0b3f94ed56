// OverlayMap against a plain Map: the same answers and the same iteration order over random operations, across
// overlays of overlays (shared base, copied changes, flattening).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OverlayMap } from './overlay-map.js';

interface Box { v: number }
type Op = { op: 'set'; k: number; v: number } | { op: 'delete'; k: number } | { op: 'derive' } | { op: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), k: fc.integer({ min: 0, max: 40 }), v: fc.integer() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 2, arbitrary: fc.constant({ op: 'derive' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

function same(o: Map<number, Box>, m: Map<number, Box>): void {
  expect(o.size).toBe(m.size);
  expect([...o]).toEqual([...m]);
  expect([...o.keys()]).toEqual([...m.keys()]);
  expect([...o.values()]).toEqual([...m.values()]);
  expect([...o.entries()]).toEqual([...m.entries()]);
  const each: [number, Box][] = [];
  o.forEach((v, k, map) => {
    expect(map).toBe(o);
    each.push([k, v]);
  });
  expect(each).toEqual([...m]);
  for (let k = -1; k <= 41; k++) {
    expect(o.has(k)).toBe(m.has(k));
    expect(o.get(k)).toBe(m.get(k));
  }
}

describe('OverlayMap', () => {
  it('behaves as a copied Map over random operations, overlays of overlays included, and never changes its parents', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 30 }), fc.array(op, { maxLength: 120 }), (init, ops) => {
        const base = new Map<number, Box>(init.map((k) => [k, { v: k }]));
        const frozen = [...base];
        let o: Map<number, Box> = OverlayMap.over(base);
        let m = new Map(base);
        // Every map an overlay was made over, with what it held then: none may change.
        const parents: [Map<number, Box>, [number, Box][]][] = [[base, frozen]];
        for (const x of ops) {
          if (x.op === 'set') {
            expect(o.set(x.k, { v: x.v })).toBe(o);
            m.set(x.k, o.get(x.k)!);
          } else if (x.op === 'delete') {
            expect(o.delete(x.k)).toBe(m.delete(x.k));
          } else if (x.op === 'clear') {
            o.clear();
            m.clear();
          } else {
            parents.push([o, [...o]]);
            o = OverlayMap.over(o);
            m = new Map(m);
          }
          same(o, m);
        }
        for (const [p, was] of parents) expect([...p]).toEqual(was);
      }),
      { numRuns: 300 },
    );
  });

  it('flattens once its changes outgrow the base, keeping entries and order', () => {
    const base = new Map<number, Box>([[1, { v: 1 }], [2, { v: 2 }]]);
    let o = OverlayMap.over(base);
    const m = new Map(base);
    for (let i = 0; i < 50; i++) {
      o.set(100 + i, { v: i });
      m.set(100 + i, o.get(100 + i)!);
      o.delete(1);
      m.delete(1);
      o = OverlayMap.over(o);
    }
    same(o, m);
  });
});

describe('OverlayMap.settle', () => {
  it('keeps an overlay of few changes, copies one whose changes outgrew its base, leaves a Map alone', () => {
    const base = new Map<number, Box>(Array.from({ length: 100 }, (_, i) => [i, { v: i }]));
    const few = OverlayMap.over(base);
    few.set(3, { v: -3 });
    expect(OverlayMap.settle(few)).toBe(few);
    const many = OverlayMap.over(base);
    for (let i = 0; i < 60; i++) many.set(i + 50, { v: -i });
    const settled = OverlayMap.settle(many);
    expect(settled).not.toBe(many);
    expect(settled).toBeInstanceOf(Map);
    expect([...settled]).toEqual([...many]);
    expect(OverlayMap.settle(base)).toBe(base);
  });
});
