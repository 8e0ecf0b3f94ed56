// `net verify` as a library: each trace of a scenario is run twice, once by the emulator and once for real in a
// fresh copy of the world built in network namespaces (realize.ts), probed by a real socket (probe.ts), and the
// two outcomes are compared field by field: what the socket observed, `ip route get`, and, where the world has
// iptables rules, the connections `conntrack -L` lists afterwards; with `ruleTrace`, also the rules the first
// packet matched, as `nft monitor trace` reports them (rule-trace.ts); where the world has vxlan devices, the
// first outer header a capture on the underlay saw (vxlan-capture.ts).
//
// Safety: every namespace is named `${prefix}${trace index}-${name}` and torn down after its trace, also when
// the trace fails; the session remembers what exists at any moment, so a signal handler can end the run's
// processes by PID and delete its namespaces. Nothing is run in the root namespace but `ip netns add/del/list`
// and `ip -n`; worlds with a veth peer outside themselves are refused.

import { performance } from 'node:perf_hooks';

import { buildWorld, routeGet, staticEnv } from '../kernel/index.js';
import type { World } from '../kernel/index.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { CompiledCluster } from '../cluster/compile.js';
import type { TraceSpec } from '../scenario/model.js';
import { runScenarioTrace } from '../scenario/run-scenario-trace.js';
import type { Trace } from '../trace/model.js';
import { runTrace } from '../trace/run-trace.js';
import { exploreTraceBranches, withBranches } from '../trace/branches.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { compareOutcomes, describeOutcome, emulatorOutcome } from './compare.js';
import type { ExpectedOutcome } from './compare.js';
import { compareConntrack, emulatorConntrackKeys, hasVxlanWildcard, kernelConntrackKeysOf } from './conntrack-compare.js';
import type { ConntrackKey, RandomPorts } from './conntrack-compare.js';
import { isolationProblem, oracleRealizeOptions, runAsync, runSync } from './environment.js';
import { DEFAULT_TIMEOUTS, Listeners, probeTrace, runInNetns, unsupportedReason } from './probe.js';
import type { KernelOutcome, LivePids, ProbeTimeouts } from './probe.js';
import { RANDOM_FULLY_REASON, VXLAN_SPORT_REASON, randomFullyNats, vxlanFlowSources } from './random-ports.js';
import { realizeCommands, renderRealizeScript } from './realize.js';
import { RuleTraceCapture, alignRuleSteps, emulatorRuleSteps, kernelRuleSteps } from './rule-trace.js';
import type { KernelRuleCapture, RuleTraceResult } from './rule-trace.js';
import { VxlanCapture, compareVxlanOuter, describeVxlan, emulatorVxlanOuter, probeDirection, vxlanUnderlays } from './vxlan-capture.js';
import type { VxlanOuter } from './vxlan-capture.js';

/** What one comparison found: every field that differs, `kind` first. */
export type VerifyStatus = 'agree' | 'DIFFER' | 'known' | 'not-probed' | 'error';

export interface VerifyRow {
  file: string;
  scenario: string;
  trace: string;
  /** The trace's index in its scenario; its world's namespaces are `${prefix}${index}-NAME`. */
  index: number;
  /** The prefix of this trace's namespaces. */
  prefix: string;
  emulator: {
    disposition: string;
    reason: string | null;
    /** What a socket would observe, one line (describeOutcome). */
    outcome: string;
    detail: string;
    observed?: ExpectedOutcome;
    /** Distinct outcomes of random choices (`trace.branches`); 0 when nothing is random. */
    branches: number;
  };
  kernel: {
    outcome: string;
    detail: string;
    /** Listener namespace, peer address, refused, timeout, ICMP error: as the probe saw them. */
    observed?: KernelOutcome;
  };
  route: { emulator: string; kernel: string; agree: boolean };
  /** Only for worlds with iptables rules: the namespaces listed, and each side's entries. */
  conntrack?: { netns: string[]; emulator: ConntrackKey[]; kernel: ConntrackKey[]; agree: boolean; listing: Record<string, string> };
  /** With `ruleTrace`: the first packet's rule steps on each side (rule-trace.ts), and where they part. */
  rules?: RuleTraceResult;
  /** Only for worlds with vxlan devices: each side's first outer header of the probe's direction (null: none). */
  vxlan?: { emulator: VxlanOuter | null; kernel: VxlanOuter | null; agree: boolean; problems: string[]; note: string };
  status: VerifyStatus;
  /** The fields that differ: `kind`, `deliveredNetns`, `peerSeen`, `icmp.type`, ..., `route`, `conntrack`, `vxlan`. */
  fields: string[];
  /** Why this trace is a known difference (test/kernel/known-differences.json), or why it was not probed. */
  note?: string;
  /** Ports compared as `*` because the kernel draws them at random, each with its reason (random-ports.ts). */
  wildcards?: string[];
  ms: number;
}

