// Kernel differential test: every Topology scenario is built for real with `ip` in fresh network namespaces,
// once per trace, and for each trace the kernel's `ip route get` answer and the fate of a real packet are
// compared with the emulator's. Needs root and iproute2, iptables, tcpdump and ping; without them the suite is
// skipped with the reason, or fails when PACKETWALK_KERNEL=required.
//
// Safety: the namespaces built here have no link to the root namespace (every veth peer is inside the world),
// so no probe can reach an address outside them; nothing is run in the root namespace but `ip netns add/del`
// and `ip -n`; every process started is ended by its PID.

import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildWorld, routeGet } from '../../src/kernel/index.js';
import type { WorldSpec } from '../../src/kernel/netns/world-spec.js';
import { DEVCONF_DEFAULTS } from '../../src/kernel/netns/sysctls.js';
import { compareOutcomes, describeOutcome, emulatorOutcome } from '../../src/oracle/compare.js';
import type { ExpectedOutcome } from '../../src/oracle/compare.js';
import { Listeners, probeTrace, unsupportedReason } from '../../src/oracle/probe.js';
import type { KernelOutcome } from '../../src/oracle/probe.js';
import { realizeCommands, renderRealizeScript } from '../../src/oracle/realize.js';
import type { RealizeOptions } from '../../src/oracle/realize.js';
import { collectScenarioFiles, loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario, TraceSpec } from '../../src/scenario/model.js';
import { runTrace } from '../../src/trace/run-trace.js';
import { formatIpv4 } from '../../src/wire/ipv4-addr.js';

const SCENARIO_DIRS = ['scenarios', 'test/kernel/fixtures'];
const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
/** Optional: write every row as JSON here. */
const REPORT = process.env.PACKETWALK_KERNEL_REPORT;
const PREFIX_BASE = `pwk${process.pid}x`;
const SEED = 1;
/**
 * Traces of one scenario run side by side, each in its own namespaces: most of a trace's time is a bounded wait
 * (a timeout, a neighbour failing after 3 s), not work.
 */
const CONCURRENCY = Number(process.env.PACKETWALK_KERNEL_CONCURRENCY ?? Math.min(2, availableParallelism()));

/**
 * Pinned in every namespace before its devices exist: the emulator's device defaults, which a new namespace
 * would otherwise copy from the root namespace (net.core.devconf_inherit_init_net=0, see kernel-notes.md).
 * `forwarding` is left to ip_forward.
 */
const BASELINE: RealizeOptions['baselineSysctls'] = Object.fromEntries(
  Object.entries(DEVCONF_DEFAULTS)
    .filter(([k]) => k !== 'forwarding')
    .flatMap(([k, v]) => [[`net.ipv4.conf.all.${k}`, v], [`net.ipv4.conf.default.${k}`, v]]),
);

interface Row {
  scenario: string;
  /** Order of the trace in the whole run, for the table. */
  order: number;
  trace: string;
  routeAgree: boolean;
  emulatorRoute: string;
  kernelRoute: string;
  agree: boolean | null;
  field?: string;
  emulator: string;
  kernel: string;
  emulatorDetail?: string;
  kernelDetail?: string;
  ms: number;
}

const rows: Row[] = [];
/** Wall time per scenario, from its first trace's start to its last trace's end. */
const scenarioMs = new Map<string, number>();
let realizations = 0;

// ---------------------------------------------------------------------------------------------------------
// Environment

function run(cmd: string, args: string[], timeout = 30_000): { code: number | null; out: string; err: string; missing: boolean } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', missing: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' };
}

/** The same, without blocking the event loop while other traces' probes are in flight. */
function runAsync(cmd: string, args: string[], timeout = 30_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, out: stdout, err: stderr });
    });
  });
}

