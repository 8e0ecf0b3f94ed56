// `npm run bench -- --micro` (or node bench/micro.mjs): how fast the shipped scenarios' traces run, and how rule
// evaluation scales with chain length (indexed vs linear).
// Wall-clock numbers for humans; no test asserts on them.
import { performance } from 'node:perf_hooks';
import { collectScenarioFiles, loadScenarioFile } from '../dist/scenario/load.js';
import { loadScenarioText } from '../dist/scenario/load.js';
import { buildWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';
import { evaluateChain, indexRuleset, restore } from '../dist/kernel/netfilter/index.js';
import { makeContext, makePacket } from '../dist/kernel/netfilter/testing.js';

function time(fn, minMs = 300) {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    n++;
  }
  return (performance.now() - start) / n;
}

console.log('traces (one World per scenario, a checkpoint per trace, reply included)');
for (const file of collectScenarioFiles(['scenarios'])) {
  const r = loadScenarioFile(file);
  if (!r.ok) continue;
  const world = buildWorld(r.scenario.world);
  const ms = time(() => {
    for (const t of r.scenario.traces) runTrace(world, t);
  }) / r.scenario.traces.length;
  console.log(`  ${file.padEnd(40)} ${ms.toFixed(3).padStart(8)} ms/trace`);
}

console.log('\nnat PREROUTING with N services (one KUBE-SERVICES-style rule each), packet to the last one');
for (const n of [10, 100, 1000, 5000]) {
  const lines = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  for (let i = 0; i < n; i++) {
    const vip = `10.96.${(i >> 8) & 255}.${i & 255}`;
    lines.push(`-A PREROUTING -d ${vip}/32 -p tcp -m comment --comment "svc ${i}" -m tcp --dport 80 -j DNAT --to-destination 10.244.${(i >> 8) & 255}.${i & 255}:8080`);
  }
  lines.push('COMMIT', '');
  const { ruleset, errors } = restore(lines.join('\n'));
  if (errors.length) throw new Error(errors[0].message);
  const last = n - 1;
  const packet = makePacket({ proto: 'tcp', src: '10.244.0.2', dst: `10.96.${(last >> 8) & 255}.${last & 255}`, sport: 40000, dport: 80 });
  const index = indexRuleset(ruleset);
  const linear = time(() => evaluateChain(ruleset, 'nat', 'PREROUTING', makeContext({ packet })));
  const indexed = time(() => evaluateChain(ruleset, 'nat', 'PREROUTING', makeContext({ packet }), { index }));
  console.log(`  N=${String(n).padEnd(5)} linear ${(linear * 1000).toFixed(1).padStart(9)} us   indexed ${(indexed * 1000).toFixed(1).padStart(7)} us`);
}

// A generated cluster: 50 nodes, 1,500 pods (Deployments of 100 spread by the scheduler, plus a Service
// each), compiled to its WorldSpec (flannel VXLAN, CNI bridge, host-local), then built into a World.
{
  const { compileCluster } = await import('../dist/cluster/compile.js');
  const { buildWorld } = await import('../dist/kernel/index.js');
  const nodes = Array.from({ length: 50 }, (_, i) => ({ name: `node-${i}`, ip: (0xc0a80000 + 10 + i) >>> 0, sysctls: {}, listen: [] }));
  const objects = [];
  for (let d = 0; d < 15; d++) {
    const meta = { name: `app-${d}`, namespace: 'default', labels: {}, deleting: false };
    const template = { labels: { app: `app-${d}` }, spec: { hostNetwork: false, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] } };
    objects.push({ kind: 'Deployment', meta, replicas: 100, selector: { app: `app-${d}` }, template });
    objects.push({ kind: 'Service', meta, selector: { app: `app-${d}` }, type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], publishNotReadyAddresses: false });
  }
  const spec = {
    name: 'bench-cluster', podCIDR: { addr: 0x0af40000, len: 16 }, serviceCIDR: { addr: 0x0a600000, len: 12 }, domain: 'cluster.local',
    network: 'flannel-vxlan', cni: { hairpinMode: true }, flannel: { ipMasq: true }, underlay: { cidr: { addr: 0xc0a80000, len: 16 }, mtu: 1500 },
    nodes, externals: [], objects, patches: [],
  };
  const t0 = performance.now();
  const compiled = compileCluster(spec);
  const t1 = performance.now();
  buildWorld(compiled.world);
  const t2 = performance.now();
  if (compiled.issues.length > 0) throw new Error(compiled.issues[0].message);
  console.log('\ncluster compile (50 nodes, 1,500 pods, 15 Services, flannel VXLAN)');
  console.log(`  compile ${(t1 - t0).toFixed(0).padStart(6)} ms  (${compiled.world.namespaces.length} namespaces, ${compiled.pods.length} pods, ${compiled.endpointSlices.length} EndpointSlices)`);
  console.log(`  build World ${(t2 - t1).toFixed(0).padStart(6)} ms`);
}

console.log('\na router with N DNAT rules (kube-proxy-like): World built once vs built per trace');
for (const n of [100, 1000, 10000]) {
  const rules = [];
  for (let i = 0; i < n; i++) {
    const vip = `10.96.${(i >> 8) & 255}.${i & 255}`;
    rules.push(`        -A PREROUTING -d ${vip}/32 -p tcp -m comment --comment "svc ${i}" -m tcp --dport 80 -j DNAT --to-destination 10.0.2.2:80`);
  }
  const text = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: bench-${n}}
namespaces:
  - name: left
    links: [{name: eth0, type: veth, peer: router/eth0, addresses: [10.0.1.2/24]}]
    routes: ["default via 10.0.1.1 dev eth0"]
  - name: router
    sysctls: {net.ipv4.ip_forward: 1}
    links:
      - {name: eth0, type: veth, peer: left/eth0, addresses: [10.0.1.1/24]}
      - {name: eth1, type: veth, peer: right/eth0, addresses: [10.0.2.1/24]}
    iptables: |
        *nat
${rules.join('\n')}
        COMMIT
  - name: right
    links: [{name: eth0, type: veth, peer: router/eth1, addresses: [10.0.2.2/24]}]
    routes: ["default via 10.0.2.1 dev eth0"]
    listen: ["tcp/80"]
`;
  const r = loadScenarioText(text, `bench-${n}.yaml`);
  if (!r.ok) throw new Error(r.diagnostics[0].message);
  const last = n - 1;
  const trace = { name: 'to the last service', from: 'left', dst: (10 << 24) | (96 << 16) | (((last >> 8) & 255) << 8) | (last & 255), dport: 80, proto: 'tcp' };
  const world = buildWorld(r.scenario.world);
  const shared = time(() => runTrace(world, trace));
  const fresh = time(() => runTrace(r.scenario.world, trace));
  console.log(`  N=${String(n).padEnd(6)} shared World ${(shared * 1000).toFixed(0).padStart(7)} us/trace   fresh World ${(fresh * 1000).toFixed(0).padStart(8)} us/trace`);
}
