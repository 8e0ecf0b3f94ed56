// NAT correctness of the kube-proxy reconciler on random clusters (fast-check, fixed seeds): our rendered rules,
// loaded through our iptables-restore and traced through our netfilter engine with every statistic branch, send
// a connection to a Service only to the endpoints kube-proxy's policy picks (ready, else serving-and-
// terminating; local only under a Local policy), each with probability 1/n, never to another Service's; no
// endpoints at all is REJECT, none usable locally is DROP; masquerade exactly when the rules say (off-cluster
// source to a cluster IP, any source through an eTP=Cluster NodePort, never for a pod or an eTP=Local NodePort).
// The expected endpoints come from a model written here from the KEP text, not from the renderer's code.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printSave } from '../../src/kernel/netfilter/index.js';
import type { EndpointSlice, Service } from '../../src/cluster/kube-proxy/index.js';
import { IptablesProxier, applyHookJumps, applySync, defaultProxierConfig } from '../../src/cluster/kube-proxy/index.js';
import { traceIptablesSave } from '../../src/trace/iptables-save-trace.js';

const RUNS = Number(process.env.PACKETWALK_PROPERTY_RUNS ?? 1000);
const NODE = '192.168.0.2';
const POD = '10.0.0.2';
const OUTSIDE = '203.0.113.2';

type Cond = 'ready' | 'serving-terminating' | 'terminating';
interface Ep {
  local: boolean;
  cond: Cond;
}
interface Svc {
  proto: 'tcp' | 'udp';
  port: number;
  nodePort: boolean;
  iTPLocal: boolean;
  eTPLocal: boolean;
  eps: Ep[];
}

const epArb = fc.record({ local: fc.boolean(), cond: fc.constantFrom<Cond>('ready', 'ready', 'serving-terminating', 'terminating') });
const svcArb = fc.record({
  proto: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
  port: fc.constantFrom(80, 53, 443),
  nodePort: fc.boolean(),
  iTPLocal: fc.boolean(),
  eTPLocal: fc.boolean(),
  eps: fc.array(epArb, { maxLength: 4 }),
});

const epIP = (s: number, e: number): string => `10.180.${s}.${e + 1}`;

function objects(svcs: Svc[]): { services: Service[]; slices: EndpointSlice[] } {
  const services: Service[] = svcs.map((s, i) => ({
    namespace: 'ns', name: `svc${i}`, type: s.nodePort ? 'NodePort' : 'ClusterIP', clusterIP: `172.30.0.${10 + i}`,
    externalTrafficPolicy: s.eTPLocal ? 'Local' : 'Cluster', internalTrafficPolicy: s.iTPLocal ? 'Local' : 'Cluster',
    ports: [{ name: 'p', port: s.port, protocol: s.proto === 'tcp' ? 'TCP' : 'UDP', nodePort: s.nodePort ? 30000 + i : 0 }],
  }));
  const slices: EndpointSlice[] = svcs.map((s, i) => ({
    namespace: 'ns', service: `svc${i}`, name: `svc${i}-1`, addressType: 'IPv4',
    endpoints: s.eps.map((e, j) => ({
      addresses: [epIP(i, j)], nodeName: e.local ? 'test-node' : 'node2',
      conditions: e.cond === 'ready' ? { ready: true, serving: true, terminating: false } : { ready: false, serving: e.cond === 'serving-terminating', terminating: true },
    })),
    ports: [{ name: 'p', port: 8080, protocol: s.proto === 'tcp' ? 'TCP' : 'UDP' }],
  }));
  return { services, slices };
}

/** Endpoints a policy uses: ready ones, else serving-and-terminating ones (KEP-1669). */
function usable(eps: Array<Ep & { ip: string }>): string[] {
  const ready = eps.filter((e) => e.cond === 'ready');
  return (ready.length ? ready : eps.filter((e) => e.cond === 'serving-terminating')).map((e) => `${e.ip}:8080`).sort();
}

