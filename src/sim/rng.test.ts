import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from './rng.js';
import { runTrace } from '../trace/run-trace.js';
import { renderTraceJson } from '../trace/render-json.js';
import { ip, routerWorld } from '../../test/support/specs.js';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.next());

describe('Rng', () => {
  it('is mulberry32: seed 1 starts 0.6270739405881613, 0.002735721180215478, 0.5274470399599522', () => {
    expect(draw(new Rng(1), 3)).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it('gives the same sequence for the same seed, and another for another seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        expect(draw(new Rng(seed), 20)).toEqual(draw(new Rng(seed), 20));
        expect(draw(new Rng(seed), 20)).not.toEqual(draw(new Rng((seed + 1) >>> 0), 20));
      }),
    );
  });

  it('reads the seed as an unsigned 32-bit number', () => {
    expect(draw(new Rng(-1), 5)).toEqual(draw(new Rng(0xffffffff), 5));
    expect(draw(new Rng(2 ** 32 + 7), 5)).toEqual(draw(new Rng(7), 5));
  });

  it('stays in [0, 1), and int(lo, hi) in [lo, hi] reaching both ends', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const rng = new Rng(seed);
        for (const x of draw(rng, 100)) expect(x >= 0 && x < 1).toBe(true);
        for (let i = 0; i < 100; i++) {
          const n = rng.int(32768, 60999);
          expect(Number.isInteger(n) && n >= 32768 && n <= 60999).toBe(true);
        }
      }),
    );
    const rng = new Rng(3);
    const seen = new Set(Array.from({ length: 200 }, () => rng.int(1, 3)));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });
});

describe('determinism of a trace', () => {
  const probe = { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp' as const, dport: 80 };

  it('the same scenario and seed give the same trace, byte for byte', () => {
    expect(renderTraceJson(runTrace(routerWorld(), probe, { seed: 42 }))).toBe(renderTraceJson(runTrace(routerWorld(), probe, { seed: 42 })));
  });

  it('another seed changes what is random (the sequence numbers), nothing else', () => {
    const a = runTrace(routerWorld(), probe, { seed: 1 });
    const b = runTrace(routerWorld(), probe, { seed: 2 });
    expect(renderTraceJson(a)).not.toBe(renderTraceJson(b));
    const shape = (t: typeof a) => [t.disposition, t.hops.map((h) => `${h.netns}/${h.dev}/${h.stage}`), t.reply?.disposition];
    expect(shape(a)).toEqual(shape(b));
  });
});