export interface VerifyInput {
  file: string;
  /** The world built in real namespaces. */
  kernelSpec: WorldSpec;
  /**
   * The world the emulator runs; the kernel's when omitted. A test hook: verify-fails.test.ts gives the
   * emulator an edited copy to prove that the oracle notices.
   */
  emulatorSpec?: WorldSpec;
  traces: TraceSpec[];
  /** The emulator's World, built once from the emulator's spec; verifyScenario builds it when omitted. */
  emulatorWorld?: World;
  /** Each trace's index in its scenario, when `traces` is a selection of them; names its namespaces. */
  indices?: number[];
  /** kind Cluster: the compiled cluster, whose DNS the emulator's traces to a name resolve through. */
  cluster?: CompiledCluster;
}

export interface VerifyOptions {
  /** The run's own prefix; nothing outside it is created or deleted. */
  prefix: string;
  session: VerifySession;
  /** Whether the kernel has the dummy driver (environment.ts kernelHasDummy). */
  hasDummy: boolean;
  seed?: number;
  /** Worlds built at once; most of a trace's time is a bounded wait, not work. */
  concurrency?: number;
  /** Leave each trace's namespaces up (listeners stopped) instead of tearing them down. */
  keep?: boolean;
  timeouts?: ProbeTimeouts;
  /** Trace every rule in the kernel (`nft monitor trace`) and compare with the emulator's rule hops. */
  ruleTrace?: boolean;
  /** Called as each row is done, in completion order. */
  onRow?: (row: VerifyRow) => void;
}

/**
 * What one run has made and not yet removed: the PIDs of its processes and the down commands of its worlds.
 * One per run, owned by its caller (no module state); `teardownSync` is what a signal handler calls.
 */
export class VerifySession {
  readonly live: LivePids = new Set();
  readonly #worlds = new Map<string, string[]>();
  readonly #kept = new Map<string, string[]>();

  /** Remembered before the first `ip netns add`, so that a half-built world is torn down too. */
  built(prefix: string, down: string[]): void {
    this.#worlds.set(prefix, down);
  }

  removed(prefix: string): void {
    this.#worlds.delete(prefix);
  }

  keep(prefix: string): void {
    const down = this.#worlds.get(prefix);
    if (down !== undefined) this.#kept.set(prefix, down);
    this.#worlds.delete(prefix);
  }

  /** Worlds left up by `keep`, with the commands that remove each. */
  get kept(): ReadonlyMap<string, string[]> {
    return this.#kept;
  }