/** Why the kernel cannot be tested here, or undefined when it can. */
function kernelUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN';
  const tools: [string, string[]][] = [
    ['ip', ['-V']], ['bridge', ['-V']], ['iptables-restore', ['--version']], ['sysctl', ['-V']], ['tcpdump', ['--version']],
    ['ping', ['-V']],
  ];
  const missing = tools.filter(([t, a]) => run(t, a, 5000).missing).map(([t]) => t);
  if (missing.length > 0) return `missing tools: ${missing.join(', ')}`;
  const probe = `${PREFIX_BASE}probe`;
  const r = run('ip', ['netns', 'add', probe], 5000);
  if (r.code !== 0) return `cannot create a network namespace: ${r.err.trim()}`;
  run('ip', ['netns', 'del', probe], 5000);
  return undefined;
}

/** Whether this kernel has the dummy driver; without it dummies are realized as NOARP veths (realize.ts). */
function kernelHasDummy(): boolean {
  const probe = `${PREFIX_BASE}dummy`;
  if (run('ip', ['netns', 'add', probe], 5000).code !== 0) return true;
  const ok = run('ip', ['-n', probe, 'link', 'add', 'd0', 'type', 'dummy'], 5000).code === 0;
  run('ip', ['netns', 'del', probe], 5000);
  return ok;
}

function netnsNames(): string[] {
  return run('ip', ['netns', 'list'], 5000).out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n !== '');
}

function ourNamespaces(): string[] {
  return netnsNames().filter((n) => n.startsWith(PREFIX_BASE));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Namespaces an earlier run of this suite left when it was killed: named by a PID that is gone, with no process
 * inside. Ones that still hold a process are left alone and named, so that whoever owns it can look.
 */
function removeStaleNamespaces(): void {
  const stale = netnsNames().filter((n) => {
    const m = /^pwk(\d+)x/.exec(n);
    return m !== null && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]));
  });
  const busy = stale.filter((n) => run('ip', ['netns', 'pids', n], 5000).out.trim() !== '');
  for (const n of stale.filter((x) => !busy.includes(x))) run('ip', ['netns', 'del', n], 5000);
  if (stale.length > 0) {
    console.warn(`kernel differential test: removed ${stale.length - busy.length} namespaces of dead runs`
      + (busy.length > 0 ? `; kept ${busy.join(', ')}: processes still inside (ip netns pids)` : ''));
  }
}

