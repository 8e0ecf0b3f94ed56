// sameEndpointMaps() is the change tracker's shortcut for comparing the JSON of two endpoint maps; the tracker
// keeps what an event computed for checkout(): both are held to their plain versions here.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EndpointsChangeTracker } from './endpoints-change-tracker.js';
import type { EndpointInfo } from './endpoints.js';
import { categorizeEndpoints, endpointsByServicePort, sameEndpointMaps, setEndpointInterning, sortByText } from './endpoints.js';
import { servicePortsOf } from './service-port.js';
import { parseIpSloppy } from './ip-sloppy.js';
import type { EndpointSlice } from './types.js';

/** The plain comparison: the JSON of the sorted entries. */
const jsonSame = (a: ReadonlyMap<string, readonly EndpointInfo[]>, b: ReadonlyMap<string, readonly EndpointInfo[]>): boolean =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

const tri = fc.constantFrom(undefined, null, true, false);
/**
 * Slices of Service ns/svc over a small domain, so that equal maps come up often. Slice `b`'s addresses are not
 * slice `a`'s: which copy of an endpoint in two slices wins depends on the slices' merge order, not looked at here.
 */
const sliceArb = fc.record({
  name: fc.constantFrom('a', 'b'),
  ports: fc.subarray([{ name: 'p80', port: 80 }, { name: 'p80', port: 81 }, { name: 'dns', port: 53, protocol: 'UDP' as const }], { minLength: 1 }),
  endpoints: fc.array(fc.record({
    ip: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.10', '010.0.0.1'),
    node: fc.constantFrom(null, 'test-node', 'other'),
    conditions: fc.record({ ready: tri, serving: tri, terminating: tri }),
  }), { maxLength: 3 }),
}).map(({ name, ports, endpoints }): EndpointSlice => ({
  namespace: 'ns', service: 'svc', name, addressType: 'IPv4', ports,
  endpoints: endpoints.map((e) => ({ addresses: [name === 'a' ? e.ip : e.ip.replace('0.0.', '0.1.')], nodeName: e.node, conditions: e.conditions })),
}));

const byPort = (slices: EndpointSlice[]): Map<string, readonly EndpointInfo[]> => endpointsByServicePort(slices, 'IPv4', 'test-node');

describe('sameEndpointMaps', () => {
  it('agrees with the JSON comparison of the sorted entries', () => {
    let equal = 0;
    // The second map: other slices, or the same slices with one endpoint's node or conditions changed.
    const change = fc.record({ i: fc.nat(), j: fc.nat(), node: fc.constantFrom(null, 'test-node', 'other'), conditions: fc.record({ ready: tri, serving: tri, terminating: tri }) });
    fc.assert(
      fc.property(fc.array(sliceArb, { maxLength: 2 }), fc.array(sliceArb, { maxLength: 2 }), fc.option(change), (x, other, c) => {
        let y = other;
        if (c !== null) {
          y = x.map((s, i) => (i !== c.i % x.length ? s : {
            ...s, endpoints: s.endpoints.map((e, j) => (j !== c.j % s.endpoints.length ? e : { ...e, nodeName: c.node, conditions: c.conditions })),
          }));
        }
        const a = byPort(x);
        const b = byPort(y);
        const same = jsonSame(a, b);
        if (same) equal++;
        expect(sameEndpointMaps(a, b)).toBe(same);
        expect(sameEndpointMaps(a, byPort(x))).toBe(true);
      }),
      { numRuns: 600, seed: 11 },
    );
    // Both outcomes were exercised.
    expect(equal).toBeGreaterThan(10);
  });
});

