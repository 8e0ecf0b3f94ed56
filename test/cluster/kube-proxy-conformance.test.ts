// kube-proxy's own proxier tests (pkg/proxy/iptables/proxier_test.go, as data in flows.json) run against our
// reconciler: (a) the expected dumps, sorted as sortIPTablesRules() sorts, byte for byte; (b) every packet
// flow traced through our netfilter engine (all hooks, conntrack NEW, every statistic branch) over the rules our
// restore loaded, with upstream's output and masquerade flag; (c) every chain check. Counts are printed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printSave } from '../../src/kernel/netfilter/index.js';
import { sortIptablesRules } from '../../src/cluster/kube-proxy/index.js';
import { traceIptablesSave } from '../../src/trace/iptables-save-trace.js';
import { KP_DIR, chainRules, flowsFile, runTest, testName } from './kube-proxy-flows.js';
import type { Flow } from './kube-proxy-flows.js';

const nodeIPs = flowsFile.defaults.tracerNodeIPs;
const counts = { flows: 0, flowsOk: 0, dumps: 0, dumpsOk: 0, checks: 0, checksOk: 0, untraceable: 0 };

afterAll(() => {
  console.log(
    `kube-proxy conformance: ${counts.flowsOk}/${counts.flows} flows, ${counts.dumpsOk}/${counts.dumps} dumps, ${counts.checksOk}/${counts.checks} chain checks`,
  );
});

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
      }
      return;
    }
    const run = runTest(t);
    it('every sync loads in our iptables-restore', () => {
      expect(run.steps.flatMap((s) => s.errors)).toEqual([]);
    });
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
      const save = printSave(run.steps[i].ruleset);
      for (const f of step.flows) {
        counts.flows++;
        it(`step ${i + 1} flow ${f.name}: ${f.sourceIP} -> ${f.destIP}:${f.destPort}/${f.protocol} gives ${JSON.stringify(f.output)}${f.masq ? ' masq' : ''}`, () => {
          const r = traceFlow(save, f);
          expect(r.errors).toEqual([]);
          expect({ output: r.output, masq: r.masq }).toEqual({ output: f.output, masq: f.masq });
          counts.flowsOk++;
        });
      }
    });
  });
}
