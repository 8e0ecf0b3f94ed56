// Kubernetes objects as kubectl prints them: status honoured, List read, unknown kinds warned about,
// hostNetwork pods on their node, and EndpointSlices derived unless given.

import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../src/scenario/load.js';
import { formatIpv4 } from '../src/wire/ipv4-addr.js';

const head = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: objects}
cluster: {podCIDR: 10.244.0.0/16, network: flannel-host-gw}
underlay: {cidr: 192.168.56.0/24}
nodes:
  - {name: node-a, ip: 192.168.56.11}
objects:
`;

function load(objects: string) {
  const r = loadScenarioText(head + objects, 'o.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

describe('Kubernetes objects', () => {
  it('honours status (podIP, Ready condition), reads List items and warns about other kinds', () => {
    const sc = load(`  - apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: Pod
        metadata: {name: a, labels: {app: x}, uid: 1234, managedFields: [{manager: kubectl}]}
        spec: {containers: [{name: c, image: nginx, ports: [{name: web, containerPort: 80}], resources: {}}]}
        status:
          podIP: 10.244.0.9
          conditions: [{type: Initialized, status: "True"}, {type: Ready, status: "False"}]
      - {apiVersion: v1, kind: Pod, metadata: {name: b, labels: {app: x}}, spec: {containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]}}
      - {apiVersion: v1, kind: Pod, metadata: {name: h, labels: {app: x}}, spec: {hostNetwork: true, containers: [{name: c, ports: [{name: web, containerPort: 9090}]}]}}
      - {apiVersion: v1, kind: Secret, metadata: {name: s}}
  - {apiVersion: v1, kind: Service, metadata: {name: x}, spec: {selector: {app: x}, ports: [{port: 80, targetPort: web}]}}
`);
    const c = sc.cluster!;
    expect(c.pods.map((p) => `${p.name} ${formatIpv4(p.ip!)} ${p.netns} ${p.ready}`)).toEqual([
      'a 10.244.0.9 a false', 'b 10.244.0.2 b true', 'h 192.168.56.11 node-a true',
    ]);
    expect(sc.warnings?.map((w) => `${w.line}:${w.column} ${w.message}`)).toEqual(['21:32 objects[0]: items[3]: kind Secret is not modelled; skipped']);
    const slices = c.endpointSlices;
    expect(slices.map((s) => s.ports.map((p) => p.port))).toEqual([[80], [8080], [9090]]);
    expect(slices.flatMap((s) => s.endpoints.map((e) => `${e.pod} ${e.conditions.ready}`))).toEqual(['default/a false', 'default/b true', 'default/h true']);
    expect(sc.world.namespaces.find((n) => n.name === 'node-a')!.listen.map((l) => l.port)).toEqual([9090]);
    expect(c.services[0].clusterIP).toBe(0x0a600002);
  });

  it('keeps EndpointSlices that are given instead of deriving them', () => {
    const sc = load(`  - {apiVersion: v1, kind: Pod, metadata: {name: a, labels: {app: x}}, spec: {containers: [{name: c}]}}
  - {apiVersion: v1, kind: Service, metadata: {name: x}, spec: {selector: {app: x}, ports: [{port: 80}]}}
  - apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: x-manual, labels: {kubernetes.io/service-name: x}}
    addressType: IPv4
    ports: [{port: 80, protocol: TCP}]
    endpoints: [{addresses: [10.244.0.2], conditions: {ready: false, terminating: true}, targetRef: {kind: Pod, name: a}}]
`);
    expect(sc.cluster!.endpointSlices.map((s) => [s.meta.name, s.endpoints[0].conditions])).toEqual([
      ['x-manual', { ready: false, serving: false, terminating: true }],
    ]);
  });
});

describe('the kube-proxy seam', () => {
  it('applies a renderer\'s iptables-restore text to every node after the components\' own rules', async () => {
    const { compileCluster } = await import('../src/cluster/compile.js');
    const base = load(`  - {apiVersion: v1, kind: Service, metadata: {name: x}, spec: {clusterIP: 10.96.0.10, ports: [{port: 53, protocol: UDP}]}}
`);
    const { world, ...objects } = base.cluster!;
    void world;
    // The same objects again, through compileCluster with a renderer that sees the Services.
    const spec = {
      name: 'seam', podCIDR: { addr: 0x0af40000, len: 16 }, serviceCIDR: { addr: 0x0a600000, len: 12 }, domain: 'cluster.local',
      network: 'flannel-host-gw' as const, cni: { hairpinMode: true }, flannel: { ipMasq: true }, underlay: { cidr: { addr: 0xc0a83800, len: 24 }, mtu: 1500 },
      nodes: [{ name: 'node-a', ip: 0xc0a8380b, sysctls: {}, listen: [] }], externals: [], objects: objects.services, patches: [],
    };
    const c = compileCluster(spec, {
      renderers: [(node, o) => `*nat\n:KUBE-SERVICES - [0:0]\n-I PREROUTING -j KUBE-SERVICES\n${o.services.map((s) => `-A KUBE-SERVICES -d ${formatIpv4(s.clusterIP as number)}/32 -m comment --comment "${node.name}" -j RETURN`).join('\n')}\nCOMMIT\n`],
    });
    const text = c.world.namespaces.find((n) => n.name === 'node-a')!.iptables!;
    expect(text).toContain('-A PREROUTING -j KUBE-SERVICES');
    expect(text).toContain('-A KUBE-SERVICES -d 10.96.0.10/32 -m comment --comment "node-a" -j RETURN');
    expect(text).toContain('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG');
  });
});
