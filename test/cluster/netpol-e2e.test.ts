// Peer suite: the 48 truth-table tests of Kubernetes' NetworkPolicy e2e suite, every step applied in a
// timeline, every validate step's matrix (pod -> the destination pod's Service ClusterIP:port) probed through
// the whole dataplane (kube-proxy DNAT, kube-router's filter rules and ipsets, bridged and VXLAN paths,
// conntrack for the replies) and compared cell by cell, for both pod sets (head, full9), the diagonal ignored
// as the e2e suite does (ignoreLoopback). A cell is connected when the reply comes back (UDP included).

import { describe, expect, it } from 'vitest';
import type { CompiledCluster } from '../../src/cluster/compile.js';
import { buildWorld } from '../../src/kernel/netns/build-world.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { runTrace } from '../../src/trace/run-trace.js';
import { parseIpv4 } from '../../src/wire/ipv4-addr.js';
import type { E2eStep, E2eTest, Variant } from './netpol-e2e.js';
import { loadE2e, podNetns, scenarioOf } from './netpol-e2e.js';

const { tests } = loadE2e();
const VARIANTS: Variant[] = ['head', 'full9'];

interface Tally {
  steps: number;
  cells: number;
  agreed: number;
  skipped: string[];
  differences: string[];
}

/** The matrix of one validate step on the cluster as compiled at that point. */
function probeMatrix(cluster: CompiledCluster, pods: readonly string[], step: E2eStep, tally: Tally, where: string): void {
  const world = buildWorld(cluster.world);
  const svcIp = (p: string) => {
    const [ns, name] = p.split('/');
    const s = cluster.services.find((x) => x.meta.namespace === ns && x.meta.name === `s-${ns}-${name}`);
    return s?.clusterIP as number;
  };
  const want = step.matrix![where.startsWith('full9') ? 'full9' : 'head'];
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      const t = runTrace(world, { name: `${from}->${to}`, from: podNetns(from), dst: svcIp(to), dport: step.port!, proto: step.protocol === 'UDP' ? 'udp' : 'tcp' });
      const connected = t.disposition === 'DELIVERED' && t.reply?.disposition === 'DELIVERED';
      tally.cells++;
      if (connected === want[from][to]) tally.agreed++;
      else tally.differences.push(`${where} ${from} -> ${to} ${step.protocol}/${step.port}: expected ${want[from][to] ? 'connected' : 'blocked'}, got ${t.disposition}${t.reply ? ` (reply ${t.reply.disposition})` : ''}`);
    }
  }
}

function runTest(test: E2eTest, variant: Variant, tally: Tally): void {
  const validates = test.steps.filter((s) => s.op === 'validate');
  if (test.serve.protocols.includes('SCTP')) {
    tally.skipped.push(`${test.id} (${variant}): ${validates.length} SCTP step(s) not run: the engine does not model SCTP packets`);
    return;
  }
  const { yaml, points } = scenarioOf(test, variant);
  const r = loadScenarioText(yaml, `${test.id}.yaml`);
  if (!r.ok) throw new Error(`${test.id} (${variant}): ${r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`);
  let current = r.scenario.cluster!;
  for (const s of r.scenario.timeline ?? []) {
    if (s.kind === 'cluster') current = s.cluster;
    if (s.kind !== 'point') continue;
    const step = points.get(s.name)!;
    tally.steps++;
    probeMatrix(current, test.pods[variant], step, tally, `${variant} ${test.id} ${s.name}`);
  }
}

describe('NetworkPolicy e2e truth tables (kubernetes/kubernetes network_policy.go)', () => {
  it('the data holds 48 tests and 65 validate steps', () => {
    expect(tests.length).toBe(48);
    expect(tests.flatMap((t) => t.steps).filter((s) => s.op === 'validate').length).toBe(65);
    expect(parseIpv4('10.96.0.100')).toBeDefined();
  });

  for (const variant of VARIANTS) {
    it(`every cell of every validate step agrees (${variant})`, () => {
      const tally: Tally = { steps: 0, cells: 0, agreed: 0, skipped: [], differences: [] };
      for (const t of tests) runTest(t, variant, tally);
      console.log(`netpol e2e ${variant}: ${tally.steps} validate steps run, ${tally.cells} cells, ${tally.agreed} agree, ${tally.differences.length} differ`);
      for (const s of tally.skipped) console.log(`  not run: ${s}`);
      expect(tally.differences.slice(0, 40)).toEqual([]);
      expect(tally.steps).toBeGreaterThanOrEqual(62);
    }, 600_000);
  }
});
