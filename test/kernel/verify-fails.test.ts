// The oracle can fail: the emulator is given an edited copy of a world (a route removed, a DROP rule added)
// while the kernel builds the original, and the verify library and `net verify` must report the difference,
// name the trace and the field. Needs what topology-agreement.test.ts needs; skipped (or failed, with
// PACKETWALK_KERNEL=required) without it.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';
import { kernelHasDummy, kernelUnavailable, netnsWithPrefix } from '../../src/oracle/environment.js';
import { VerifySession, verifyScenario } from '../../src/oracle/verify.js';
import { renderVerifyTable } from '../../src/oracle/verify-report.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwk${process.pid}xf`;
const CLI = 'dist/cli/main.js';
const unavailable = kernelUnavailable(`${PREFIX}probe`);
const hasDummy = unavailable === undefined ? kernelHasDummy(`${PREFIX}dummy`) : true;

function load(file: string): Scenario {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error(`${file} does not load`);
  return r.scenario;
}

/** A deep copy, so that the kernel's spec is left as the file says. */
function copy(spec: WorldSpec): WorldSpec {
  return structuredClone(spec);
}

function only(sc: Scenario, name: string): Scenario['traces'] {
  const t = sc.traces.filter((x) => x.name === name);
  if (t.length !== 1) throw new Error(`no trace "${name}" in ${sc.file}`);
  return t;
}

/** nat-router with one more rule for the emulator: the MASQUERADE trace's SYN is dropped in FORWARD. */
const DROP_RULE = '-A FORWARD -p tcp -m tcp --dport 80 -j DROP';

function withDropRule(text: string): string {
  return text.replace('-A FORWARD -p tcp -m tcp --dport 23', `${DROP_RULE}\n      -A FORWARD -p tcp -m tcp --dport 23`);
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

if (REQUIRED && unavailable !== undefined) {
  describe('the oracle can fail (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`the oracle can fail${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const session = new VerifySession();
  const dir = mkdtempSync(join(tmpdir(), 'packetwalk-verify-fails-'));
  afterAll(() => {
    session.teardownSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a route the emulator lacks: DIFFER on the outcome and on ip route get', async () => {
    const sc = load('scenarios/router-between-subnets.yaml');
    const emulatorSpec = copy(sc.world);
    const left = emulatorSpec.namespaces.find((n) => n.name === 'left');
    if (left === undefined) throw new Error('no namespace left');
    left.routes = left.routes.filter((r) => !r.text.startsWith('default'));
    const traces = only(sc, "left connects to right's web server");
    const rows = await verifyScenario(
      { file: sc.file, kernelSpec: sc.world, emulatorSpec, traces },
      { prefix: `${PREFIX}r-`, session, hasDummy },
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.trace).toBe("left connects to right's web server");
    expect(row.status).toBe('DIFFER');
    expect(row.fields).toEqual(['kind', 'route']);
    expect(row.emulator.disposition).toBe('NO_ROUTE');
    expect(row.kernel.observed?.kind).toBe('delivered');
    expect(renderVerifyTable(rows)).toMatch(/left connects to right's web server .*DIFFER \(kind, route\)/);
    expect(netnsWithPrefix(`${PREFIX}r-`)).toEqual([]);
  }, 60_000);

  it('a DROP rule only the emulator has: DIFFER on the outcome and on conntrack', async () => {
    const sc = load('scenarios/nat-router.yaml');
    const emulatorSpec = copy(sc.world);
    const router = emulatorSpec.namespaces.find((n) => n.name === 'router');
    if (router?.iptables === undefined) throw new Error('no iptables in router');
    router.iptables = router.iptables.replace('-A FORWARD -p tcp -m tcp --dport 23', `${DROP_RULE}\n-A FORWARD -p tcp -m tcp --dport 23`);
    const traces = only(sc, 'inside reaches outside through MASQUERADE');
    const [row] = await verifyScenario(
      { file: sc.file, kernelSpec: sc.world, emulatorSpec, traces },
      { prefix: `${PREFIX}d-`, session, hasDummy },
    );
    expect(row.trace).toBe('inside reaches outside through MASQUERADE');
    expect(row.status).toBe('DIFFER');
    expect(row.fields).toEqual(['kind', 'conntrack']);
    expect(row.emulator.disposition).toBe('DROPPED');
    expect(row.conntrack?.emulator).toEqual([]);
    expect(row.conntrack?.kernel).toEqual(['router tcp src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=80 | src=10.0.2.2 dst=10.0.2.1 sport=80 dport=40000']);
    expect(netnsWithPrefix(`${PREFIX}d-`)).toEqual([]);
  }, 60_000);

  it.skipIf(!existsSync(CLI))(`net verify exits 1 and names the trace and the field${existsSync(CLI) ? '' : ` (skipped: no ${CLI}; npm run build)`}`, async () => {
    const edited = join(dir, 'nat-router-drop.yaml');
    const original = readFileSync('scenarios/nat-router.yaml', 'utf8');
    writeFileSync(edited, withDropRule(original));
    expect(readFileSync(edited, 'utf8')).toContain(DROP_RULE);
    const r = await runCli(
      ['verify', 'scenarios/nat-router.yaml', '--name', 'inside reaches outside through MASQUERADE', '--prefix', `${PREFIX}c-`],
      { PACKETWALK_VERIFY_EMULATOR_SCENARIO: edited },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout, r.stderr).toMatch(/inside reaches outside through MASQUERADE .*DIFFER \(kind, conntrack\)/);
    expect(netnsWithPrefix(`${PREFIX}c-`)).toEqual([]);
    const json = await runCli(
      ['verify', 'scenarios/nat-router.yaml', '--name', 'inside reaches outside through MASQUERADE', '--prefix', `${PREFIX}j-`, '--json'],
      { PACKETWALK_VERIFY_EMULATOR_SCENARIO: edited },
    );
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { rows: { trace: string; status: string; fields: string[] }[] };
    expect(parsed.rows.map((x) => [x.trace, x.status, x.fields])).toEqual([['inside reaches outside through MASQUERADE', 'DIFFER', ['kind', 'conntrack']]]);
  }, 60_000);
});
