// Property: for random clusters of namespaces, pods, labels and NetworkPolicies, the dataplane's answer
// (kube-router's rules and ipsets on two flannel VXLAN nodes, probed pod -> pod IP:port with the reply
// required) equals the specification evaluator's (src/cluster/netpol/evaluate.ts) for every ordered pair.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCluster } from '../../src/cluster/compile.js';
import type {
  ClusterSpec, KubeObject, LabelSelector, NetworkPolicyObject, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule, PodObject,
} from '../../src/cluster/model.js';
import { evaluateConnection } from '../../src/cluster/netpol/evaluate.js';
import { policyView } from '../../src/cluster/netpol/policy-view.js';
import { buildWorld } from '../../src/kernel/netns/build-world.js';
import { runTrace } from '../../src/trace/run-trace.js';

const NS = ['a', 'b'];
const meta = (name: string, namespace: string, labels: Record<string, string> = {}) => ({ name, namespace, labels, deleting: false });

const selector: fc.Arbitrary<LabelSelector> = fc.oneof(
  fc.constant<LabelSelector>({ matchLabels: {}, matchExpressions: [] }),
  fc.constantFrom('x', 'y').map((app) => ({ matchLabels: { app }, matchExpressions: [] })),
  fc.constantFrom('x', 'y').map((app) => ({ matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'NotIn' as const, values: [app] }] })),
  fc.constant<LabelSelector>({ matchLabels: {}, matchExpressions: [{ key: 'tier', operator: 'Exists' as const, values: [] }] }),
);
const nsSelector: fc.Arbitrary<LabelSelector> = fc.oneof(
  fc.constant<LabelSelector>({ matchLabels: {}, matchExpressions: [] }),
  fc.constantFrom('red', 'blue').map((team) => ({ matchLabels: { team }, matchExpressions: [] })),
  fc.constantFrom(...NS).map((n) => ({ matchLabels: { 'kubernetes.io/metadata.name': n }, matchExpressions: [] })),
);
const peer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  selector.map((podSelector) => ({ podSelector })),
  nsSelector.map((namespaceSelector) => ({ namespaceSelector })),
  fc.tuple(nsSelector, selector).map(([namespaceSelector, podSelector]) => ({ namespaceSelector, podSelector })),
  fc.constantFrom<NetworkPolicyPeer>(
    { ipBlock: { cidr: { addr: 0x0af40000, len: 16 }, except: [] } },
    { ipBlock: { cidr: { addr: 0x0af40000, len: 16 }, except: [{ addr: 0x0af40100, len: 24 }] } },
    { ipBlock: { cidr: { addr: 0x0af40000, len: 24 }, except: [{ addr: 0x0af40002, len: 32 }] } },
    { ipBlock: { cidr: { addr: 0, len: 0 }, except: [{ addr: 0x0af40003, len: 32 }] } },
  ),
);
const port: fc.Arbitrary<NetworkPolicyPort> = fc.constantFrom<NetworkPolicyPort>(
  { protocol: 'TCP', port: 80 }, { protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 'http' }, { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 80, endPort: 8080 }, { protocol: 'UDP' }, { protocol: 'SCTP', port: 80 }, { protocol: 'TCP', port: 'nope' },
);
const rule: fc.Arbitrary<NetworkPolicyRule> = fc.record({ peers: fc.array(peer, { maxLength: 2 }), ports: fc.array(port, { maxLength: 2 }) });
const policy = (i: number): fc.Arbitrary<NetworkPolicyObject> => fc.record({
  ns: fc.constantFrom(...NS),
  podSelector: selector,
  types: fc.constantFrom<('Ingress' | 'Egress')[]>(['Ingress'], ['Egress'], ['Ingress', 'Egress']),
  ingress: fc.array(rule, { maxLength: 2 }),
  egress: fc.array(rule, { maxLength: 2 }),
}).map((p) => ({ kind: 'NetworkPolicy', meta: meta(`p${i}`, p.ns), podSelector: p.podSelector, policyTypes: p.types, ingress: p.ingress, egress: p.egress }));

interface PodArb { ns: string; app: string; tier: boolean; node: number; http: number }
const podArb: fc.Arbitrary<PodArb> = fc.record({ ns: fc.constantFrom(...NS), app: fc.constantFrom('x', 'y'), tier: fc.boolean(), node: fc.integer({ min: 0, max: 1 }), http: fc.constantFrom(80, 8080) });
const probeArb = fc.constantFrom<{ proto: 'tcp' | 'udp'; port: number }>({ proto: 'tcp', port: 80 }, { proto: 'tcp', port: 8080 }, { proto: 'udp', port: 53 });

