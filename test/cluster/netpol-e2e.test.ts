// Peer suite: the 48 truth-table tests of Kubernetes' NetworkPolicy e2e suite, every step applied in a
// timeline, every validate step's matrix (pod -> the destination pod's Service ClusterIP:port) probed through
// the whole dataplane (kube-proxy DNAT, kube-router's filter rules and ipsets, bridged and VXLAN paths,
// conntrack for the replies) by `net reach`'s engine (src/reach: reachWorld, planMatrix, evaluateCells) and
// compared cell by cell, for both pod sets (head, full9), the diagonal ignored
// as the e2e suite does (ignoreLoopback). A cell is connected when the reply comes back (UDP included; for SCTP the INIT ACK).

import { describe, expect, it } from 'vitest';
import type { E2eStep, E2eTest, Variant } from './netpol-e2e.js';
import { loadE2e, scenarioOf } from './netpol-e2e.js';
import type { PlanOptions, ReachProto } from '../../src/reach/index.js';
import { evaluateCells, parsePortList, parseSelector, planMatrix, reachWorld } from '../../src/reach/index.js';
import type { Scenario } from '../../src/scenario/model.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { parseIpv4 } from '../../src/wire/ipv4-addr.js';

const { tests } = loadE2e();
const VARIANTS: Variant[] = ['head', 'full9'];

interface Tally {
  steps: number;
  cells: number;
  agreed: number;
  tests: number;
  /** Tests whose pods serve SCTP (agnhost porter): their INIT is answered by the pods' SCTP listeners. */
  sctpTests: number;
  differences: string[];
}

function term(text: string): PlanOptions['from'][number] {
  const r = parseSelector(text);
  if (!r.ok) throw new Error(`selector ${text}: ${r.error}`);
  return { text, term: r.value };
}

/**
 * The matrix of one validate step through `net reach`'s engine: the World at the timeline point (reachWorld),
 * rows `pod/NS/NAME`, columns the destination pods' Services `svc/s-NS-NAME.NS` at the step's port and protocol
 * (planMatrix), every cell explored (evaluateCells). A cell is connected only when every branch's reply came back.
 */
function probeMatrix(sc: Scenario, at: string, pods: readonly string[], step: E2eStep, tally: Tally, where: string): void {
  const w = reachWorld(sc, at, 1);
  if (!w.ok) throw new Error(`${where}: ${w.message}`);
  const ports = parsePortList(String(step.port));
  if (!ports.ok) throw new Error(`${where}: port ${step.port}`);
  const proto = step.protocol!.toLowerCase() as ReachProto;
  const plan = planMatrix(w.value.cluster, {
    from: pods.map((p) => term(`pod/${p}`)),
    to: pods.map((p) => term(`svc/s-${p.replace('/', '-')}.${p.split('/')[0]}`)),
    ports: ports.value,
    proto,
  });
  if (!plan.ok) throw new Error(`${where}: ${plan.message}`);
  const { rows, cols, jobs } = plan.plan;
  expect(rows.map((r) => r.label)).toEqual([...pods]);
  expect(cols.length).toBe(pods.length);
  // Each column is one pod's Service: the pod behind it names the expected matrix's column.
  const colPod = cols.map((c, i) => {
    expect(c.kind).toBe('service');
    expect(c.port).toBe(step.port);
    expect(c.proto).toBe(proto);
    if (c.pods.length > 0) expect(c.pods).toEqual([pods[i]]);
    return pods[i];
  });
  const cells = evaluateCells(w.value.world, jobs.filter((j) => rows[j.row].label !== colPod[j.col]), { seed: 1, startAt: w.value.startAt, owners: w.value.cluster.owners });
  const want = step.matrix![where.startsWith('full9') ? 'full9' : 'head'];
  for (const cell of cells) {
    const from = rows[cell.row].label;
    const to = colPod[cell.col];
    tally.cells++;
    const connected = cell.verdict === 'connected';
    if (cell.verdict !== 'mixed' && connected === want[from][to]) tally.agreed++;
    else {
      const b = cell.branches.map((x) => `${x.disposition}${x.reply ? ` (reply ${x.reply.kind} ${x.reply.disposition})` : ''}`).join(' | ');
      tally.differences.push(`${where} ${from} -> ${cols[cell.col].label} ${step.protocol}/${step.port}: expected ${want[from][to] ? 'connected' : 'blocked'}, got ${cell.verdict}: ${b}`);
    }
  }
}

function runTest(test: E2eTest, variant: Variant, tally: Tally): void {
  tally.tests++;
  if (test.serve.protocols.includes('SCTP')) tally.sctpTests++;
  const { yaml, points } = scenarioOf(test, variant);
  const r = loadScenarioText(yaml, `${test.id}.yaml`);
  if (!r.ok) throw new Error(`${test.id} (${variant}): ${r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n')}`);
  for (const s of r.scenario.timeline ?? []) {
    if (s.kind !== 'point') continue;
    const step = points.get(s.name)!;
    tally.steps++;
    probeMatrix(r.scenario, s.name, test.pods[variant], step, tally, `${variant} ${test.id} ${s.name}`);
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
      const tally: Tally = { steps: 0, cells: 0, agreed: 0, tests: 0, sctpTests: 0, differences: [] };
      for (const t of tests) runTest(t, variant, tally);
      console.log(`netpol e2e ${variant}: ${tally.tests} tests run (${tally.sctpTests} SCTP), ${tally.steps} validate steps, ${tally.cells} cells, ${tally.agreed} agree, ${tally.differences.length} differ`);
      expect(tally.differences.slice(0, 40)).toEqual([]);
      expect(tally.tests).toBe(48);
      expect(tally.sctpTests).toBe(3);
      expect(tally.steps).toBe(65);
      expect(tally.agreed).toBe(tally.cells);
    }, 600_000);
  }
});
