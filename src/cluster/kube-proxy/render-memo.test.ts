// The render memo is only a cache: a proxier's syncs (which keep one) give the text a fresh render gives.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IptablesProxier } from './proxier.js';
import { renderSync } from './render.js';
import { RenderMemo } from './render-memo.js';
import { fakeConfig, slice, svc } from './testing.js';

const N = 150; // more Services than one run of text (64 segments)
const name = (i: number) => `svc${i}`;
const ip = (i: number) => `172.30.${i >> 8}.${i & 255}`;

describe('RenderMemo', () => {
  it('counts declared chains across segments that come and go', () => {
    const m = new RenderMemo();
    const a = { filterRules: [], natChains: [], natRules: ['-A X'], active: ['KUBE-SVC-A', 'KUBE-SEP-1'] };
    const b = { filterRules: [], natChains: [], natRules: ['-A Y'], active: ['KUBE-SVC-B', 'KUBE-SEP-1'] };
    m.update([a, b]);
    expect(m.texts('natRules')).toEqual(['-A X\n-A Y']);
    m.update([b]);
    expect([m.declares('KUBE-SVC-A'), m.declares('KUBE-SVC-B'), m.declares('KUBE-SEP-1')]).toEqual([false, true, true]);
    expect(m.texts('natRules')).toEqual(['-A Y']);
    m.update([]);
    expect(m.declares('KUBE-SEP-1')).toBe(false);
    expect(m.texts('natRules')).toEqual([]);
  });

  it('a proxier\'s syncs give what renderSync without a memo gives, over random changes', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('ready' as const), i: fc.nat(N - 1), ready: fc.boolean() }),
      fc.record({ k: fc.constant('del' as const), i: fc.nat(N - 1) }),
      fc.record({ k: fc.constant('add' as const), i: fc.nat(N - 1) }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 4 }), { minLength: 1, maxLength: 6 }), (steps) => {
        const p = new IptablesProxier(fakeConfig());
        const present = new Set<number>();
        const add = (i: number) => {
          p.onServiceAdd(svc('ns', name(i), { clusterIP: ip(i) }));
          p.onEndpointSliceAdd(slice('ns', name(i), [`10.0.${i >> 8}.${i & 255}`, `10.1.${i >> 8}.${i & 255}`]));
          present.add(i);
        };
        for (let i = 0; i < N; i += 2) add(i);
        const existing = new Set<string>();
        steps.forEach((ops, now) => {
          for (const o of ops) {
            if (o.k === 'add' && !present.has(o.i)) add(o.i);
            else if (o.k === 'del' && present.has(o.i)) {
              p.onServiceDelete(svc('ns', name(o.i), { clusterIP: ip(o.i) }));
              present.delete(o.i);
            } else if (o.k === 'ready' && present.has(o.i)) {
              const s = slice('ns', name(o.i), [`10.0.${o.i >> 8}.${o.i & 255}`, `10.1.${o.i >> 8}.${o.i & 255}`]);
              p.onEndpointSliceUpdate({ ...s, endpoints: s.endpoints.map((e, j) => (j === 0 ? { ...e, conditions: { ...e.conditions, ready: o.ready } } : e)) });
            }
          }
          const plan = p.sync({ now, existingNatChains: [...existing] });
          const fresh = renderSync({
            config: p.config, services: p.services(), endpoints: p.endpoints(),
            changedServices: plan.full ? null : plan.changedServices, existingNatChains: [...existing],
          });
          expect(plan.text).toBe(fresh.text);
          expect(plan.deletedChains).toEqual(fresh.deletedChains);
          for (const l of plan.text.split('\n')) if (l.startsWith(':KUBE-S')) existing.add(l.slice(1, l.indexOf(' ')));
          for (const c of plan.deletedChains) existing.delete(c);
        });
      }),
      { numRuns: 40, seed: 5 },
    );
  });
});
