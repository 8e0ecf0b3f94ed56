// Kernel agreement on time: a failed ARP resolution ends when the device's neighbour parameters say, on the
// real kernel as in the emulator. Each NEIGH_FAILED trace of scenarios/arp-failure-timing.yaml (changed
// mcast_solicit, app_solicit, retrans_time) is built and probed for real through the verify library; the
// socket's own clock (client.mjs: connect() to EHOSTUNREACH) must agree with the emulator's failure time within
// 0.2 s. A real kernel is a little late (each probe timer may fire up to one timer-wheel granule late), never
// early. Needs what topology-agreement.test.ts needs; skipped (or failed, with PACKETWALK_KERNEL=required)
// without it.

import { afterAll, describe, expect, it } from 'vitest';

import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { VerifySession, verifyTrace } from '../../src/oracle/verify.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { runTrace } from '../../src/trace/run-trace.js';

const FILE = 'scenarios/arp-failure-timing.yaml';
const TOLERANCE_MS = 200;
const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwk${process.pid}xn`;
const unavailable = kernelUnavailable(`${PREFIX}probe`);
const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX}dummy`) : true;

if (REQUIRED && unavailable !== undefined) {
  describe('neighbour failure timing (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`neighbour failure timing agrees with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const session = new VerifySession();
  afterAll(() => {
    session.teardownSync();
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  const loaded = loadScenarioFile(FILE);
  if (!loaded.ok) throw new Error(`${FILE} does not load`);
  const scenario = loaded.scenario;
  const failing = scenario.traces.map((t, i) => ({ t, i })).filter(({ t }) => t.expect?.disposition === 'NEIGH_FAILED');

  it('has failing traces to time', () => {
    expect(failing.length).toBeGreaterThanOrEqual(2);
  });

  for (const { t, i } of failing) {
    it(`${t.name}: the kernel's EHOSTUNREACH comes within ${TOLERANCE_MS} ms of the emulator's failure`, async () => {
      const trace = runTrace(scenario.world, t, { seed: 1 });
      const emulatorMs = trace.hops.find((h) => h.stage === 'drop' && h.detail.includes('NEIGH_FAILED'))?.t;
      expect(emulatorMs).toBeGreaterThan(0);
      const row = await verifyTrace({ file: FILE, kernelSpec: scenario.world, traces: scenario.traces }, t, i, { prefix: PREFIX, session, hasDummy, seed: 1 });
      expect(row.status, `${row.emulator.outcome} vs ${row.kernel.outcome}`).toBe('agree');
      const m = /EHOSTUNREACH after (\d+) ms/.exec(row.kernel.detail);
      expect(m, row.kernel.detail).not.toBeNull();
      const kernelMs = Number(m![1]);
      console.log(`${t.name}: emulator ${emulatorMs} ms, kernel ${kernelMs} ms`);
      expect(Math.abs(kernelMs - emulatorMs!)).toBeLessThanOrEqual(TOLERANCE_MS);
    }, 60_000);
  }
});
