// Cluster changes in a timeline (src/scenario/read-cluster-timeline.ts, src/cluster/kubectl.ts): each change is
// compiled at load time, and the live World is reconciled to the new compile (src/kernel/netns/reconcile-world.ts):
// namespaces that remain keep their dynamic state (an established flow's conntrack entry on a node survives a
// scale-up), new pods' namespaces appear, deleted ones go.
import { describe, expect, it } from 'vitest';
import { formatIpv4 } from '../src/wire/ipv4-addr.js';
import { loadScenarioText } from '../src/scenario/load.js';
import type { Scenario, TimelineStep } from '../src/scenario/model.js';
import { runTimeline } from '../src/scenario/run-timeline.js';
import type { TimelineEvent } from '../src/scenario/run-timeline.js';

const HEAD = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: tl}
cluster: {podCIDR: 10.244.0.0/16, network: flannel-vxlan}
underlay: {cidr: 192.168.56.0/24}
nodes:
  - {name: node-a, ip: 192.168.56.11}
  - {name: node-b, ip: 192.168.56.12}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {nodeName: node-b, containers: [{name: c}]}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: nginx, ports: [{name: http, containerPort: 8080}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}], clusterIP: 10.96.0.80}
`;

/** The first replica's name (the ReplicaSet controller's deterministic web-<hash>-<suffix>). */
const WEB0 = 'web-7c7d44749b-w9xgk';

function load(timeline: string, head = HEAD): Scenario {
  const r = loadScenarioText(`${head}timeline:\n${timeline}`, 'tl.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

function diagnostics(timeline: string, head = HEAD): string[] {
  const r = loadScenarioText(`${head}timeline:\n${timeline}`, 'tl.yaml');
  return r.ok ? [] : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`);
}

const clusterSteps = (sc: Scenario) => (sc.timeline ?? []).filter((s): s is Extract<TimelineStep, { kind: 'cluster' }> => s.kind === 'cluster');

