// The render memo is only a cache: a proxier's syncs (which keep one) give the text a fresh render gives.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { IptablesProxier } from './proxier.js';
import { renderSync, setDirectRender } from './render.js';
import type { RenderSegments } from './render.js';
import { RenderMemo } from './render-memo.js';
import { fakeConfig, slice, svc } from './testing.js';

const N = 150; // more Services than one run of text (64 segments)
const name = (i: number) => `svc${i}`;
const ip = (i: number) => `172.30.${i >> 8}.${i & 255}`;
/** One random change to Service i: its endpoints' readiness, the Service deleted or added, its slice deleted. */
const op = fc.oneof(
  fc.record({ k: fc.constant('ready' as const), i: fc.nat(N - 1), ready: fc.boolean() }),
  fc.record({ k: fc.constant('del' as const), i: fc.nat(N - 1) }),
  fc.record({ k: fc.constant('add' as const), i: fc.nat(N - 1) }),
  fc.record({ k: fc.constant('sliceDel' as const), i: fc.nat(N - 1) }),
);

describe('RenderMemo', () => {
  it('counts declared chains across segments that come and go', () => {
    const m = new RenderMemo();
    const a = { filterRules: '', natChains: '', natRules: '-A X', natRuleCount: 1, active: ['KUBE-SVC-A', 'KUBE-SEP-1'] };
    const b = { filterRules: '', natChains: '', natRules: '-A Y', natRuleCount: 1, active: ['KUBE-SVC-B', 'KUBE-SEP-1'] };
    m.update([a, b]);
    expect(m.texts('natRules')).toEqual(['-A X\n-A Y']);
    // Counted from here on (a memo never asked counts nothing, and counts its segments when first asked).
    expect(m.declares('KUBE-SVC-A')).toBe(true);
    const lazy = new RenderMemo();
    lazy.update([a, b]);
    lazy.update([b]);
    expect([lazy.declares('KUBE-SVC-A'), lazy.declares('KUBE-SEP-1'), lazy.natRuleLines()]).toEqual([false, true, 1]);
    m.update([b]);
    expect([m.declares('KUBE-SVC-A'), m.declares('KUBE-SVC-B'), m.declares('KUBE-SEP-1')]).toEqual([false, true, true]);
    expect(m.texts('natRules')).toEqual(['-A Y']);
    m.update([]);
    expect(m.declares('KUBE-SEP-1')).toBe(false);
    expect(m.texts('natRules')).toEqual([]);
  });

  it('a proxier\'s syncs give what renderSync without a memo gives, over random changes', () => {
    // Thresholds around the endpoint total (75 Services x 2 endpoints at the start), so that changes move the
    // proxier in and out of largeClusterMode.
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.constantFrom(1000, 148, 150, 152), (steps, threshold) => {
        const p = new IptablesProxier(fakeConfig({ largeClusterEndpointsThreshold: threshold }));
        const present = new Set<number>();
        const add = (i: number) => {
          p.onServiceAdd(svc('ns', name(i), { clusterIP: ip(i) }));
          p.onEndpointSliceAdd(slice('ns', name(i), [`10.0.${i >> 8}.${i & 255}`, `10.1.${i >> 8}.${i & 255}`]));
          present.add(i);
        };
        for (let i = 0; i < N; i += 2) add(i);
        const existing = new Set<string>();
        let lastCleanup = Number.NEGATIVE_INFINITY;
        steps.forEach((ops, now) => {
          for (const o of ops) {
            if (o.k === 'add' && !present.has(o.i)) add(o.i);
            else if (o.k === 'del' && present.has(o.i)) {
              p.onServiceDelete(svc('ns', name(o.i), { clusterIP: ip(o.i) }));
              present.delete(o.i);
            } else if (o.k === 'sliceDel' && present.has(o.i)) {
              p.onEndpointSliceDelete(slice('ns', name(o.i), []));
            } else if (o.k === 'ready' && present.has(o.i)) {
              const s = slice('ns', name(o.i), [`10.0.${o.i >> 8}.${o.i & 255}`, `10.1.${o.i >> 8}.${o.i & 255}`]);
              p.onEndpointSliceUpdate({ ...s, endpoints: s.endpoints.map((e, j) => (j === 0 ? { ...e, conditions: { ...e.conditions, ready: o.ready } } : e)) });
            }
          }
          const plan = p.sync({ now, existingNatChains: [...existing] });
          // In largeClusterMode the stale-chain clean-up runs at most once per syncPeriod (30 s).
          const cleanup = !plan.largeClusterMode || now - lastCleanup >= 30;
          if (cleanup) lastCleanup = now;
          const fresh = renderSync({
            config: p.config, services: p.services(), endpoints: p.endpoints(),
            changedServices: plan.full ? null : plan.changedServices, existingNatChains: cleanup ? [...existing] : null,
          });
          expect(plan.text).toBe(fresh.text);
          expect(plan.deletedChains).toEqual(fresh.deletedChains);
          expect(plan.largeClusterMode).toBe(fresh.largeClusterMode);
          for (const l of plan.text.split('\n')) if (l.startsWith(':KUBE-S')) existing.add(l.slice(1, l.indexOf(' ')));
          for (const c of plan.deletedChains) existing.delete(c);
        });
      }),
      { numRuns: 60, seed: 5 },
    );
  });
});

