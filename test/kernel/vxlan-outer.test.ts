// Kernel differential test of the VXLAN outer header: scenarios/vxlan-overlay.yaml is verified with a capture on
// each node's underlay (vxlan-capture.ts), and agrees on outer source, destination, UDP port and VNI; an emulator
// given another VNI (both nodes, so that its packet is still delivered) differs on `vxlan` and nothing else.
// Needs what topology-agreement.test.ts needs; skipped with the reason without it, or failed with
// PACKETWALK_KERNEL=required.

import { afterAll, describe, expect, it } from 'vitest';

import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';
import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { VerifySession, verifyScenario } from '../../src/oracle/verify.js';
import { renderVerifyJson, renderVerifyTable } from '../../src/oracle/verify-report.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwvx-${process.pid}x`;
const FILE = 'scenarios/vxlan-overlay.yaml';
const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`vxlan outer-header test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);
const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX}dummy`) : true;

function load(): Scenario {
  const r = loadScenarioFile(FILE);
  if (!r.ok) throw new Error(`${FILE} does not load`);
  return r.scenario;
}

/** A copy whose every vxlan device has VNI `id`. */
function withVni(spec: WorldSpec, id: number): WorldSpec {
  const out = structuredClone(spec);
  for (const n of out.namespaces) for (const l of n.links) if (l.vxlan !== undefined) l.vxlan.id = id;
  return out;
}

if (REQUIRED && unavailable !== undefined) {
  describe('vxlan outer header (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`vxlan outer header${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const session = new VerifySession();
  afterAll(() => {
    session.teardownSync();
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  it(`${FILE} agrees, the outer header included`, async () => {
    const sc = load();
    const rows = await verifyScenario({ file: sc.file, kernelSpec: sc.world, traces: sc.traces }, { prefix: `${PREFIX}a-`, session, hasDummy });
    console.log(renderVerifyTable(rows));
    for (const row of rows) {
      expect(row.status, `${row.trace}: ${row.fields.join(', ')} ${row.vxlan?.problems.join('; ') ?? ''}`).toBe('agree');
      expect(row.vxlan?.agree).toBe(true);
      expect(row.vxlan?.kernel).toMatchObject({ src: '192.168.56.11', dst: '192.168.56.12', dport: 8472, vni: 1, ttl: 64, df: false });
      expect(row.vxlan?.emulator).toMatchObject({ src: '192.168.56.11', dst: '192.168.56.12', dport: 8472, vni: 1 });
    }
    expect(renderVerifyTable(rows)).toMatch(/vni 1 192\.168\.56\.11 > 192\.168\.56\.12:8472/);
    expect(netnsWithPrefix(`${PREFIX}a-`)).toEqual([]);
  }, 90_000);

  it('an emulator with another VNI: DIFFER on vxlan, in the table and in --json', async () => {
    const sc = load();
    const traces = sc.traces.slice(0, 1);
    const rows = await verifyScenario(
      { file: sc.file, kernelSpec: sc.world, emulatorSpec: withVni(sc.world, 2), traces },
      { prefix: `${PREFIX}d-`, session, hasDummy },
    );
    const [row] = rows;
    expect(row.status).toBe('DIFFER');
    expect(row.fields).toEqual(['vxlan']);
    expect(row.vxlan?.problems).toEqual(['vni 2 vs 1']);
    const table = renderVerifyTable(rows);
    console.log(table);
    expect(table).toMatch(/pod-a reaches pod-b over the overlay .*differ: vni 2 vs 1 +DIFFER \(vxlan\)/);
    const json = JSON.parse(renderVerifyJson(rows)) as { rows: { fields: string[]; vxlan: { emulator: { vni: number }; kernel: { vni: number } } }[] };
    expect(json.rows[0].fields).toEqual(['vxlan']);
    expect([json.rows[0].vxlan.emulator.vni, json.rows[0].vxlan.kernel.vni]).toEqual([2, 1]);
    expect(netnsWithPrefix(`${PREFIX}d-`)).toEqual([]);
  }, 90_000);
});
