// Kernel agreement for every shipped Cluster scenario: `net verify` builds its compiled Topology in real
// namespaces (the WorldSpec src/cluster compiled), runs each trace for real and compares. The ports the
// kernel draws at random (the outer VXLAN UDP source port, udp_flow_src_port() with a per-boot seed, and the
// port a `--random-fully` source NAT picks) are compared as `*` by the oracle itself (src/oracle/random-ports.ts)
// and named in the row's `wildcards`; everything else must agree, row by row. Needs root and the tools net
// verify needs; skipped with the reason otherwise.

import { isRealTimeDrift } from './real-time-drift.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { kernelUnavailable } from '../../src/oracle/environment.js';
import { collectScenarioFiles, loadScenarioFile } from '../../src/scenario/load.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwk${process.pid}xq`;
const CLI = 'dist/cli/main.js';
const unavailable = kernelUnavailable(`${PREFIX}probe`) ?? (existsSync(CLI) ? undefined : `no ${CLI} (npm run build)`);
// Cluster timelines are verified step by step: each change (kubectl scale/delete, ready, addNode) is done to
// the real namespaces as the components would (src/oracle/realize-cluster-step.ts) and has its row too.
// Traces whose destination is a DNS name are looked up by our resolver first (src/dns/named-trace.ts), which
// net verify does not model: their rows are `not-probed` with that reason (test/kernel/dns-agreement.test.ts
// checks DNS in the dataplane instead); every other row of those scenarios is compared as usual.
const files = collectScenarioFiles(['scenarios']).filter((f) => {
  const r = loadScenarioFile(f);
  return r.ok && r.scenario.kind === 'Cluster';
});
/** Rows a scenario must give: each trace, and each trace and Cluster change of its timeline. */
function expectedRows(file: string): number {
  const r = loadScenarioFile(file);
  if (!r.ok) return -1;
  return r.scenario.traces.length + (r.scenario.timeline ?? []).filter((s) => s.kind === 'trace' || s.kind === 'cluster').length;
}

interface Row {
  trace: string;
  status: string;
  note?: string;
  fields: string[];
  emulator: { observed?: { kind: string; deliveredNetns?: string; peerSeen?: string } };
  kernel: { observed?: { kind: string; deliveredNetns?: string; peerSeen?: string } };
  route: { agree: boolean };
  conntrack?: { emulator: string[]; kernel: string[] };
  vxlan?: { agree: boolean; problems: string[] };
  wildcards?: string[];
}

const addressOf = (peer: string | undefined): string | undefined => peer?.split(':')[0];

if (REQUIRED && unavailable !== undefined) {
  describe('Cluster kernel agreement (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`Cluster scenarios agree with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('ships Cluster scenarios, timelines among them', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(files.filter((f) => /cluster-timeline-/.test(f)).length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('%s', (file) => {
    const r = spawnSync(process.execPath, [CLI, 'verify', file, '--json', '--prefix', `${PREFIX}-`], { encoding: 'utf8', timeout: 280_000 });
    // 1: some row differs; the rows say how, checked below.
    expect([0, 1], r.stderr).toContain(r.status);
    let wildcards = 0;
    let drifted = 0;
    const rows = (JSON.parse(r.stdout) as { rows: Row[] }).rows;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.trace)).toHaveLength(expectedRows(file));
    for (const row of rows) {
      const what = `${file}: ${row.trace}`;
      if (row.status === 'not-probed') {
        // Only what net verify cannot do is left unprobed, and the row says why.
        expect(row.note, what).toMatch(/DNS name|TCP flags|SO_MARK|uid/);
        console.warn(`${what}: not probed: ${row.note}`);
        continue;
      }
      if (row.status !== 'agree' && isRealTimeDrift(file, row)) {
        drifted++;
        continue;
      }
      const e = row.emulator.observed;
      const k = row.kernel.observed;
      expect(k?.kind, what).toBe(e?.kind);
      expect(k?.deliveredNetns, what).toBe(e?.deliveredNetns);
      // ping reports no peer address; a listener does.
      if (k?.peerSeen !== undefined) expect(addressOf(k.peerSeen), what).toBe(addressOf(e?.peerSeen));
      expect(row.route.agree, what).toBe(true);
      if (row.vxlan !== undefined) expect(row.vxlan.problems, what).toEqual([]);
      if (row.conntrack !== undefined) expect(row.conntrack.kernel, what).toEqual(row.conntrack.emulator);
      expect(row.fields, what).toEqual([]);
      expect(['agree', 'not-probed'], what).toContain(row.status);
      wildcards += row.wildcards?.length ?? 0;
    }
    expect(r.status, r.stderr).toBe(drifted > 0 ? 1 : 0);
    // Whatever was compared as `*` is said in the row, with its reason.
    if (rows.some((row) => row.conntrack?.emulator.some((k) => k.includes('sport=*')))) expect(wildcards, file).toBeGreaterThan(0);
  }, 300_000);
});