/** The model's answer for one policy: the endpoints, or the filter verdict. */
function expected(s: Svc, i: number, local: boolean): string[] | 'REJECT' | 'DROP' {
  const eps = s.eps.map((e, j) => ({ ...e, ip: epIP(i, j) }));
  if (usable(eps).length === 0) return 'REJECT';
  const chosen = usable(local ? eps.filter((e) => e.local) : eps);
  return chosen.length ? chosen : 'DROP';
}

function load(svcs: Svc[]): string {
  const p = new IptablesProxier(defaultProxierConfig({ localDetector: { kind: 'cidr', cidr: '10.0.0.0/8' }, masqueradeMark: '0x4000' }));
  const { services, slices } = objects(svcs);
  for (const s of services) p.onServiceAdd(s);
  for (const s of slices) p.onEndpointSliceAdd(s);
  const plan = p.sync({ now: 0, existingNatChains: [] });
  const r = applySync(applyHookJumps({ tables: new Map() }, plan.hookJumps).ruleset, plan.text);
  expect(r.errors).toEqual([]);
  return printSave(r.ruleset);
}

function check(save: string, src: string, dst: string, dport: number, proto: 'tcp' | 'udp', want: string[] | 'REJECT' | 'DROP', masq: boolean): void {
  const t = traceIptablesSave(save, { src, dst, dport, proto, nodeIPs: [NODE] });
  expect(t.errors).toEqual([]);
  if (typeof want === 'string') {
    expect(t.branches.map((b) => [b.verdict, b.dnat])).toEqual([[want, null]]);
    return;
  }
  expect(t.branches.map((b) => b.dnat).sort()).toEqual(want);
  for (const b of t.branches) {
    expect(b.probability).toBeCloseTo(1 / want.length, 9);
    expect(b.verdict).toBe('ACCEPT');
    expect(b.markedForMasquerade).toBe(masq);
  }
}

describe(`kube-proxy NAT properties (${RUNS} random clusters each, fixed seeds)`, () => {
  it('cluster IP from a pod: the internal policy\'s endpoints at 1/n each, no masquerade; not the other protocol', () => {
    fc.assert(
      fc.property(fc.array(svcArb, { minLength: 1, maxLength: 3 }), (svcs) => {
        const save = load(svcs);
        svcs.forEach((s, i) => {
          check(save, POD, `172.30.0.${10 + i}`, s.port, s.proto, expected(s, i, s.iTPLocal), false);
          const t = traceIptablesSave(save, { src: POD, dst: `172.30.0.${10 + i}`, dport: s.port, proto: s.proto === 'tcp' ? 'udp' : 'tcp', nodeIPs: [NODE] });
          expect(t.dnat).toEqual([]);
        });
      }),
      { numRuns: RUNS, seed: 20261206 },
    );
  }, 180_000);

  it('cluster IP from outside the cluster: the same endpoints, masqueraded', () => {
    fc.assert(
      fc.property(fc.array(svcArb, { minLength: 1, maxLength: 3 }), (svcs) => {
        const save = load(svcs);
        svcs.forEach((s, i) => check(save, OUTSIDE, `172.30.0.${10 + i}`, s.port, s.proto, expected(s, i, s.iTPLocal), true));
      }),
      { numRuns: RUNS, seed: 20261208 },
    );
  }, 180_000);

  it('NodePort from outside: the external policy\'s endpoints; masquerade exactly for eTP=Cluster', () => {
    fc.assert(
      fc.property(fc.array(svcArb, { minLength: 1, maxLength: 3 }), (svcs) => {
        const save = load(svcs);
        svcs.forEach((s, i) => {
          if (!s.nodePort) return;
          check(save, OUTSIDE, NODE, 30000 + i, s.proto, expected(s, i, s.eTPLocal), !s.eTPLocal);
        });
      }),
      { numRuns: RUNS, seed: 20261207 },
    );
  }, 180_000);
});