describe('Cluster timeline steps', () => {
  it('kubectl scale: an established flow\'s conntrack entry on the nodes survives; new pods appear with the next addresses', () => {
    const sc = load(`  - trace: {name: first, from: pod/client, to: "pod/${WEB0}:8080", proto: tcp, sport: 40000}
  - kubectl: kubectl scale deployment/web --replicas=3
`);
    const events: TimelineEvent[] = [];
    const run = runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const flows = (node: string) => (run.world.netns(node)?.nf?.conntrack.entries(run.now) ?? []).map((e) => `${formatIpv4(e.orig.src)}:${e.orig.sport}>${formatIpv4(e.orig.dst)}:${e.orig.dport}`);
    expect(flows('node-a').filter((f) => f.startsWith('10.244.'))).toEqual(['10.244.1.2:40000>10.244.0.2:8080']);
    expect(flows('node-b').filter((f) => f.startsWith('10.244.'))).toEqual(['10.244.1.2:40000>10.244.0.2:8080']);
    const cluster = events.find((e) => e.kind === 'cluster');
    expect(cluster?.kind === 'cluster' && cluster.report).toMatchObject({ added: ['web-7c7d44749b-6jh7j', 'web-7c7d44749b-8hhcn'], removed: [] });
    const pods = clusterSteps(sc)[0].cluster.pods.filter((p) => p.owner === 'Deployment/web').map((p) => `${p.name} ${p.node} ${formatIpv4(p.ip!)}`);
    expect(pods).toEqual([`${WEB0} node-a 10.244.0.2`, 'web-7c7d44749b-6jh7j node-a 10.244.0.3', 'web-7c7d44749b-8hhcn node-b 10.244.1.3']);
    expect(run.world.netns('web-7c7d44749b-8hhcn')).toBeDefined();
  });

  it('the same flow continues on the entry it made before the change, as if nothing had changed', () => {
    // A UDP server in the replica: the first exchange is answered, so the entry is replied (ESTABLISHED).
    const head = HEAD.replace('containerPort: 8080}', 'containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}');
    const web0 = load('  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}\n', head).cluster!.pods.find((p) => p.owner === 'Deployment/web')!.name;
    const steps = (change: string) => load(`  - trace: {name: first, from: pod/client, to: "pod/${web0}:53", proto: udp, sport: 40000}
${change}  - trace: {name: again, from: pod/client, to: "pod/${web0}:53", proto: udp, sport: 40000}
`, head);
    const conntrackHops = (sc: Scenario) => {
      const out: string[][] = [];
      runTimeline(sc.world, sc.timeline!, { onEvent: (e) => { if (e.kind === 'trace') out.push(e.trace.hops.filter((h) => h.detail.startsWith('conntrack')).map((h) => `${h.netns} ${h.detail}`)); } });
      return out;
    };
    const changed = conntrackHops(steps('  - kubectl: kubectl scale deployment/web --replicas=3\n'));
    const unchanged = conntrackHops(steps(''));
    expect(changed[0].some((d) => d.startsWith('node-b conntrack: NEW connection udp 10.244.1.2:40000'))).toBe(true);
    expect(changed[1].filter((d) => d.includes('10.244.1.2:40000')).length).toBeGreaterThan(0);
    expect(changed[1].some((d) => d.includes('NEW connection udp 10.244.1.2:40000'))).toBe(false);
    expect(changed[1]).toEqual(unchanged[1]);
  });

  it('scale down: the removed pods\' namespaces go', () => {
    const sc = load(`  - kubectl: kubectl scale deployment/web --replicas=3
  - kubectl: kubectl scale deploy web --replicas 1
  - trace: {name: t, from: pod/client, to: "pod/${WEB0}:8080", proto: tcp}
`);
    const reports: string[][] = [];
    const run = runTimeline(sc.world, sc.timeline!, { onEvent: (e) => { if (e.kind === 'cluster') reports.push(e.report.removed); } });
    expect(reports[1]).toEqual(['web-7c7d44749b-6jh7j', 'web-7c7d44749b-8hhcn']);
    expect(run.world.netns('web-7c7d44749b-6jh7j')).toBeUndefined();
  });

  it('kubectl delete pod: the ReplicaSet controller makes a replacement with a new name', () => {
    const sc = load(`  - kubectl: kubectl delete pod ${WEB0}
  - trace: {name: t, from: pod/client, to: 10.244.0.2:8080, proto: tcp}
`);
    const step = clusterSteps(sc)[0];
    const web = step.cluster.pods.filter((p) => p.owner === 'Deployment/web');
    expect(web).toHaveLength(1);
    expect(web[0].name).not.toBe(WEB0);
    expect(web[0].name).toMatch(/^web-7c7d44749b-[a-z0-9]{5}$/);
    // host-local continues after its last reservation (.2): the replacement gets .3, not the freed .2.
    expect(`${web[0].node} ${formatIpv4(web[0].ip!)}`).toBe('node-a 10.244.0.3');
    const events: TimelineEvent[] = [];
    runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const c = events.find((e) => e.kind === 'cluster');
    expect(c?.kind === 'cluster' && c.report).toMatchObject({ added: [web[0].name], removed: [WEB0] });
  });

  it('scale down then up: new pods with new names and the next addresses; running pods never move', () => {
    const sc = load(`  - kubectl: kubectl scale deployment/web --replicas=3
  - kubectl: kubectl scale deployment/web --replicas=1
  - kubectl: kubectl scale deployment/web --replicas=3
  - trace: {name: t, from: pod/client, to: "pod/${WEB0}:8080", proto: tcp}
`);
    const [up, , again] = clusterSteps(sc).map((s) => s.cluster.pods.map((p) => `${p.name} ${p.node} ${formatIpv4(p.ip!)}`));
    expect(up).toEqual(['client node-b 10.244.1.2', `${WEB0} node-a 10.244.0.2`, 'web-7c7d44749b-6jh7j node-a 10.244.0.3', 'web-7c7d44749b-8hhcn node-b 10.244.1.3']);
    expect(again[0]).toBe('client node-b 10.244.1.2');
    expect(again[1]).toBe(`${WEB0} node-a 10.244.0.2`);
    expect(again.slice(2).map((p) => p.split(' ')[0])).not.toContain('web-7c7d44749b-6jh7j');
    expect(again.slice(2).map((p) => p.split(' ').slice(1).join(' '))).toEqual(['node-a 10.244.0.4', 'node-b 10.244.1.4']);
  });

  it('kubectl delete pod of a DaemonSet: a new pod with a new name on the same node', () => {
    const head = `${HEAD}  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent}
    spec:
      selector: {matchLabels: {app: agent}}
      template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: a}]}}
`;
    const agents = (sc: Scenario) => sc.cluster!.pods.filter((p) => p.owner === 'DaemonSet/agent').map((p) => `${p.name} ${p.node}`);
    const before = agents(load('  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}\n', head));
    const victim = before[0].split(' ')[0];
    const sc = load(`  - kubectl: kubectl delete pod ${victim}\n  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}\n`, head);
    const after = clusterSteps(sc)[0].cluster.pods.filter((p) => p.owner === 'DaemonSet/agent').map((p) => `${p.name} ${p.node}`);
    expect(after).toHaveLength(2);
    expect(after.map((a) => a.split(' ')[0])).not.toContain(victim);
    expect(after.map((a) => a.split(' ')[1]).sort()).toEqual(['node-a', 'node-b']);
    expect(after[1]).toBe(before[1]);
  });

  it('kubectl delete pod of a bare pod: gone for good', () => {
    const sc = load(`  - kubectl: kubectl delete pod/client
  - trace: {name: t, from: node/node-a, to: "pod/${WEB0}:8080", proto: tcp}
`);
    expect(clusterSteps(sc)[0].cluster.pods.map((p) => p.name)).toEqual([WEB0]);
  });

  it('ready: false turns the EndpointSlice condition off; true turns it back on', () => {
    const sc = load(`  - ready: pod/${WEB0}
    value: false
  - ready: pod/${WEB0}
    value: true
  - trace: {name: t, from: pod/client, to: "pod/${WEB0}:8080", proto: tcp}
`);
    const slices = clusterSteps(sc).map((s) => s.cluster.endpointSlices.flatMap((e) => e.endpoints.map((x) => `${x.pod} ready=${x.conditions.ready} serving=${x.conditions.serving}`)));
    expect(slices[0]).toEqual([`default/${WEB0} ready=false serving=false`]);
    expect(slices[1]).toEqual([`default/${WEB0} ready=true serving=true`]);
  });

  it('kubectl delete endpointslice: the controller makes it again (the Service has a selector)', () => {
    const sc = load(`  - kubectl: kubectl delete endpointslice web-abcde
  - trace: {name: t, from: pod/client, to: "pod/${WEB0}:8080", proto: tcp}
`.replace('web-abcde', loadSliceName()));
    expect(clusterSteps(sc)[0].cluster.endpointSlices.map((s) => s.serviceName)).toEqual(['web']);
  });

  it('kubectl delete endpointslice of a Service without a selector: gone for good', () => {
    const head = `${HEAD}  - apiVersion: v1
    kind: Service
    metadata: {name: ext}
    spec: {ports: [{port: 80}], clusterIP: 10.96.0.81}
  - apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
    addressType: IPv4
    ports: [{port: 80}]
    endpoints: [{addresses: [192.168.56.11]}]
`;
    const sc = load('  - kubectl: kubectl delete endpointslice ext-1\n  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}\n', head);
    expect(sc.cluster!.endpointSlices.map((e) => e.serviceName).sort()).toEqual(['ext', 'web']);
    expect(clusterSteps(sc)[0].cluster.endpointSlices.map((e) => e.serviceName)).toEqual(['web']);
  });

  it('addNode: a new node namespace, and flannel on the others routes its pod CIDR over flannel.1', () => {
    const sc = load(`  - addNode: {name: node-c, ip: 192.168.56.13}
  - trace: {name: t, from: pod/client, to: node/node-c, proto: icmp}
`);
    const c = clusterSteps(sc)[0].cluster;
    expect(c.nodes.map((n) => `${n.name} ${n.podCIDR.addr === 0x0af40200 ? '10.244.2.0/24' : ''}`)).toContain('node-c 10.244.2.0/24');
    const a = c.world.namespaces.find((n) => n.name === 'node-a');
    expect(JSON.stringify(a?.routes)).toContain('flannel.1');
    const events: TimelineEvent[] = [];
    runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const t = events.find((e) => e.kind === 'trace');
    expect(t?.kind === 'trace' && t.trace.disposition).toBe('DELIVERED');
  });
});