describe('EndpointsChangeTracker', () => {
  it('reports what a plain recomputation from the slices gives, over random slice events', () => {
    const event = fc.record({ slice: sliceArb, remove: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 4 }), { minLength: 1, maxLength: 6 }), (steps) => {
        const t = new EndpointsChangeTracker({ family: 'IPv4', nodeName: 'test-node' });
        let current = new Map<string, EndpointSlice>();
        let before = new Map<string, readonly EndpointInfo[]>();
        for (const events of steps) {
          current = new Map(current);
          for (const e of events) {
            if (e.remove) current.delete(e.slice.name);
            else current.set(e.slice.name, e.slice);
            t.endpointSliceUpdate(e.slice, e.remove);
          }
          const after = byPort([...current.values()]);
          for (const [k, l] of after) if (l.length === 0) after.delete(k);
          const r = t.checkout();
          // An event that brings the endpoints back to the applied ones drops the Service's pending change.
          expect([...r.updatedServices]).toEqual(jsonSame(before, after) ? [] : ['ns/svc']);
          expect(JSON.stringify([...t.endpointsMap()].sort())).toBe(JSON.stringify([...after].sort()));
          before = after;
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});

describe('sortByText', () => {
  it('sorts as Array.prototype.sort does, short lists (by insertion) and long ones', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[0-9.:[\]a-f]{0,8}$/), { maxLength: 40 }), (texts) => {
        const list = texts.map((text) => ({ ip: '', port: 0, text, isLocal: false, ready: true, serving: true, terminating: false }));
        const want = texts.slice().sort();
        expect(sortByText(list.slice()).map((e) => e.text)).toEqual(want);
      }),
      { numRuns: 300, seed: 13 },
    );
  });
});