/** Every veth peer is inside the world: nothing built here touches the root namespace. */
function assertIsolated(spec: WorldSpec): void {
  const names = new Set(spec.namespaces.map((n) => n.name));
  for (const n of spec.namespaces) {
    for (const l of n.links) {
      if (l.peer !== undefined && !names.has(l.peer.netns)) throw new Error(`${n.name}/${l.name}: peer ${l.peer.netns} is outside the world`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// One trace

async function kernelRouteGet(prefix: string, trace: TraceSpec): Promise<string> {
  const args = ['-n', `${prefix}${trace.from}`, 'route', 'get', formatIpv4(trace.dst)];
  if (trace.src !== undefined) args.push('from', formatIpv4(trace.src));
  if (trace.mark !== undefined) args.push('mark', String(trace.mark));
  const r = await runAsync('ip', args, 5000);
  return normalize(r.code === 0 ? r.out : r.err);
}

function emulatorRouteGet(spec: WorldSpec, trace: TraceSpec): string {
  try {
    const opts: { from?: number; mark?: number } = {};
    if (trace.src !== undefined) opts.from = trace.src;
    if (trace.mark !== undefined) opts.mark = trace.mark;
    const r = routeGet(buildWorld(spec), trace.from, trace.dst, opts);
    return normalize(r.ok ? r.text : r.error);
  } catch (e) {
    return `emulator threw: ${String(e)}`;
  }
}

/** Only whitespace is normalized: runs of blanks and newlines become one space. */
function normalize(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function emulatorSide(spec: WorldSpec, trace: TraceSpec): ExpectedOutcome | string {
  try {
    const t = runTrace(buildWorld(spec), trace, { seed: SEED });
    return emulatorOutcome(t, { from: trace.from, spec });
  } catch (e) {
    return `emulator threw: ${e instanceof Error ? e.message : String(e)}`;
  }
}

function realizeOptions(): RealizeOptions {
  return { baselineSysctls: BASELINE, dummyAsVeth: !hasDummy };
}

async function realizeUp(spec: WorldSpec, prefix: string): Promise<void> {
  const script = renderRealizeScript(spec, prefix, realizeOptions());
  const r = await runAsync('bash', ['-c', script, 'realize', 'up'], 60_000);
  if (r.code !== 0) throw new Error(`realize failed (exit ${r.code}): ${r.err.trim()}`);
}

async function realizeDown(spec: WorldSpec, prefix: string): Promise<void> {
  const down = realizeCommands(spec, prefix, realizeOptions()).down.map((c) => `${c} 2>/dev/null || true`);
  await runAsync('bash', ['-c', down.join('\n')], 30_000);
}

/** At most CONCURRENCY worlds exist at once. */
const slots = { free: CONCURRENCY, waiting: [] as (() => void)[] };

async function withSlot<T>(f: () => Promise<T>): Promise<T> {
  if (slots.free > 0) slots.free--;
  else await new Promise<void>((resolve) => slots.waiting.push(resolve));
  try {
    return await f();
  } finally {
    const next = slots.waiting.shift();
    if (next !== undefined) next();
    else slots.free++;
  }
}

async function checkTrace(scenario: Scenario, trace: TraceSpec, order: number): Promise<Row> {
  return withSlot(() => checkTraceNow(scenario, trace, order));
}

async function checkTraceNow(scenario: Scenario, trace: TraceSpec, order: number): Promise<Row> {
  const t0 = performance.now();
  const spec = scenario.world;
  assertIsolated(spec);
  const prefix = `${PREFIX_BASE}${realizations++}-`;
  const emulatorRoute = emulatorRouteGet(spec, trace);
  const emu = emulatorSide(spec, trace);
  let kernelRoute = '';
  let kernel: KernelOutcome | string;
  let listeners: Listeners | undefined;
  try {
    await realizeUp(spec, prefix);
    listeners = await Listeners.start(spec, prefix);
    kernelRoute = await kernelRouteGet(prefix, trace);
    const unsupported = unsupportedReason(trace);
    kernel = unsupported !== undefined ? `not probed: ${unsupported}` : await probeTrace({ spec, prefix, listeners }, trace);
  } finally {
    await listeners?.stop();
    await realizeDown(spec, prefix);
  }
  const row: Row = {
    scenario: spec.name, order, trace: trace.name, routeAgree: emulatorRoute === kernelRoute, emulatorRoute, kernelRoute,
    agree: null, emulator: typeof emu === 'string' ? emu : describeOutcome(emu),
    kernel: typeof kernel === 'string' ? kernel : describeOutcome(kernel), ms: Math.round(performance.now() - t0),
  };
  if (typeof emu !== 'string') row.emulatorDetail = emu.detail;
  if (typeof kernel !== 'string') row.kernelDetail = kernel.detail;
  if (typeof emu === 'string') row.agree = false;
  if (typeof emu !== 'string' && typeof kernel !== 'string') {
    const c = compareOutcomes(emu, kernel);
    row.agree = c.agree;
    if (c.field !== undefined) row.field = c.field;
  }
  return row;
}

// ---------------------------------------------------------------------------------------------------------
// Report

function printTable(): void {
  if (rows.length === 0) return;
  const cols: [string, (r: Row) => string][] = [
    ['scenario', (r) => r.scenario],
    ['trace', (r) => r.trace],
    ['route', (r) => (r.routeAgree ? 'same' : 'DIFFER')],
    ['emulator', (r) => r.emulator],
    ['kernel', (r) => r.kernel],
    ['agree', (r) => (r.agree === null ? 'n/a' : r.agree ? 'yes' : `NO (${r.field ?? 'emulator'})`)],
    ['ms', (r) => String(r.ms)],
  ];
  const widths = cols.map(([h, f]) => Math.min(60, Math.max(h.length, ...rows.map((r) => f(r).length))));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  const sorted = [...rows].sort((a, b) => a.order - b.order);
  const out = [line(cols.map(([h]) => h)), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of sorted) out.push(line(cols.map(([, f]) => f(r))));
  for (const r of sorted.filter((x) => !x.routeAgree)) {
    out.push('', `route get differs for ${r.scenario} / ${r.trace}:`, `  emulator: ${r.emulatorRoute}`, `  kernel:   ${r.kernelRoute}`);
  }
  out.push('', `time per scenario (every trace realized, probed and torn down; ${CONCURRENCY} at a time):`);
  for (const [s, ms] of scenarioMs) {
    const mine = rows.filter((r) => r.scenario === s);
    const sum = mine.reduce((a, r) => a + r.ms, 0);
    out.push(`  ${s}: ${(ms / 1000).toFixed(1)} s wall, ${(sum / 1000).toFixed(1)} s summed over ${mine.length} traces`);
  }
  console.log(out.join('\n'));
  if (REPORT !== undefined) writeFileSync(REPORT, `${JSON.stringify({ rows: sorted, scenarioMs: Object.fromEntries(scenarioMs) }, null, 2)}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// The suite

const unavailable = kernelUnavailable();
if (unavailable !== undefined) {
  console.warn(`kernel differential test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);
}
const hasDummy = unavailable === undefined ? kernelHasDummy() : true;
if (!hasDummy) console.warn('kernel differential test: no dummy driver in this kernel; dummies are realized as NOARP veths');

if (REQUIRED && unavailable !== undefined) {
  describe('kernel differential test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

const suiteName = `kernel agrees with the emulator${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`;
let order = 0;

describe.skipIf(unavailable !== undefined)(suiteName, () => {
  beforeAll(() => {
    removeStaleNamespaces();
  });
  afterAll(() => {
    printTable();
    // A safety net: whatever a failed test left behind, by our prefix only.
    for (const n of ourNamespaces()) run('ip', ['netns', 'del', n], 10_000);
  });

  for (const file of collectScenarioFiles(SCENARIO_DIRS)) {
    const loaded = loadScenarioFile(file);
    if (!loaded.ok) {
      const isCluster = /^kind:\s*Cluster\b/m.test(readFileSync(file, 'utf8'));
      if (isCluster) continue;
      it(`${file} loads`, () => {
        expect.fail(loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
      });
      continue;
    }
    const scenario = loaded.scenario;
    if (scenario.kind !== 'Topology') continue;
    // The describe itself is not concurrent, so scenarios run one after another and their times stay apart.
    describe(file, () => {
      let t0 = 0;
      beforeAll(() => {
        t0 = performance.now();
      });
      afterAll(() => {
        scenarioMs.set(scenario.world.name, Math.round(performance.now() - t0));
      });
      // A test's clock runs while it waits for a slot, so the bound grows with the traces queued before it.
      const timeout = 30_000 + Math.ceil(scenario.traces.length / CONCURRENCY) * 15_000;
      for (const trace of scenario.traces) {
        const n = order++;
        it.concurrent(trace.name, async ({ expect: check }) => {
          const row = await checkTrace(scenario, trace, n);
          rows.push(row);
          check.soft(row.kernelRoute, 'ip route get: emulator and kernel differ').toBe(row.emulatorRoute);
          check.soft(row.agree, `outcome: emulator "${row.emulator}" vs kernel "${row.kernel}"`).not.toBe(false);
        }, timeout);
      }
    });
  }

  it('leaves no namespace behind', () => {
    expect(ourNamespaces()).toEqual([]);
  });
});
