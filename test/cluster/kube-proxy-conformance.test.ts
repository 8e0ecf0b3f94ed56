// kube-proxy's own proxier tests (pkg/proxy/iptables/proxier_test.go, as data in flows.json) run against our
// reconciler: (a) the expected dumps, sorted as sortIPTablesRules() sorts, byte for byte; (b) every packet
// flow traced through our netfilter engine (all hooks, conntrack NEW, every statistic branch) over the rules our
// restore loaded (IPv6: the ip6tables rule walk over the syncs' ip6tables-restore text), with upstream's output
// and masquerade flag; (c) every chain check. Counts are printed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printSave } from '../../src/kernel/netfilter/index.js';
import { sortIptablesRules } from '../../src/cluster/kube-proxy/index.js';
import { traceIptablesSave } from '../../src/trace/iptables-save-trace.js';
import { parseIp6tablesSave } from '../../src/trace/ip6tables-rules.js';
import { KP_DIR, chainRules, flowsFile, ip6RestoreText, proxierConfigOf, runTest, testName } from './kube-proxy-flows.js';
import type { Flow } from './kube-proxy-flows.js';
import { parseTables, upstreamTrace } from './upstream-trace.js';

const nodeIPs = flowsFile.defaults.tracerNodeIPs;
const counts = { flows: 0, flowsOk: 0, dumps: 0, dumpsOk: 0, checks: 0, checksOk: 0, replica: 0, replicaOk: 0 };

afterAll(() => {
  console.log(
    `kube-proxy conformance: ${counts.flowsOk}/${counts.flows} flows (IPv4 through the kernel core, IPv6 through the ip6tables rule walk), ` +
      `${counts.dumpsOk}/${counts.dumps} dumps, ${counts.checksOk}/${counts.checks} chain checks` +
      ` (upstream's own tracer, replicated, over the same rules: ${counts.replicaOk}/${counts.replica} flows)`,
  );
});

const runTestFamily = (t: Parameters<typeof proxierConfigOf>[0]): string => proxierConfigOf(t).family;

function traceFlow(saveText: string, f: Flow, lenient = false): { output: string; masq: boolean; errors: unknown[] } {
  const r = traceIptablesSave(saveText, { src: f.sourceIP, dst: f.destIP, dport: f.destPort, proto: f.protocol, nodeIPs, lenientComments: lenient });
  return { output: r.output, masq: r.masquerade, errors: r.errors };
}

for (const t of flowsFile.tests) {
  describe(testName(t), () => {
    if (t.rulesFile !== undefined) {
      // TestTracePacket traces a fixed rules file: no reconciler involved.
      const text = readFileSync(join(KP_DIR, t.rulesFile), 'utf8');
      for (const f of t.steps.flatMap((s) => s.flows)) {
        counts.flows++;
        it(`flow ${f.name}`, () => {
          const r = traceFlow(text, f, true);
          expect(r.errors).toEqual([]);
          expect({ output: r.output, masq: r.masq }).toEqual({ output: f.output, masq: f.masq });
          counts.flowsOk++;
        });
        counts.replica++;
        it(`flow ${f.name}, by upstream's tracer`, () => {
          expect(upstreamTrace(parseTables(text), f, nodeIPs)).toEqual({ output: f.output, masq: f.masq });
          counts.replicaOk++;
        });
      }
      return;
    }
    const ipv6 = runTestFamily(t) === 'IPv6';
    const run = runTest(t, { apply: !ipv6 });
    const errors = run.steps.flatMap((s) => s.errors);
    if (!ipv6) it('every sync loads in our iptables-restore', () => expect(errors).toEqual([]));
    else it('every sync loads in the IPv6 rule model', () => expect(parseIp6tablesSave(ip6RestoreText(run.steps.flatMap((s) => s.plans))).errors).toEqual([]));
    if (t.expectedDumpFile !== undefined) {
      counts.dumps++;
      it(`dump equals ${t.expectedDumpFile}`, () => {
        const expected = readFileSync(join(KP_DIR, t.expectedDumpFile!), 'utf8');
        expect(sortIptablesRules(run.steps[0].plans[0].text)).toBe(expected);
        counts.dumpsOk++;
      });
    }
    for (const c of t.chainChecks ?? []) {
      counts.checks++;
      it(`chain ${c.table} ${c.chain}`, () => {
        expect(chainRules(run.steps[0].plans[0].text, c.table, c.chain)).toEqual(c.rules);
        counts.checksOk++;
      });
    }
    t.steps.forEach((step, i) => {
      // IPv6: what ip6tables-restore --noflush would hold after every sync so far, walked by the IPv6 rule walk
      // (src/trace/ip6tables-save-trace.ts, which traceIptablesSave() hands IPv6 packets to).
      const save = ipv6 ? ip6RestoreText(run.steps.slice(0, i + 1).flatMap((s) => s.plans)) : printSave(run.steps[i].ruleset);
      // What FakeIPTables would hold: every sync's text applied in turn, sorted the way its dumps are.
      const replica = parseTables(run.steps[i].plans.map((p) => p.text).join(''));
      for (const f of step.flows) {
        counts.flows++;
        it(`step ${i + 1} flow ${f.name}: ${f.sourceIP} -> ${f.destIP}:${f.destPort}/${f.protocol} gives ${JSON.stringify(f.output)}${f.masq ? ' masq' : ''}`, () => {
          const r = traceFlow(save, f);
          expect(r.errors).toEqual([]);
          expect({ output: r.output, masq: r.masq }).toEqual({ output: f.output, masq: f.masq });
          counts.flowsOk++;
        });
        counts.replica++;
        it(`step ${i + 1} flow ${f.name}, by upstream's tracer`, () => {
          expect(upstreamTrace(replica, f, nodeIPs)).toEqual({ output: f.output, masq: f.masq });
          counts.replicaOk++;
        });
      }
    });
  });
}