describe('PartText direct: a render that writes every Service copies its lines into the text once', () => {
  afterEach(() => setDirectRender(true));

  it('gives the text, segments and runs the batched join gives, over random changes and partial syncs', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ops: fc.array(op, { maxLength: 4 }), full: fc.boolean() }), { minLength: 1, maxLength: 8 }), fc.constantFrom(1000, 150), (steps, threshold) => {
        // Two proxiers fed the same events: one renders directly whenever it writes every Service, the other never.
        const ps = [new IptablesProxier(fakeConfig({ largeClusterEndpointsThreshold: threshold })), new IptablesProxier(fakeConfig({ largeClusterEndpointsThreshold: threshold }))];
        const present = new Set<number>();
        const each = (f: (p: IptablesProxier) => void) => ps.forEach(f);
        const add = (i: number) => {
          each((p) => p.onServiceAdd(svc('ns', name(i), { clusterIP: ip(i) })));
          each((p) => p.onEndpointSliceAdd(slice('ns', name(i), [`10.0.${i >> 8}.${i & 255}`, `10.1.${i >> 8}.${i & 255}`])));
          present.add(i);
        };
        for (let i = 0; i < N; i += 2) add(i);
        const existing = new Set<string>();
        steps.forEach(({ ops, full }, now) => {
          for (const o of ops) {
            if (o.k === 'add' && !present.has(o.i)) add(o.i);
            else if (o.k === 'del' && present.has(o.i)) {
              each((p) => p.onServiceDelete(svc('ns', name(o.i), { clusterIP: ip(o.i) })));
              present.delete(o.i);
            } else if (o.k === 'sliceDel' && present.has(o.i)) {
              each((p) => p.onEndpointSliceDelete(slice('ns', name(o.i), [])));
            } else if (o.k === 'ready' && present.has(o.i)) {
              const s = slice('ns', name(o.i), [`10.0.${o.i >> 8}.${o.i & 255}`, `10.1.${o.i >> 8}.${o.i & 255}`]);
              each((p) => p.onEndpointSliceUpdate({ ...s, endpoints: s.endpoints.map((e, j) => (j === 0 ? { ...e, conditions: { ...e.conditions, ready: o.ready } } : e)) }));
            }
          }
          if (full) each((p) => p.forceFullSync());
          const direct = ps[0].sync({ now, existingNatChains: [...existing] });
          setDirectRender(false);
          const batched = ps[1].sync({ now, existingNatChains: [...existing] });
          setDirectRender(true);
          expect(direct.text).toBe(batched.text);
          expect(direct.deletedChains).toEqual(batched.deletedChains);
          for (const l of direct.text.split('\n')) if (l.startsWith(':KUBE-S')) existing.add(l.slice(1, l.indexOf(' ')));
          for (const c of direct.deletedChains) existing.delete(c);
        });
      }),
      { numRuns: 60, seed: 11 },
    );
  });
});

describe('RenderMemo with touched Services', () => {
  it('renders only what changed, and gives what a fresh render gives (text, chains, counts)', () => {
    const config = fakeConfig({ largeClusterEndpointsThreshold: 150 });
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(N - 1), { maxLength: 3 }), { minLength: 2, maxLength: 8 }), (steps) => {
        const p = new IptablesProxier(config);
        for (let i = 0; i < N; i++) {
          p.onServiceAdd(svc('ns', name(i), { clusterIP: ip(i) }));
          p.onEndpointSliceAdd(slice('ns', name(i), [`10.0.${i >> 8}.${i & 255}`]));
        }
        p.sync({ now: 0, existingNatChains: null });
        const services = p.services();
        const endpoints = new Map(p.endpoints());
        const memo = new RenderMemo();
        const segments: RenderSegments = new Map();
        const base = { config, services, endpoints, existingNatChains: null, segments, memo };
        renderSync({ ...base, changedServices: null });
        let last: Set<string> = new Set();
        for (const [s, flips] of steps.entries()) {
          // Flip the endpoint lists of the chosen Services: a new list object, one endpoint more or fewer.
          const touched = new Set<string>();
          for (const i of flips) {
            const k = services[i].key;
            const eps = endpoints.get(k) ?? [];
            endpoints.set(k, eps.length > 1 ? eps.slice(0, 1) : [...eps, { ...eps[0], ip: `10.9.0.${s}`, text: `10.9.0.${s}:80` }]);
            touched.add(services[i].service);
          }
          const changed = s % 3 === 2 ? last : touched;
          const r = renderSync({ ...base, changedServices: changed, touched });
          const fresh = renderSync({ config, services, endpoints, existingNatChains: null, changedServices: changed });
          expect(r.text).toBe(fresh.text);
          expect(r.natRuleLines).toBe(fresh.natRuleLines);
          expect(r.largeClusterMode).toBe(fresh.largeClusterMode);
          for (const c of ['KUBE-SERVICES', services[0].chains.svc, services[N - 1].chains.svc, 'KUBE-SVC-NONE']) expect(r.activeNatChain(c)).toBe(fresh.activeNatChain(c));
          last = touched;
        }
      }),
      { numRuns: 40, seed: 9 },
    );
  });
});
