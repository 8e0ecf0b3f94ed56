// An SCTP Service port in a Cluster: kube-proxy's `-p sctp -m sctp` rules load into the node's netfilter and
// DNAT an SCTP INIT to the endpoint on the other node (over flannel's VXLAN); the pod serves SCTP on its
// containerPort, so its SCTP stack answers with an INIT ACK (an ABORT on a port it does not serve), which
// node-a un-NATs: the client sees it from the ClusterIP. A pod without an SCTP port has no SCTP stack and
// answers protocol unreachable.
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../src/scenario/load.js';
import { runTrace, senderView } from '../src/trace/index.js';

const TEXT = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: sctp-service}
cluster: {podCIDR: 10.244.0.0/16, serviceCIDR: 10.96.0.0/12, network: flannel-vxlan, kubeProxy: {mode: iptables}}
underlay: {cidr: 192.168.56.0/24}
nodes:
  - {name: node-a, ip: 192.168.56.11}
  - {name: node-b, ip: 192.168.56.12}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {nodeName: node-a, containers: [{name: c, image: busybox}]}}
  - apiVersion: v1
    kind: Pod
    metadata: {name: sig-0, labels: {app: sig}}
    spec: {nodeName: node-b, containers: [{name: s, image: x, ports: [{name: sig, containerPort: 3868, protocol: SCTP}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: sig}
    spec: {selector: {app: sig}, clusterIP: 10.96.0.20, ports: [{name: sig, port: 3868, protocol: SCTP, targetPort: sig}, {name: other, port: 3869, protocol: SCTP, targetPort: 3869}]}
traces:
  - {name: init, from: pod/client, to: "svc/sig:3868", proto: sctp}
  - {name: closed port, from: pod/client, to: "svc/sig:3869", proto: sctp}
  - {name: no stack, from: pod/sig-0, to: "pod/client:3868", proto: sctp}
`;

describe('an SCTP Service port', () => {
  it("is DNATed to its endpoint by kube-proxy's -m sctp rules, and the answer comes back un-NATed", () => {
    const r = loadScenarioText(TEXT, 'sctp-service.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const text = r.scenario.world.namespaces.find((n) => n.name === 'node-a')!.iptables!;
    expect(text).toMatch(/^-A KUBE-SERVICES .*-m sctp -p sctp -d 10\.96\.0\.20 --dport 3868 -j KUBE-SVC-/m);
    const t = runTrace(r.scenario.world, r.scenario.traces[0], { seed: 1 });
    expect(t.hops.some((h) => h.netns === 'node-a' && h.after?.dst === '10.244.1.2:3868')).toBe(true);
    expect(t.hops.some((h) => h.netns === 'sig-0')).toBe(true);
    expect([t.disposition, t.reason]).toEqual(['DELIVERED', null]);
    expect(t.reply).toMatchObject({ kind: 'init-ack', disposition: 'DELIVERED' });
    expect(t.icmp).toBeNull();
    expect(senderView(t).outcome).toBe('connected');
    expect(t.conntrack.find((c) => c.netns === 'node-a')?.line).toMatch(/^sctp {5}132 [23] COOKIE_WAIT src=10\.244\.0\.2 dst=10\.96\.0\.20 sport=40000 dport=3868 src=10\.244\.1\.2 dst=10\.244\.0\.2 sport=3868 dport=40000 /);
  });

  it('a port the pod does not serve draws an ABORT; a pod without an SCTP port answers protocol unreachable', () => {
    const r = loadScenarioText(TEXT, 'sctp-service.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
    const closed = runTrace(r.scenario.world, r.scenario.traces[1], { seed: 1 });
    expect([closed.disposition, closed.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(closed.reply).toMatchObject({ kind: 'abort', disposition: 'DELIVERED' });
    expect(senderView(closed)).toMatchObject({ outcome: 'refused', errno: 'ECONNREFUSED' });
    const noStack = runTrace(r.scenario.world, r.scenario.traces[2], { seed: 1 });
    expect([noStack.disposition, noStack.reason]).toEqual(['REFUSED', 'NO_SOCKET']);
    expect(noStack.icmp).toMatchObject({ type: 'protocol-unreachable', from: '10.244.0.2' });
    expect(senderView(noStack).errno).toBe('ENOPROTOOPT');
  });
});
