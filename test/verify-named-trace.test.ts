// net verify leaves a trace to a DNS name unprobed (the lookup is checked by test/kernel/dns-agreement.test.ts),
// but its emulator column is still the emulator's answer: the name looked up through the cluster's DNS, then
// the connection to the address found — not a packet to 0.0.0.0. No real namespace is made for such a row.
import { describe, expect, it } from 'vitest';
import { VerifySession, verifyTrace } from '../src/oracle/verify.js';
import { loadScenarioFile } from '../src/scenario/load.js';

describe('net verify: a trace to a DNS name', () => {
  it('is not probed, and its emulator column is the looked-up connection', async () => {
    const r = loadScenarioFile('scenarios/cluster-dns-headless.yaml');
    if (!r.ok) throw new Error('scenario did not load');
    const sc = r.scenario;
    const i = sc.traces.findIndex((t) => t.toName === 'db-0.db.prod');
    expect(i).toBeGreaterThanOrEqual(0);
    const input = { file: 'scenarios/cluster-dns-headless.yaml', kernelSpec: sc.world, traces: sc.traces, ...(sc.cluster !== undefined ? { cluster: sc.cluster } : {}) };
    const row = await verifyTrace(input, sc.traces[i], i, { prefix: 'pwvnt-', session: new VerifySession(), hasDummy: false });
    expect(row.status).toBe('not-probed');
    expect(row.note).toMatch(/DNS name db-0\.db\.prod/);
    expect(row.emulator.disposition).toBe('DELIVERED');
    expect(row.emulator.observed?.deliveredNetns).toBe('prod_db-0');
  });

  it('without the cluster, says the name cannot be resolved rather than tracing to 0.0.0.0', async () => {
    const r = loadScenarioFile('scenarios/cluster-dns-headless.yaml');
    if (!r.ok) throw new Error('scenario did not load');
    const sc = r.scenario;
    const i = sc.traces.findIndex((t) => t.toName === 'db-0.db.prod');
    const row = await verifyTrace({ file: 'x', kernelSpec: sc.world, traces: sc.traces }, sc.traces[i], i, { prefix: 'pwvnt-', session: new VerifySession(), hasDummy: false });
    expect(row.emulator.disposition).toBe('ERROR');
    expect(row.emulator.outcome).toMatch(/cannot resolve/);
  });
});