describe('endpointsByServicePort: the texts of addresses kept across calls', () => {
  it('every endpoint\'s ip and text are what ParseIPSloppy() and the port make of its address, cold or kept', () => {
    // Written forms of a few addresses (leading zeros, IPv6 spellings), so that kept texts are asked for by
    // other spellings and other ports, in both families.
    const address = fc.constantFrom('10.7.0.1', '010.7.0.1', '10.7.0.01', '10.7.0.2', 'fd00::7', 'FD00::7', 'fd00:0::7', 'fd00::8', '::ffff:10.7.0.1', 'nonsense', '');
    const arb = fc.array(fc.record({ addresses: fc.array(address, { minLength: 1, maxLength: 3 }), port: fc.constantFrom(80, 8080, 53), family: fc.constantFrom('IPv4' as const, 'IPv6' as const) }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(arb, (calls) => {
        for (const c of calls) {
          const sl: EndpointSlice = {
            namespace: 'ns', service: 'addr', name: 'x', addressType: c.family, ports: [{ name: 'p', port: c.port, protocol: 'TCP' }],
            endpoints: c.addresses.map((a) => ({ addresses: [a], nodeName: null })),
          };
          const got = endpointsByServicePort([sl], c.family, 'test-node').get('ns/addr:p/TCP') ?? [];
          // The plain path: each address parsed and printed again.
          const want = new Map<string, { ip: string; text: string }>();
          for (const a of c.addresses) {
            const ip = parseIpSloppy(a)?.text;
            if (ip === undefined || ip.includes(':') !== (c.family === 'IPv6')) continue;
            const text = c.family === 'IPv6' ? `[${ip}]:${c.port}` : `${ip}:${c.port}`;
            want.set(text, { ip, text });
          }
          expect(got.map((e) => ({ ip: e.ip, text: e.text }))).toEqual([...want.values()].sort((x, y) => (x.text < y.text ? -1 : x.text > y.text ? 1 : 0)));
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** The plain de-duplication: a map per service port by `ip:port`, a local copy replacing an earlier one. */
function plainByServicePort(slices: EndpointSlice[], family: 'IPv4' | 'IPv6', nodeName: string): Map<string, EndpointInfo[]> {
  const sets = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType !== family) continue;
    for (const p of slice.ports) {
      if (p.port === null || p.port === 0) continue;
      const key = `${slice.namespace}/${slice.service}${p.name === '' ? '' : `:${p.name}`}/${p.protocol ?? 'TCP'}`;
      let set = sets.get(key);
      if (!set) sets.set(key, (set = new Map()));
      for (const ep of slice.endpoints) {
        const ip = ep.addresses.length === 0 ? undefined : parseIpSloppy(ep.addresses[0])?.text;
        if (ip === undefined || ip.includes(':') !== (family === 'IPv6')) continue;
        const c = ep.conditions ?? {};
        const isLocal = ep.nodeName !== null && ep.nodeName !== undefined && ep.nodeName === nodeName;
        const text = family === 'IPv6' ? `[${ip}]:${p.port}` : `${ip}:${p.port}`;
        const info: EndpointInfo = {
          ip, port: p.port, text, isLocal,
          ready: c.ready === null || c.ready === undefined || c.ready, serving: c.serving === null || c.serving === undefined || c.serving, terminating: c.terminating === true,
        };
        if (!set.has(text) || isLocal) set.set(text, info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [k, set] of sets) out.set(k, [...set.values()].sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)));
  return out;
}

describe('endpointsByServicePort: lists de-duplicated by a scan, or an index above 16 endpoints', () => {
  it('gives what a map per service port gives, duplicates and local copies included', () => {
    const ep = fc.record({
      ip: fc.integer({ min: 0, max: 40 }).map((i) => `10.5.0.${i}`),
      node: fc.constantFrom(null, 'test-node', 'other'),
      conditions: fc.option(fc.record({ ready: tri, serving: tri, terminating: tri }), { nil: undefined }),
    });
    const sl = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      ports: fc.subarray([{ name: 'p', port: 80 }, { name: '', port: 81 }, { name: 'dns', port: 53, protocol: 'UDP' as const }, { name: 'z', port: 0 }], { minLength: 1 }),
      endpoints: fc.array(ep, { maxLength: 40, size: 'max' }),
    }).map(({ name, ports, endpoints }): EndpointSlice => ({
      namespace: 'ns', service: 'dedupe', name, addressType: 'IPv4', ports,
      endpoints: endpoints.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: e.conditions })),
    }));
    fc.assert(
      fc.property(fc.array(sl, { maxLength: 3 }), (slices) => {
        expect(endpointsByServicePort(slices, 'IPv4', 'test-node')).toEqual(plainByServicePort(slices, 'IPv4', 'test-node'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('categorizeEndpoints: a list whose endpoints are all ready is used as it is', () => {
  it('gives what filtering every list gives', () => {
    const info = fc.record({ i: fc.integer({ min: 0, max: 6 }), isLocal: fc.boolean(), ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() })
      .map(({ i, ...f }): EndpointInfo => ({ ip: `10.6.0.${i}`, port: 80, text: `10.6.0.${i}:80`, ...f }));
    const policy = fc.record({ internalPolicyLocal: fc.boolean(), externalPolicyLocal: fc.boolean(), nodePort: fc.constantFrom(0, 30001) });
    fc.assert(
      fc.property(fc.uniqueArray(info, { selector: (e) => e.text, maxLength: 6 }), policy, (raw, pol) => {
        const eps = sortByText(raw);
        const port = { ...servicePortsOf({ namespace: 'ns', name: 'cat', type: 'NodePort', clusterIP: '172.30.0.9', ports: [{ name: 'p', port: 80 }] }, 'IPv4')[0], ...pol };
        // The plain CategorizeEndpoints(): every list filtered.
        const usesCluster = !port.internalPolicyLocal || port.nodePort !== 0;
        const usesLocal = port.internalPolicyLocal || (port.externalPolicyLocal && port.nodePort !== 0);
        let cluster: EndpointInfo[] = [];
        if (usesCluster) {
          cluster = eps.filter((e) => e.ready);
          if (cluster.length === 0) cluster = eps.filter((e) => e.serving && e.terminating);
        }
        let local: EndpointInfo[] = [];
        if (usesLocal) {
          local = eps.filter((e) => e.isLocal && e.ready);
          if (local.length === 0 && !eps.some((e) => e.ready && e.isLocal)) local = eps.some((e) => e.isLocal && e.serving && e.terminating && !e.ready) ? eps.filter((e) => e.isLocal && e.serving && e.terminating) : [];
        }
        const hasAny = cluster.length > 0 || (usesLocal && eps.some((e) => e.ready || (e.serving && e.terminating)));
        const all = !usesLocal ? cluster : !usesCluster ? local : sortByText([...new Map([...cluster, ...local].map((e) => [e.text, e])).values()]);
        expect(categorizeEndpoints(eps, port)).toEqual({ cluster, local, allReachable: all, hasAny });
      }),
      { numRuns: 500 },
    );
  });
});

describe('endpointsByServicePort: endpoint infos shared per address, port and conditions', () => {
  it('gives what making every endpoint anew gives, across calls that share addresses and ports', () => {
    fc.assert(
      fc.property(fc.array(fc.array(sliceArb, { maxLength: 2 }), { minLength: 1, maxLength: 5 }), fc.constantFrom('test-node', 'other'), (calls, node) => {
        // Several calls in a row (the shared infos outlive each), each compared with the plain one.
        for (const slices of calls) {
          setEndpointInterning(true);
          const shared = endpointsByServicePort(slices, 'IPv4', node);
          setEndpointInterning(false);
          try {
            expect([...shared]).toEqual([...endpointsByServicePort(slices, 'IPv4', node)]);
          } finally {
            setEndpointInterning(true);
          }
        }
      }),
      { numRuns: 400, seed: 8 },
    );
  });
});
