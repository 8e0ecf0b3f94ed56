// A node patch's `-D` (and the other commands iptables-restore --noflush takes) changes that node's dataplane,
// only that node's: kube-proxy's ClusterIP rule deleted on node-a (written another way than kube-proxy wrote
// it, found by meaning as the kernel finds it) leaves node-a's pods without the Service, node-b's with it.

import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';
import { runTrace } from '../../src/trace/index.js';

const CLUSTER = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: patch-commands}
cluster: {podCIDR: 10.244.0.0/16, network: flannel-vxlan}
underlay: {cidr: 192.168.56.0/24}
nodes:
  - {name: node-a, ip: 192.168.56.11}
  - {name: node-b, ip: 192.168.56.12}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {clusterIP: 10.96.0.2, selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
  - {apiVersion: v1, kind: Pod, metadata: {name: client-a}, spec: {nodeName: node-a, containers: [{name: c, image: busybox}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: client-b}, spec: {nodeName: node-b, containers: [{name: c, image: busybox}]}}
`;

const PATCH = `patches:
  - target: node/node-a
    iptables: |
      *nat
      -D KUBE-SERVICES -d 10.96.0.2 -p tcp -m comment --comment "default/web cluster IP" --dport 80 -j KUBE-SVC-LOLE4ISW44XBNF3G
      COMMIT
`;

function load(text: string): Scenario {
  const r = loadScenarioText(text, 'patch.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

const rulesOf = (sc: Scenario, netns: string): string => sc.cluster!.world.namespaces.find((n: { name: string }) => n.name === netns)!.iptables ?? '';
// 10.96.0.2 is 0x0a600002.
const toService = (sc: Scenario, from: string) => runTrace(sc.world, { name: from, from, dst: 0x0a600002, proto: 'tcp', dport: 80 });

describe('a node patch with -D', () => {
  const plain = load(CLUSTER);
  const patched = load(CLUSTER + PATCH);

  it('deletes the rule kube-proxy wrote, on that node only', () => {
    const rule = '-A KUBE-SERVICES -m comment --comment "default/web cluster IP" -m tcp -p tcp -d 10.96.0.2 --dport 80 -j KUBE-SVC-LOLE4ISW44XBNF3G';
    expect(rulesOf(plain, 'node-a')).toContain(rule);
    expect(rulesOf(patched, 'node-a')).not.toContain(rule);
    // Everything else on node-a is as kube-proxy and flannel wrote it.
    expect(rulesOf(patched, 'node-a')).toBe(rulesOf(plain, 'node-a').replace(`${rule}\n`, ''));
    expect(rulesOf(patched, 'node-b')).toBe(rulesOf(plain, 'node-b'));
  });

  it('leaves node-a\'s pods without the Service, and node-b\'s with it', () => {
    expect(toService(plain, 'client-a').disposition).toBe('DELIVERED');
    const a = toService(patched, 'client-a');
    // Not DNATed, the ClusterIP is routed nowhere: node-a has no default route (the underlay has no gateway).
    expect(a.disposition).toBe('NO_ROUTE');
    expect(JSON.stringify(a)).not.toContain('KUBE-SVC-LOLE4ISW44XBNF3G');
    expect(toService(patched, 'client-b').disposition).toBe('DELIVERED');
  });
});