  /** Ends every live process by PID (SIGTERM, then SIGKILL), then deletes every world not kept. */
  teardownSync(): void {
    for (const pid of this.live) signal(pid, 'SIGTERM');
    const deadline = performance.now() + 1000;
    while ([...this.live].some(alive) && performance.now() < deadline) runSync('sleep', ['0.05'], 1000);
    for (const pid of this.live) if (alive(pid)) signal(pid, 'SIGKILL');
    for (const down of this.#worlds.values()) runSync('bash', ['-c', downScript(down)], 30_000);
    this.#worlds.clear();
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export function downScript(down: string[]): string {
  return down.map((c) => `${c} 2>/dev/null || true`).join('\n');
}

/** Verifies every trace of `input`, at most `concurrency` worlds at a time; rows come back in trace order. */
export async function verifyScenario(input: VerifyInput, opts: VerifyOptions): Promise<VerifyRow[]> {
  const isolation = isolationProblem(input.kernelSpec);
  if (isolation !== undefined) throw new Error(`refusing to realize ${input.file}: ${isolation}`);
  const world = input.emulatorWorld ?? emulatorWorldOf(input.emulatorSpec ?? input.kernelSpec);
  if (world !== undefined) input = { ...input, emulatorWorld: world };
  const rows: VerifyRow[] = new Array<VerifyRow>(input.traces.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < input.traces.length) {
      const i = next++;
      const row = await verifyTrace(input, input.traces[i], input.indices?.[i] ?? i, opts);
      rows[i] = row;
      opts.onRow?.(row);
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 1, input.traces.length));
  await Promise.all(Array.from({ length: n }, worker));
  return rows;
}

/** One trace: the emulator's answer, then a fresh real world for it, probed, listed and torn down. */
export async function verifyTrace(input: VerifyInput, trace: TraceSpec, index: number, opts: VerifyOptions): Promise<VerifyRow> {
  const t0 = performance.now();
  const kspec = input.kernelSpec;
  const espec = input.emulatorSpec ?? kspec;
  const prefix = `${opts.prefix}${index}-`;
  const eworld = input.emulatorWorld ?? emulatorWorldOf(espec);
  const emu = eworld === undefined ? 'emulator threw: the World did not build' : emulatorSide(eworld, espec, trace, opts.seed ?? 1, input.cluster);
  const emulatorRoutes = eworld === undefined ? ['emulator threw: the World did not build'] : emulatorRouteGets(espec, trace);
  const emulatorRoute = emulatorRoutes[0];
  const ctNetns = iptablesNamespaces(kspec, espec);
  const row: VerifyRow = {
    file: input.file, scenario: kspec.name, trace: trace.name, index, prefix,
    emulator: typeof emu === 'string'
      ? { disposition: 'ERROR', reason: null, outcome: emu, detail: emu, branches: 0 }
      : {
        disposition: emu.trace.disposition, reason: emu.trace.reason, outcome: describeOutcome(emu.observed),
        detail: emu.observed.detail, observed: emu.observed, branches: emu.trace.branches.length,
      },
    kernel: { outcome: '', detail: '' },
    route: { emulator: emulatorRoute, kernel: '', agree: false },
    status: 'agree', fields: [], ms: 0,
  };

  const unsupported = unsupportedReason(trace);
  if (trace.toName !== undefined && unsupported !== undefined) {
    // Nothing of it is realized: its destination (0.0.0.0 until the lookup answers) means nothing to the kernel.
    row.status = 'not-probed';
    row.note = unsupported;
    row.route = { emulator: '(not compared)', kernel: '(not compared)', agree: true };
    row.kernel.outcome = `not probed: ${unsupported}`;
    row.ms = Math.round(performance.now() - t0);
    return row;
  }
  try {
    const kernel = await kernelSide(kspec, trace, prefix, ctNetns, unsupported === undefined, opts);
    row.route.kernel = kernel.route;
    row.route.agree = emulatorRoutes.includes(kernel.route);
    if (kernel.outcome !== undefined) {
      row.kernel = { outcome: describeOutcome(kernel.outcome), detail: kernel.outcome.detail, observed: kernel.outcome };
    }
    if (ctNetns.length > 0) {
      // When the kernel took another random branch, compare its connections with the emulator's run of that branch.
      const emuCt = typeof emu === 'string' ? [] : branchRunFor(eworld ?? espec, trace, emu.trace, kernel.outcome, opts.seed ?? 1).conntrack;
      const random = randomPortsOf(kspec, typeof emu === 'string' ? undefined : emu.trace);
      const emuKeys = emulatorConntrackKeys(emuCt, new Set(ctNetns), random);
      const kernelKeys = kernelConntrackKeysOf(Object.fromEntries(ctNetns.map((n) => [n, kernel.conntrack[n] ?? ''])), random);
      const c = compareConntrack(emuKeys, kernelKeys);
      row.conntrack = { netns: ctNetns, emulator: emuKeys, kernel: kernelKeys, agree: c.agree, listing: kernel.conntrack };
    }
    if (kernel.rules !== undefined) {
      const emuSteps = emulatorRuleSteps(typeof emu === 'string' ? [] : emu.trace.hops, ctNetns);
      const kernelSteps = Object.fromEntries(ctNetns.map((n) => [n, kernelRuleSteps(kernel.rules?.[n] ?? EMPTY_CAPTURE, trace)]));
      row.rules = alignRuleSteps(emuSteps, kernelSteps, typeof emu !== 'string' && emu.trace.branches.length > 0);
    }
    if (kernel.vxlan !== undefined) {
      const e = typeof emu === 'string' ? undefined : emulatorVxlanOuter(emu.trace.hops);
      const k = probeDirection(kernel.vxlan, kspec, trace);
      const c = compareVxlanOuter(e, k);
      row.vxlan = { emulator: e ?? null, kernel: k ?? null, agree: c.agree, problems: c.problems, note: describeVxlan(e, k, c) };
    }
  } catch (e) {
    row.status = 'error';
    row.fields = ['oracle'];
    row.kernel = { outcome: `oracle error: ${e instanceof Error ? e.message : String(e)}`, detail: '' };
    row.ms = Math.round(performance.now() - t0);
    return row;
  }

  if (typeof emu === 'string') row.fields.push('emulator');
  else if (row.kernel.observed !== undefined) {
    const c = compareOutcomes(emu.observed, row.kernel.observed);
    if (!c.agree && !onABranch(emu.trace, row.kernel.observed)) row.fields.push(c.field ?? 'kind');
  }
  if (!row.route.agree) row.fields.push('route');
  if (row.conntrack !== undefined && !row.conntrack.agree) row.fields.push('conntrack');
  const wildcards = randomPortNotes(row.emulator.observed, row.conntrack?.emulator, randomPortsOf(kspec, typeof emu === 'string' ? undefined : emu.trace));
  if (wildcards.length > 0) row.wildcards = wildcards;
  if (row.rules !== undefined && !row.rules.agree) row.fields.push('rules');
  if (row.vxlan !== undefined && !row.vxlan.agree) row.fields.push('vxlan');
  if (unsupported !== undefined && row.fields.length === 0) {
    row.status = 'not-probed';
    row.note = unsupported;
    row.kernel.outcome = `not probed: ${unsupported}`;
  } else row.status = row.fields.length === 0 ? 'agree' : 'DIFFER';
  row.ms = Math.round(performance.now() - t0);
  return row;
}

/** The ports compared as `*` for one trace: its world's VXLAN flows, the namespaces of its --random-fully NATs. */
export function randomPortsOf(spec: WorldSpec, trace: Trace | undefined): RandomPorts {
  return { vxlan: vxlanFlowSources(spec), randomNat: new Set(trace === undefined ? [] : randomFullyNats(trace)) };
}

/** What the report says of the ports compared as `*` (random-ports.ts). */
export function randomPortNotes(observed: ExpectedOutcome | undefined, conntrack: readonly ConntrackKey[] | undefined, random: RandomPorts): string[] {
  const out: string[] = [];
  const nats = [...(random.randomNat ?? [])];
  if (observed?.peerPortRandom !== undefined || (nats.length > 0 && conntrack?.some((k) => k.includes('=*')) === true)) {
    out.push(`the port --random-fully picked (NAT in ${nats.join(', ') || observed?.peerPortRandom}) *: ${RANDOM_FULLY_REASON}`);
  }
  if (conntrack !== undefined && hasVxlanWildcard(conntrack, random.vxlan ?? [])) out.push(`conntrack sport * of the VXLAN outer flows: ${VXLAN_SPORT_REASON}`);
  return out;
}

interface KernelSide {
  route: string;
  outcome?: KernelOutcome;
  /** `conntrack -L` stdout per namespace (spec names). */
  conntrack: Record<string, string>;
  /** With `ruleTrace`: what `nft monitor trace` printed, per namespace with iptables rules. */
  rules?: Record<string, KernelRuleCapture>;
  /** Worlds with vxlan devices, probed: every VXLAN packet the underlay captures saw. */
  vxlan?: VxlanOuter[];
}

const EMPTY_CAPTURE: KernelRuleCapture = { lines: [], nftListing: '', iptablesSave: '' };

async function kernelSide(
  spec: WorldSpec, trace: TraceSpec, prefix: string, ctNetns: string[], probe: boolean, opts: VerifyOptions,
): Promise<KernelSide> {
  const realize = oracleRealizeOptions(opts.hasDummy);
  const { down } = realizeCommands(spec, prefix, realize);
  opts.session.built(prefix, down);
  let listeners: Listeners | undefined;
  let ruleTrace: RuleTraceCapture | undefined;
  let vxlan: VxlanCapture | undefined;
  try {
    // The printed script starts the world's listeners too; the verify library opens its own (Listeners).
    const up = await runAsync('bash', ['-c', renderRealizeScript(withoutListeners(spec), prefix, realize), 'realize', 'up'], 60_000);
    if (up.code !== 0) throw new Error(`realize failed (exit ${up.code}): ${up.err.trim()}`);
    const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
    listeners = await Listeners.start(spec, prefix, timeouts, opts.session.live);
    const route = await kernelRouteGet(prefix, trace);
    if (opts.ruleTrace === true && ctNetns.length > 0) ruleTrace = await RuleTraceCapture.start(prefix, ctNetns, opts.session.live);
    if (probe && vxlanUnderlays(spec).length > 0) {
      const seconds = Math.ceil(Math.max(timeouts.tcpMs, timeouts.udpMs, timeouts.pingWaitS * 1000) / 1000) + 15;
      vxlan = await VxlanCapture.start(spec, prefix, seconds, timeouts.readyMs, opts.session.live);
    }
    const outcome = probe ? await probeTrace({ spec, prefix, listeners, timeouts, live: opts.session.live }, trace) : undefined;
    const conntrack: Record<string, string> = {};
    for (const n of ctNetns) {
      const r = await runInNetns(`${prefix}${n}`, 'conntrack', ['-L', '-f', 'ipv4'], 5000, opts.session.live);
      if (r.code !== 0) throw new Error(`conntrack -L in ${prefix}${n} failed: ${r.out.trim()}`);
      conntrack[n] = r.stdout;
    }
    const side: KernelSide = { route, conntrack };
    if (outcome !== undefined) side.outcome = outcome;
    if (ruleTrace !== undefined) side.rules = await ruleTrace.finish(opts.session.live);
    if (vxlan !== undefined) side.vxlan = await vxlan.finish(500);
    return side;
  } finally {
    await vxlan?.stop();
    await ruleTrace?.stop();
    await listeners?.stop();
    if (opts.keep === true) opts.session.keep(prefix);
    else {
      await runAsync('bash', ['-c', downScript(down)], 30_000);
      opts.session.removed(prefix);
    }
  }
}

export function withoutListeners(spec: WorldSpec): WorldSpec {
  return { ...spec, namespaces: spec.namespaces.map((n) => ({ ...n, listen: [] })) };
}

/**
 * The emulator's trace for the branch the kernel took: the seeded run when it went where the kernel went,
 * otherwise the first of the next seeds whose run does (random rules only; 64 tries, then the seeded run).
 */
function branchRunFor(world: World | WorldSpec, trace: TraceSpec, seeded: Trace, kernel: KernelOutcome | undefined, seed: number): Trace {
  if (seeded.branches.length === 0 || kernel?.kind !== 'delivered' || seeded.deliveredTo?.netns === kernel.deliveredNetns) return seeded;
  for (let s = seed + 1; s <= seed + 64; s++) {
    const t = runTrace(world, trace, { seed: s });
    if (t.deliveredTo?.netns === kernel.deliveredNetns) return t;
  }
  return seeded;
}

/** Namespaces with iptables rules on either side: where conntrack is hooked and listed. */
export function iptablesNamespaces(...specs: WorldSpec[]): string[] {
  const names = new Set<string>();
  for (const s of specs) for (const n of s.namespaces) if (n.iptables !== undefined && n.iptables.trim() !== '') names.add(n.name);
  return [...names].sort();
}

/** The World the emulator's traces share (each on a checkpoint of it); undefined when it does not build. */
function emulatorWorldOf(spec: WorldSpec): World | undefined {
  try {
    return buildWorld(spec);
  } catch {
    return undefined;
  }
}

function emulatorSide(world: World, spec: WorldSpec, trace: TraceSpec, seed: number, cluster?: CompiledCluster): { trace: Trace; observed: ExpectedOutcome } | string {
  try {
    // A trace to a DNS name looks the name up first, as `net run` does; without the cluster it cannot.
    const t = trace.toName === undefined ? runTrace(world, trace, { seed }) : runScenarioTrace(world, cluster, trace, { seed }).trace;
    // Random rule matches: explore every branch, so a kernel that took another one can still agree.
    const random = spec.namespaces.some((n) => /-m statistic\b/.test(n.iptables ?? '') || randomEcmp(n) || socketHashedEcmp(n));
    const explored = random && trace.toName === undefined ? withBranches(t, exploreTraceBranches(world, trace, { seed })) : t;
    return { trace: explored, observed: emulatorOutcome(explored, { from: trace.from, spec }) };
  } catch (e) {
    return `emulator threw: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * With random choices (`-m statistic`, ECMP) the kernel may take another branch than the seeded emulator:
 * a delivery to one of the emulator's branch endpoints agrees. No branches: nothing was random.
 */
function onABranch(trace: Trace, kernel: KernelOutcome): boolean {
  if (trace.branches.length === 0 || kernel.kind !== 'delivered') return false;
  return trace.branches.some((b) => {
    if (typeof b !== 'object' || b === null) return false;
    const to = (b as { deliveredTo?: { netns?: unknown } }).deliveredTo;
    return to !== undefined && to.netns === kernel.deliveredNetns;
  });
}

async function kernelRouteGet(prefix: string, trace: TraceSpec): Promise<string> {
  const args = ['-n', `${prefix}${trace.from}`, 'route', 'get', formatIpv4(trace.dst)];
  if (trace.src !== undefined) args.push('from', formatIpv4(trace.src));
  if (trace.mark !== undefined) args.push('mark', String(trace.mark));
  if (trace.uid !== undefined) args.push('uid', String(trace.uid));
  const r = await runAsync('ip', args, 5000);
  return normalizeSpace(r.code === 0 ? r.out : r.err);
}

/** A multipath route hashed with a random seed (fib_multipath_hash_seed 0): the kernel's path is anyone's. */
function randomEcmp(n: WorldSpec['namespaces'][number]): boolean {
  return (n.sysctls['net.ipv4.fib_multipath_hash_seed'] ?? 0) === 0 && n.routes.some((r) => r.nexthops !== undefined);
}

/** A forwarder hashing multipath routes under policy 1: it reuses the sending socket's random hash. */
function socketHashedEcmp(n: WorldSpec['namespaces'][number]): boolean {
  return (n.sysctls['net.ipv4.fib_multipath_hash_policy'] ?? 0) === 1 && n.routes.some((r) => r.nexthops !== undefined);
}

/**
 * The emulator's `ip route get` answer; where the source namespace hashes a multipath route with a random
 * seed, also its answer for every nexthop the kernel might have drawn (the k-th forced through KernelEnv.decide).
 */
function emulatorRouteGets(spec: WorldSpec, trace: TraceSpec): string[] {
  const answers = [emulatorRouteGet(spec, trace)];
  const from = spec.namespaces.find((n) => n.name === trace.from);
  if (from === undefined || !randomEcmp(from)) return answers;
  for (let k = 0; k < 16; k++) {
    let asked = 0;
    const text = emulatorRouteGet(spec, trace, () => asked++ >= k);
    if (!answers.includes(text)) answers.push(text);
  }
  return answers;
}

function emulatorRouteGet(spec: WorldSpec, trace: TraceSpec, decide?: (p: number, rule: string) => boolean): string {
  try {
    const opts: { from?: number; mark?: number; uid?: number } = {};
    if (trace.src !== undefined) opts.from = trace.src;
    if (trace.mark !== undefined) opts.mark = trace.mark;
    if (trace.uid !== undefined) opts.uid = trace.uid;
    const r = routeGet(buildWorld(spec, decide ? { ...staticEnv(), decide } : staticEnv()), trace.from, trace.dst, opts);
    return normalizeSpace(r.ok ? r.text : r.error);
  } catch (e) {
    return `emulator threw: ${String(e)}`;
  }
}

/** Only whitespace is normalized: runs of blanks and newlines become one space. */
function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