function loadSliceName(): string {
  const r = loadScenarioText(`${HEAD}timeline:\n  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}\n`, 'tl.yaml');
  if (!r.ok) throw new Error('load');
  return r.scenario.cluster!.endpointSlices[0].meta.name;
}

describe('bad Cluster timeline steps', () => {
  it.each([
    ['  - kubectl: kubectl get pods\n', '25:22 timeline[0]: kubectl: kubectl get: not modelled here'],
    ['  - kubectl: kubectl scale deployment/nope --replicas=2\n', '25:39 timeline[0]: Error from server (NotFound): deployments.apps "nope" not found in namespace "default"'],
    ['  - kubectl: kubectl scale deployment/web --replicas=-1\n', '25:54 timeline[0]: kubectl: --replicas: -1 is out of range (0..100000)'],
    ['  - kubectl: kubectl scale deployment/web --replicas=2 --force\n', '25:56 timeline[0]: kubectl: unknown flag: --force'],
    ['  - kubectl: kubectl delete pod web-zzzzz-zzzzz -n shop\n', '25:33 timeline[0]: Error from server (NotFound): pods "web-zzzzz-zzzzz" not found in namespace "shop"'],
    ['  - kubectl: kubectl delete service web\n', '25:29 timeline[0]: kubectl: kubectl delete: "service" is not modelled here (expected pod, endpointslice or networkpolicy)'],
    ['  - ready: pod/ghost\n    value: false\n', '25:16 timeline[0]: ready: Error from server (NotFound): pods "ghost" not found (pods now: client, web-7c7d44749b-w9xgk)'],
    ['  - ready: pod/client\n', '25:5 timeline[0]: missing required field "value" (true or false: the pod\'s Ready condition)'],
    ['  - addNode: {name: node-c, ip: 10.0.0.1}\n', '25:33 timeline[0]: addNode: ip 10.0.0.1 is not on the underlay 192.168.56.0/24'],
    ['  - addNode: {name: node-a, ip: 192.168.56.20}\n', 'node "node-a" already exists'],
  ])('%s', (step, message) => {
    const got = diagnostics(`${step}  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}\n`);
    expect(got.join('\n')).toContain(message);
  });

  it('a later step sees the cluster as the earlier ones left it: a deleted pod cannot be deleted again', () => {
    const got = diagnostics(`  - kubectl: kubectl delete pod client\n  - kubectl: kubectl delete pod client\n  - trace: {name: t, from: node/node-a, to: node/node-b, proto: icmp}\n`);
    expect(got).toEqual(['26:33 timeline[1]: Error from server (NotFound): pods "client" not found in namespace "default"']);
  });

  it('a trace after a delete cannot name the deleted pod', () => {
    const got = diagnostics(`  - kubectl: kubectl delete pod client\n  - trace: {name: t, from: pod/client, to: node/node-b, proto: icmp}\n`);
    expect(got.join('\n')).toMatch(/^26:\d+ .*no pod "client"/);
  });

  it('run steps name the namespaces of the cluster at their point: a new pod\'s after a scale, not a deleted one', () => {
    expect(diagnostics(`  - kubectl: kubectl scale deployment/web --replicas=3
  - {netns: web-7c7d44749b-8hhcn, run: "sysctl -w net.ipv4.ip_forward=1"}
  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}
`)).toEqual([]);
    expect(diagnostics(`  - {netns: web-7c7d44749b-8hhcn, run: "sysctl -w net.ipv4.ip_forward=1"}
  - trace: {name: t, from: pod/client, to: node/node-a, proto: icmp}
`).join('\n')).toContain('25:13 timeline[0]: netns: no namespace "web-7c7d44749b-8hhcn"');
    expect(diagnostics(`  - kubectl: kubectl delete pod client
  - {netns: client, run: "sysctl -w net.ipv4.ip_forward=1"}
  - trace: {name: t, from: node/node-b, to: node/node-a, proto: icmp}
`).join('\n')).toContain('26:13 timeline[1]: netns: no namespace "client"');
  });

  it('kubectl in a Topology scenario is refused at its key', () => {
    const topo = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: t}
namespaces:
  - {name: a, links: [{name: eth0, type: veth, peer: b/eth0, addresses: [10.0.0.1/24]}]}
  - {name: b, links: [{name: eth0, type: veth, peer: a/eth0, addresses: [10.0.0.2/24]}]}
timeline:
  - kubectl: kubectl scale deployment/web --replicas=3
  - trace: {name: t, from: a, to: 10.0.0.2, proto: icmp}
`;
    const r = loadScenarioText(topo, 't.yaml');
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      '8:5 timeline[0]: "kubectl" steps change a Kubernetes cluster: they are only valid in a kind: Cluster scenario',
    ]);
  });
});
