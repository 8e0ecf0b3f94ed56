// Kernel differential test of `net verify --rule-trace`: the kernel's per-rule trace (`nft -a monitor` in the
// realized namespaces, src/oracle/rule-trace.ts) must name the same rules, in the same order, as the emulator's
// netfilter hops for nat-router and bridge-hairpin (whose bridged frames reach the ip family's hooks through
// br_netfilter and show in the trace as `iif "br0"`); and an emulator given one extra rule must be caught at
// that rule. Needs root, the oracle's tools and nft; without them the suite is skipped with the reason, or
// fails when PACKETWALK_KERNEL=required.

import { afterAll, describe, expect, it } from 'vitest';

import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { VerifySession, verifyScenario } from '../../src/oracle/verify.js';
import type { VerifyInput, VerifyRow } from '../../src/oracle/verify.js';
import { renderVerifyTable } from '../../src/oracle/verify-report.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
/** `pwrt<pid>x`: this run's namespaces, and nothing else, are made and deleted. */
const PREFIX_BASE = `pwrt${process.pid}x`;

function unavailableHere(): string | undefined {
  const base = kernelUnavailable(`${PREFIX_BASE}probe`);
  if (base !== undefined) return base;
  const nft = runSync('nft', ['--version'], 5000);
  return nft.code === 0 ? undefined : `nft (nftables) is not installed${nft.missing ? '' : `: ${nft.err.trim()}`}`;
}

const unavailable = unavailableHere();
if (unavailable !== undefined) console.warn(`rule-trace kernel test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);
const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX_BASE}dummy`) : true;

if (REQUIRED && unavailable !== undefined) {
  describe('rule-trace kernel test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

function load(file: string): Scenario {
  const loaded = loadScenarioFile(file);
  if (!loaded.ok) throw new Error(`${file}: ${loaded.diagnostics.map((d) => d.message).join('; ')}`);
  return loaded.scenario;
}

const session = new VerifySession();
let run = 0;

async function verify(input: VerifyInput): Promise<VerifyRow[]> {
  const rows = await verifyScenario(input, { prefix: `${PREFIX_BASE}${run++}-`, session, hasDummy, seed: 1, concurrency: 2, ruleTrace: true });
  console.log(renderVerifyTable(rows));
  return rows;
}

const suiteName = `the kernel's rule trace agrees with the emulator's${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`;

describe.skipIf(unavailable !== undefined)(suiteName, () => {
  afterAll(() => {
    session.teardownSync();
    for (const n of netnsWithPrefix(PREFIX_BASE)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  for (const file of ['scenarios/nat-router.yaml', 'scenarios/bridge-hairpin.yaml']) {
    it(`${file}: every trace's rules agree`, async () => {
      const sc = load(file);
      const rows = await verify({ file, kernelSpec: sc.world, traces: sc.traces });
      for (const r of rows) {
        expect(r.rules, `${r.trace}: traced`).toBeDefined();
        const steps = Object.values(r.rules?.kernel ?? {}).flat();
        expect(steps.length, `${r.trace}: the kernel reported rule steps`).toBeGreaterThan(0);
        expect(r.rules?.parting, `${r.trace}: rules part`).toBeUndefined();
        expect(r.status, `${r.trace}: ${r.fields.join(', ')}`).toBe('agree');
      }
    }, 120_000);
  }

  it('an extra rule on the emulator side parts the rule trace at that rule', async () => {
    const file = 'scenarios/nat-router.yaml';
    const sc = load(file);
    const extra = '-A FORWARD -d 10.0.1.2/32 -p tcp -m tcp --dport 443 -j ACCEPT';
    const emulatorSpec = {
      ...sc.world,
      namespaces: sc.world.namespaces.map((n) => (n.name !== 'router' ? n : {
        ...n, iptables: n.iptables?.replace('-A FORWARD -p tcp -m tcp --dport 23', `${extra}\n-A FORWARD -p tcp -m tcp --dport 23`),
      })),
    };
    expect(emulatorSpec.namespaces.find((n) => n.name === 'router')?.iptables).toContain(extra);
    const traces = sc.traces.filter((t) => t.name === 'a port forward reaches the inside host');
    const [row] = await verify({ file, kernelSpec: sc.world, emulatorSpec, traces });
    expect(row.status).toBe('DIFFER');
    expect(row.fields).toEqual(['rules']);
    expect(row.rules?.parting).toEqual({
      netns: 'router', step: 2, emulator: `filter FORWARD: ${extra}`, kernel: 'filter FORWARD: policy ACCEPT',
    });
  }, 60_000);

  it('leaves no namespace behind (ip netns list)', () => {
    expect(netnsWithPrefix(PREFIX_BASE)).toEqual([]);
  });
});