const clusterArb = fc.record({
  teams: fc.tuple(fc.constantFrom('red', 'blue'), fc.constantFrom('red', 'blue')),
  pods: fc.array(podArb, { minLength: 2, maxLength: 4 }),
  policies: fc.tuple(policy(0), policy(1), policy(2)).chain((ps) => fc.integer({ min: 0, max: 3 }).map((n) => ps.slice(0, n))),
  probes: fc.array(probeArb, { minLength: 12, maxLength: 12 }),
});

function specOf(c: { teams: [string, string]; pods: PodArb[]; policies: NetworkPolicyObject[] }): ClusterSpec {
  const objects: KubeObject[] = NS.map((n, i) => ({ kind: 'Namespace' as const, meta: meta(n, '', { team: c.teams[i] }) }));
  c.pods.forEach((p, i) => {
    const pod: PodObject = {
      kind: 'Pod', meta: meta(`p${i}`, p.ns, p.tier ? { app: p.app, tier: 'web' } : { app: p.app }),
      spec: { nodeName: `n${p.node}`, hostNetwork: false, containers: [{ name: 'c', ports: [
        { containerPort: 80, protocol: 'TCP', ...(p.http === 80 ? { name: 'http' } : {}) },
        { containerPort: 8080, protocol: 'TCP', ...(p.http === 8080 ? { name: 'http' } : {}) },
        { containerPort: 53, protocol: 'UDP' },
      ] }] },
      status: { ready: true },
    };
    objects.push(pod);
  });
  for (const p of c.policies) objects.push(p);
  return {
    name: 'prop', podCIDR: { addr: 0x0af40000, len: 16 }, serviceCIDR: { addr: 0x0a600000, len: 12 }, domain: 'cluster.local', network: 'flannel-vxlan',
    cni: { hairpinMode: true }, flannel: { ipMasq: true }, networkPolicy: 'kube-router',
    underlay: { cidr: { addr: 0xc0a83800, len: 24 }, mtu: 1500 },
    nodes: [0, 1].map((i) => ({ name: `n${i}`, ip: 0xc0a8380b + i, sysctls: {}, listen: [] })),
    externals: [], objects, patches: [],
  };
}

describe('NetworkPolicy: the dataplane agrees with the specification evaluator', () => {
  it('for 1,000 random clusters, every ordered pair of pods', () => {
    let pairs = 0;
    let allowed = 0;
    fc.assert(
      fc.property(clusterArb, (c) => {
        const spec = specOf(c);
        const compiled = compileCluster(spec);
        expect(compiled.issues).toEqual([]);
        const world = buildWorld(compiled.world);
        const view = policyView(spec.objects, compiled.pods);
        let k = 0;
        for (const src of compiled.pods) {
          for (const dst of compiled.pods) {
            if (src === dst) continue;
            const probe = c.probes[k++ % c.probes.length];
            const t = runTrace(world, { name: 'p', from: src.netns!, dst: dst.ip!, dport: probe.port, proto: probe.proto });
            const dataplane = t.disposition === 'DELIVERED' && t.reply?.disposition === 'DELIVERED';
            const vs = view.pods.find((p) => p.name === src.name && p.namespace === src.namespace)!;
            const vd = view.pods.find((p) => p.name === dst.name && p.namespace === dst.namespace)!;
            const spec2 = evaluateConnection(view, { src: { ip: src.ip!, pod: vs }, dst: { ip: dst.ip!, pod: vd }, protocol: probe.proto === 'tcp' ? 'TCP' : 'UDP', port: probe.port });
            pairs++;
            if (spec2.allowed) allowed++;
            expect({ pair: `${src.namespace}/${src.name} -> ${dst.namespace}/${dst.name} ${probe.proto}/${probe.port}`, allowed: dataplane }).toEqual({ pair: `${src.namespace}/${src.name} -> ${dst.namespace}/${dst.name} ${probe.proto}/${probe.port}`, allowed: spec2.allowed });
          }
        }
      }),
      { numRuns: 1000, seed: 20261207 },
    );
    console.log(`netpol property: 1000 clusters, ${pairs} pairs, ${allowed} allowed, ${pairs - allowed} denied`);
    expect(allowed).toBeGreaterThan(pairs / 10);
    expect(pairs - allowed).toBeGreaterThan(pairs / 10);
  }, 900_000);
});
