// Endpoints by name in a Cluster, and what the trace says about nodes and pods.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { annotateTrace } from '../src/cluster/annotate-trace.js';
import { resolveEndpoint } from '../src/cluster/endpoints.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { runTrace } from '../src/trace/index.js';
import { formatIpv4 } from '../src/wire/ipv4-addr.js';

const loaded = loadScenarioFile('scenarios/cluster-deployment.yaml');
if (!loaded.ok) throw new Error('the shipped scenario loads');
const sc = loaded.scenario;
const c = sc.cluster!;

describe('cluster endpoints', () => {
  it('resolves pods, nodes and addresses', () => {
    const r = (t: string) => {
      const x = resolveEndpoint(c, t);
      return x.ok ? `${x.value.netns} ${formatIpv4(x.value.addr)}${x.value.port === undefined ? '' : `:${x.value.port}`}` : `error: ${x.error}`;
    };
    expect(r('shop/client')).toBe('shop_client 10.244.1.2');
    expect(r('pod/client:80')).toBe('shop_client 10.244.1.2:80');
    expect(r('node/node-b')).toBe('node-b 192.168.56.12');
    expect(r('10.244.0.2:8080')).toBe('shop_web-7c7d44749b-5knbx 10.244.0.2:8080');
    expect(r('node/node-z')).toMatch(/^error: no node "node-z"/);
    expect(r('default/client')).toMatch(/^error: no pod "client" in namespace default/);
    expect(r('pod/client:99999')).toMatch(/is not a port/);
  });

  it('names the node of each hop and the pod that got the packet', () => {
    const t = sc.traces[0];
    const trace = annotateTrace(runTrace(sc.world, t), c.owners);
    expect(trace.deliveredTo).toMatchObject({ node: 'node-a', pod: 'shop/web-7c7d44749b-5knbx' });
    expect(trace.hops[0].node).toBe('node-b');
    expect(trace.reply?.deliveredTo).toMatchObject({ node: 'node-b', pod: 'shop/client' });
  });

  it('takes names on the command line and shows a pod\'s state', () => {
    const trace = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', 'scenarios/cluster-deployment.yaml', '--from', 'shop/client', '--to', 'node/node-a', '--proto', 'icmp', '-o', 'json'], { encoding: 'utf8' });
    expect(trace.status, trace.stderr).toBe(0);
    expect(JSON.parse(trace.stdout).deliveredTo).toMatchObject({ node: 'node-a', netns: 'node-a', pod: null });
    const bad = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', 'scenarios/cluster-deployment.yaml', '--from', 'pod/nope', '--to', 'node/node-a'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--from: no pod "nope"');
    const show = spawnSync(process.execPath, ['dist/cli/main.js', 'show', 'scenarios/cluster-deployment.yaml', 'shop/client', 'route'], { encoding: 'utf8' });
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain('default via 10.244.1.1 dev eth0');
  });
});

describe('cluster patches and defaults', () => {
  const text = (extra: string) => `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: p}
cluster: {podCIDR: 10.244.0.0/16, network: flannel-vxlan}
underlay: {cidr: 192.168.56.0/24, gateway: 192.168.56.1}
nodes:
  - {name: node-a, ip: 192.168.56.11, podCIDR: 10.244.5.0/24}
  - {name: node-b, ip: 192.168.56.12}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: web}, spec: {nodeName: node-a, containers: [{name: c, ports: [{containerPort: 80}]}]}, status: {podIP: 10.244.5.7}}
  - {apiVersion: v1, kind: Pod, metadata: {name: two}, spec: {nodeName: node-a, containers: [{name: c}]}}
${extra}`;

  it('applies patches to the compiled namespaces and keeps given leases and pod IPs', async () => {
    const { loadScenarioText } = await import('../src/scenario/load.js');
    const r = loadScenarioText(text(`patches:
  - target: node/node-a
    sysctls: {net.bridge.bridge-nf-call-iptables: 0}
    routes: ["10.9.0.0/16 via 192.168.56.1 dev eth0"]
    iptables: |
      *filter
      -A FORWARD -d 10.244.5.7/32 -j DROP
      COMMIT
  - {target: pod/web, listen: ["udp/53"]}
traces:
  - {from: pod/two, to: pod/web, proto: icmp}
`), 'p.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
    const w = r.scenario.world;
    const a = w.namespaces.find((n) => n.name === 'node-a')!;
    expect(a.sysctls['net.bridge.bridge-nf-call-iptables']).toBe(0);
    expect(a.routes.map((x) => x.text)).toContain('10.9.0.0/16 via 192.168.56.1 dev eth0');
    expect(a.routes.map((x) => x.text)).toContain('default via 192.168.56.1 dev eth0');
    expect(a.iptables).toMatch(/-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n-A FORWARD -d 10.244.5.7\/32 -j DROP/);
    const web = w.namespaces.find((n) => n.name === 'web')!;
    expect(web.listen.map((l) => `${l.proto}/${l.port}`)).toEqual(['tcp/80', 'udp/53']);
    // The given lease; node-b gets the first free /24; web keeps .7 and two takes .2.
    expect(r.scenario.cluster!.nodes.map((n) => formatIpv4(n.podCIDR.addr))).toEqual(['10.244.5.0', '10.244.0.0']);
    expect(r.scenario.cluster!.pods.map((p) => formatIpv4(p.ip!))).toEqual(['10.244.5.7', '10.244.5.2']);
    expect(r.scenario.traces[0].name).toBe('pod/two -> pod/web/icmp');
    expect(runTrace(w, r.scenario.traces[0]).disposition).toBe('DELIVERED');
  });
});
