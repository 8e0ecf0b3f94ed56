// Kernel differential test for timelines: every scenario with a `timeline` in scenarios/ and
// test/kernel/fixtures/ goes through verifyTimeline() (src/oracle/verify-timeline.ts), the same code as
// `net verify`: the namespaces are built once, each step runs in order (commands with the same command line,
// sleeps for real), and each trace is probed at its place and compared with the emulator's trace there, on the
// socket's outcome and `conntrack -L`. Needs root and the tools of topology-agreement.test.ts; without them the
// suite is skipped with the reason, or fails when PACKETWALK_KERNEL=required.

import { isRealTimeDrift } from './real-time-drift.js';
import { afterAll, describe, expect, it } from 'vitest';

import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { VerifySession } from '../../src/oracle/verify.js';
import { verifyTimeline } from '../../src/oracle/verify-timeline.js';
import { renderVerifyTable } from '../../src/oracle/verify-report.js';
import { collectScenarioFiles, loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';

const SCENARIO_DIRS = ['scenarios', 'test/kernel/fixtures'];
const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX_BASE = `pwt${process.pid}x`;
const session = new VerifySession();

const unavailable = kernelUnavailable(`${PREFIX_BASE}probe`);
if (unavailable !== undefined) console.warn(`timeline kernel test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);
const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX_BASE}dummy`) : true;

if (REQUIRED && unavailable !== undefined) {
  describe('timeline kernel test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

function timelines(): Scenario[] {
  const out: Scenario[] = [];
  for (const file of collectScenarioFiles(SCENARIO_DIRS)) {
    const r = loadScenarioFile(file);
    if (r.ok && r.scenario.timeline !== undefined) out.push(r.scenario);
  }
  // Cluster changes are done to the real namespaces as the components would (realize-cluster-step.ts).
  return out;
}

describe.skipIf(unavailable !== undefined)(`the kernel agrees with the emulator along each timeline${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  afterAll(() => {
    session.teardownSync();
    for (const n of netnsWithPrefix(PREFIX_BASE)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  const all = timelines();
  it('finds the shipped timelines', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  all.forEach((sc, i) => {
    const sleeps = (sc.timeline ?? []).reduce((ms, s) => ms + (s.kind === 'sleep' ? s.ms : 0), 0);
    // A Cluster change has its row too (the namespaces and synced rules each side has afterwards).
    const traces = (sc.timeline ?? []).filter((s) => s.kind === 'trace' || s.kind === 'cluster').length;
    it(sc.file, async () => {
      const prefix = `${PREFIX_BASE}${i}-`;
      const input = { file: sc.file, spec: sc.world, steps: sc.timeline ?? [], ...(sc.cluster !== undefined ? { cluster: sc.cluster } : {}) };
      const rows = await verifyTimeline(input, { prefix, session, hasDummy, seed: 1 });
      const drift = rows.filter((r) => r.status !== 'agree' && r.status !== 'not-probed' && isRealTimeDrift(sc.file, r));
      const bad = rows.filter((r) => r.status !== 'agree' && r.status !== 'not-probed' && !drift.includes(r));
      expect(bad.length === 0 ? '' : renderVerifyTable(rows)).toBe('');
      // Every trace has its row: compared, or not probed with the reason (a crafted TCP segment, for now).
      expect(rows.filter((r) => r.status === 'agree' || r.status === 'not-probed' || drift.includes(r)).length).toBe(traces);
      // Traces to a DNS name are not probed (dns-agreement.test.ts checks the lookup); the others must agree.
      const named = rows.filter((r) => r.status === 'not-probed' && /DNS name/.test(r.note ?? '')).length;
      expect(rows.filter((r) => r.status === 'agree').length).toBeGreaterThanOrEqual(Math.min(2, traces - named));
      expect(netnsWithPrefix(prefix), 'its namespaces are gone').toEqual([]);
    }, 60_000 + sleeps + traces * 15_000);
  });
});

describe.skipIf(unavailable !== undefined)(`the timeline oracle notices a difference${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('an emulator whose DNAT rule points at the other backend differs at the first trace, and on conntrack', async () => {
    const r = loadScenarioFile('scenarios/udp-dnat-conntrack-delete.yaml');
    if (!r.ok) throw new Error('must load');
    const emulatorSpec = structuredClone(r.scenario.world);
    const router = emulatorSpec.namespaces.find((n) => n.name === 'router');
    if (router?.iptables === undefined) throw new Error('router has rules');
    router.iptables = router.iptables.replace('--to-destination 10.0.2.2', '--to-destination 10.0.3.2');
    const prefix = `${PREFIX_BASE}f-`;
    const rows = await verifyTimeline(
      { file: r.scenario.file, spec: r.scenario.world, steps: r.scenario.timeline ?? [], emulatorSpec },
      { prefix, session, hasDummy, seed: 1 },
    );
    // The emulator's first DNAT goes to the new backend; its later `iptables -D` of the old rule fails there.
    expect(rows[0].status).toBe('DIFFER');
    expect(rows[0].fields).toContain('deliveredNetns');
    expect(rows.some((x) => x.fields.includes('command'))).toBe(true);
    expect(netnsWithPrefix(prefix)).toEqual([]);
  }, 60_000);
});
