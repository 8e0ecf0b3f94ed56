// npm run bench: how fast traces run, and how rule evaluation scales with chain length (indexed vs linear).
// Wall-clock numbers for humans; no test asserts on them.
import { performance } from 'node:perf_hooks';
import { collectScenarioFiles, loadScenarioFile } from '../dist/scenario/load.js';
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

console.log('traces (fresh World per trace, reply included)');
for (const file of collectScenarioFiles(['scenarios'])) {
  const r = loadScenarioFile(file);
  if (!r.ok) continue;
  const ms = time(() => {
    for (const t of r.scenario.traces) runTrace(r.scenario.world, t);
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
