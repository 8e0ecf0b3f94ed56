// npm run bench: how fast traces run, and how rule evaluation scales with chain length (indexed vs linear).
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
