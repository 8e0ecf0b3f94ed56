import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EndpointsChangeTracker, setSlicesShared } from './endpoints-change-tracker.js';
import { slice } from './testing.js';

const tracker = () => new EndpointsChangeTracker({ family: 'IPv4', nodeName: 'test-node' });

describe('EndpointsChangeTracker', () => {
  it('a new slice is a change; checkout reports the Service and the sorted, deduplicated endpoints', () => {
    const t = tracker();
    const s = slice('ns1', 'svc1', ['10.1.1.1', '10.1.1.11', '10.1.1.1@test-node']);
    expect(t.endpointSliceUpdate(s, false)).toBe(true);
    expect([...t.checkout().updatedServices]).toEqual(['ns1/svc1']);
    const eps = t.endpointsMap().get('ns1/svc1:p80/TCP')!;
    expect(eps.map((e) => [e.text, e.isLocal])).toEqual([['10.1.1.11:80', false], ['10.1.1.1:80', true]]);
  });

  it('a slice update that changes nothing kube-proxy uses is dropped', () => {
    const t = tracker();
    t.endpointSliceUpdate(slice('ns1', 'svc1', ['10.1.1.1']), false);
    t.checkout();
    const same = slice('ns1', 'svc1', ['10.1.1.1']);
    same.endpoints[0].conditions = { ready: true };
    expect(t.endpointSliceUpdate(same, false)).toBe(false);
    expect(t.pending()).toBe(0);
    expect(t.endpointSliceUpdate(slice('ns1', 'svc1', ['10.1.1.2']), false)).toBe(true);
  });

  it('slices of one Service merge; deleting one keeps the other', () => {
    const t = tracker();
    const a = slice('ns1', 'svc1', ['10.1.1.1']);
    const b = { ...slice('ns1', 'svc1', ['10.1.1.2']), name: 'svc1-2' };
    t.endpointSliceUpdate(a, false);
    t.endpointSliceUpdate(b, false);
    t.checkout();
    expect(t.endpointsMap().get('ns1/svc1:p80/TCP')!.map((e) => e.text)).toEqual(['10.1.1.1:80', '10.1.1.2:80']);
    t.endpointSliceUpdate(a, true);
    t.checkout();
    expect(t.endpointsMap().get('ns1/svc1:p80/TCP')!.map((e) => e.text)).toEqual(['10.1.1.2:80']);
  });

  it('UDP: removed endpoints and a port getting its first endpoint are reported', () => {
    const t = tracker();
    const udp = (eps: string[]) => slice('kube-system', 'dns', eps, { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    t.endpointSliceUpdate(slice('ns1', 'web', ['10.1.1.1']), false);
    expect(t.checkout().conntrackCleanupRequired).toBe(false);
    t.endpointSliceUpdate(udp(['10.244.1.5']), false);
    const first = t.checkout();
    expect([first.newlyActiveUDPServices, first.conntrackCleanupRequired]).toEqual([['kube-system/dns:dns/UDP'], true]);
    t.endpointSliceUpdate(udp(['10.244.2.7']), false);
    const r = t.checkout();
    expect(r.deletedUDPEndpoints).toEqual([{ servicePort: 'kube-system/dns:dns/UDP', endpoint: '10.244.1.5:53' }]);
    expect([r.newlyActiveUDPServices, r.conntrackCleanupRequired]).toEqual([[], true]);
    // The last endpoint goes: the UDP port was in the previous map, so the clean-up runs.
    t.endpointSliceUpdate(udp([]), false);
    expect(t.checkout().conntrackCleanupRequired).toBe(true);
  });

  it('other-family and FQDN slices are ignored', () => {
    const t = tracker();
    expect(t.endpointSliceUpdate({ ...slice('ns1', 'svc1', ['2001:db8::1']), addressType: 'IPv6' }, false)).toBe(false);
    expect(t.endpointSliceUpdate({ ...slice('ns1', 'svc1', ['example.com']), addressType: 'FQDN' }, false)).toBe(false);
  });
});

describe('EndpointsChangeTracker: a Service\'s first slices shared with its pending map', () => {
  type Ev = { k: 'slice'; svc: number; name: number; eps: number[]; remove: boolean } | { k: 'checkout' };
  const ev: fc.Arbitrary<Ev> = fc.oneof(
    fc.record({ k: fc.constant('slice' as const), svc: fc.nat(1), name: fc.nat(2), eps: fc.array(fc.nat(3), { maxLength: 3 }), remove: fc.boolean() }),
    fc.record({ k: fc.constant('checkout' as const) }),
  );
  /** Everything the tracker reports along the events. */
  const run = (events: readonly Ev[]): unknown[] => {
    const t = tracker();
    const out: unknown[] = [];
    for (const e of events) {
      if (e.k === 'checkout') {
        const r = t.checkout();
        out.push([...r.updatedServices], r.deletedUDPEndpoints, r.newlyActiveUDPServices, r.conntrackCleanupRequired);
        out.push([...t.endpointsMap()].map(([k, v]) => [k, v.map((x) => x.text)]));
        continue;
      }
      const s = { ...slice('ns1', `svc${e.svc}`, e.eps.map((i) => `10.1.1.${i + 1}`)), name: `svc${e.svc}-${e.name}` };
      out.push(t.endpointSliceUpdate(s, e.remove), t.pending());
    }
    return out;
  };

  it('reports what copying the slices every time reports', () => {
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 14 }), (events) => {
        const all = [...events, { k: 'checkout' as const }];
        setSlicesShared(true);
        const shared = run(all);
        setSlicesShared(false);
        try {
          expect(shared).toEqual(run(all));
        } finally {
          setSlicesShared(true);
        }
      }),
      { numRuns: 400, seed: 8 },
    );
  });
});
