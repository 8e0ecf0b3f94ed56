// `net verify --rule-trace`: the kernel's own per-rule trace, set beside the emulator's rule hops. In every
// namespace with iptables rules an nft table of ours sets nftrace on each IPv4 packet (prerouting and output
// at priority -350: after defrag's -400, before raw's -300 and conntrack's -200), and `nft -a monitor` prints
// each rule that matched and each policy taken, with the rule's handle, which names its iptables-save line by
// its position (nft-trace-parse.ts). We add no rule to the scenario's own tables, so no index shifts. The first packet's passes are
// compared in order with the emulator's netfilter hops, and the first step where they part is reported.
//
// Linux: nft_trace_packet() reports a rule only when it matched (its verdict, `continue` for a non-terminal
// target) and a chain's policy when the packet fell off a base chain; unmatched rules are not reported.
// br_netfilter runs the ip family's hooks for bridged IPv4 frames, so bridged packets show as `iif "br0"`.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import type { TraceSpec } from '../scenario/model.js';
import type { Hop } from '../trace/model.js';
import { iptablesRuleOf, parseIptablesSaveRules, parseNftHandles, parseNftTrace } from './nft-trace-parse.js';
import type { NftHandleOrder, NftTraceEvent, SavedRules } from './nft-trace-parse.js';
import { runInNetns } from './probe.js';
import type { LivePids } from './probe.js';

/** Our table; its own events are not the scenario's rules and are left out. */
export const TRACE_TABLE = 'packetwalk_trace';

/** nftrace on every IPv4 packet entering (prerouting) or leaving (output) the namespace, before raw (-300). */
export const TRACE_TABLE_COMMANDS = [
  `add table ip ${TRACE_TABLE}`,
  `add chain ip ${TRACE_TABLE} prerouting { type filter hook prerouting priority -350 ; policy accept ; }`,
  `add chain ip ${TRACE_TABLE} output { type filter hook output priority -350 ; policy accept ; }`,
  `add rule ip ${TRACE_TABLE} prerouting meta nftrace set 1`,
  `add rule ip ${TRACE_TABLE} output meta nftrace set 1`,
].join(' ; ');

/** What the kernel said in one namespace: the monitor's lines, and the rules as nft and iptables list them. */
export interface KernelRuleCapture {
  lines: string[];
  /** `nft -a list ruleset ip` */
  nftListing: string;
  /** `iptables-save` */
  iptablesSave: string;
}

/** One namespace's sequence of steps, `TABLE HOOK: -A CHAIN ...` or `TABLE HOOK: policy VERDICT`. */
export type RuleSteps = Record<string, string[]>;

export interface RuleTraceResult {
  agree: boolean;
  /** The namespaces traced (spec names). */
  netns: string[];
  emulator: RuleSteps;
  kernel: RuleSteps;
  /** The first step where the two part; `(none)` on the side that has no more steps. */
  parting?: { netns: string; step: number; emulator: string; kernel: string };
  /** Set when the two part at a `-m statistic` rule of a world with random choices: the kernel drew another. */
  branch?: string;
}

/** Monitors started in each namespace before the probe; `finish` after it, `stop` on any failure. */
export class RuleTraceCapture {
  readonly #monitors: Monitor[];

  private constructor(monitors: Monitor[]) {
    this.#monitors = monitors;
  }

  /**
   * Adds our table, starts `nft -a monitor` (bounded by `timeout`), then adds and deletes a chain of ours until
   * the monitor prints it: proof that it listens, without sending a packet to find out. Bounded by 5 s.
   */
  static async start(prefix: string, netns: string[], live: LivePids, boundS = 120): Promise<RuleTraceCapture> {
    const monitors: Monitor[] = [];
    const capture = new RuleTraceCapture(monitors);
    try {
      for (const n of netns) {
        const real = `${prefix}${n}`;
        const added = await runInNetns(real, 'nft', [TRACE_TABLE_COMMANDS], 5000, live);
        if (added.code !== 0) throw new Error(`nft add table ${TRACE_TABLE} in ${real} failed: ${added.out.trim()}`);
        const m = new Monitor(n, real, boundS, live);
        monitors.push(m);
        if (!(await listening(m, live))) throw new Error(`nft monitor in ${real} printed no ruleset event within 5 s: ${m.errText()}`);
      }
      return capture;
    } catch (e) {
      await capture.stop();
      throw e;
    }
  }

  /** Waits for the monitors to go quiet (bounded), ends them by PID and lists each namespace's rules. */
  async finish(live: LivePids): Promise<Record<string, KernelRuleCapture>> {
    const out: Record<string, KernelRuleCapture> = {};
    await Promise.all(this.#monitors.map((m) => m.quiet(300, 2000)));
    await this.stop();
    for (const m of this.#monitors) {
      const nft = await runInNetns(m.realNetns, 'nft', ['-a', 'list', 'ruleset', 'ip'], 5000, live);
      if (nft.code !== 0) throw new Error(`nft -a list ruleset in ${m.realNetns} failed: ${nft.out.trim()}`);
      const save = await runInNetns(m.realNetns, 'iptables-save', [], 5000, live);
      if (save.code !== 0) throw new Error(`iptables-save in ${m.realNetns} failed: ${save.out.trim()}`);
      await runInNetns(m.realNetns, 'nft', ['delete', 'table', 'ip', TRACE_TABLE], 5000, live);
      out[m.netns] = { lines: [...m.lines], nftListing: nft.stdout, iptablesSave: save.stdout };
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.#monitors.map((m) => m.stop()));
  }
}

const READY_CHAIN = 'ready';

/** nft subscribes to its netlink groups some time after it starts: a ruleset event it prints shows it has. */
async function listening(m: Monitor, live: LivePids): Promise<boolean> {
  const seen = (l: string): boolean => l.startsWith(`add chain ip ${TRACE_TABLE} ${READY_CHAIN}`);
  for (let i = 0; i < 20; i++) {
    const r = await runInNetns(m.realNetns, 'nft', [`add chain ip ${TRACE_TABLE} ${READY_CHAIN} ; delete chain ip ${TRACE_TABLE} ${READY_CHAIN}`], 5000, live);
    if (r.code !== 0) return false;
    if (await m.waitFor(seen, 250)) return true;
  }
  return false;
}

/** `ip netns exec NS timeout S nft -a monitor`: ip and timeout exec in place, so the PID is timeout's. */
class Monitor {
  readonly lines: string[] = [];
  readonly #err: string[] = [];
  readonly #exited: Promise<void>;
  readonly #watchers = new Set<() => void>();
  #lastLine = 0;
  #running = true;
  readonly #kill: (sig: NodeJS.Signals) => void;

  constructor(readonly netns: string, readonly realNetns: string, boundS: number, live: LivePids) {
    const child = spawn('ip', ['netns', 'exec', realNetns, 'timeout', String(boundS), 'nft', '-a', 'monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    this.#kill = (sig) => {
      if (this.#running) child.kill(sig);
    };
    this.#exited = new Promise((resolve) => {
      const done = (): void => {
        this.#running = false;
        if (pid !== undefined) live.delete(pid);
        this.#notify();
        resolve();
      };
      child.on('error', done);
      child.on('close', done);
    });
    let buf = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buf += chunk;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const p of parts) this.lines.push(p);
      this.#lastLine = performance.now();
      this.#notify();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => this.#err.push(chunk));
  }

  errText(): string {
    return this.#err.join('').trim() || (this.#running ? 'no output' : 'exited');
  }

  #notify(): void {
    for (const f of [...this.#watchers]) f();
  }

  /** True once a printed line satisfies `pred`; false after `ms` or when the monitor ends without one. */
  waitFor(pred: (line: string) => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        const ok = this.lines.some(pred);
        if (ok || !this.#running) settle(ok);
      };
      const settle = (v: boolean): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
        resolve(v);
      };
      const timer = setTimeout(() => settle(this.lines.some(pred)), ms);
      this.#watchers.add(check);
      check();
    });
  }

  /** Resolves once nothing was printed for `quietMs`, or after `maxMs`: the kernel's events arrive as they happen. */
  async quiet(quietMs: number, maxMs: number): Promise<void> {
    const t0 = performance.now();
    for (;;) {
      const now = performance.now();
      if (now - t0 >= maxMs || now - Math.max(this.#lastLine, t0) >= quietMs || !this.#running) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM by PID, SIGKILL after a second. */
  async stop(): Promise<void> {
    if (!this.#running) return this.#exited;
    this.#kill('SIGTERM');
    const timer = setTimeout(() => this.#kill('SIGKILL'), 1000);
    await this.#exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Steps

function step(table: string, chain: string, what: string): string {
  return `${table} ${chain}: ${what}`;
}

/** A netfilter hop that evaluated a chain: the emulator lists every rule it tried in `facts`. */
function isChainPass(h: Hop): boolean {
  return h.stage === 'netfilter' && h.table !== null && h.chain !== null && h.facts !== undefined && h.facts.length > 0
    && h.facts.every((f) => /^(no )?match {2}/.test(f));
}

/**
 * The emulator's steps per namespace: each matched rule of each pass (jumps included, as the kernel reports
 * them), then the policy when no rule decided. Chains without rules make no hop, and no step.
 */
export function emulatorRuleSteps(hops: readonly Hop[], netns: readonly string[]): RuleSteps {
  const out: RuleSteps = Object.fromEntries(netns.map((n) => [n, [] as string[]]));
  for (const h of hops) {
    if (!isChainPass(h) || out[h.netns] === undefined) continue;
    const table = h.table as string;
    const chain = h.chain as string;
    for (const f of h.facts ?? []) if (f.startsWith('match  ')) out[h.netns].push(step(table, chain, f.slice('match  '.length).trim()));
    if (h.rule === null) out[h.netns].push(step(table, chain, `policy ${h.verdict ?? 'ACCEPT'}`));
  }
  return out;
}

/** Whether a trace's first packet line is the probe's first packet, not IGMP or another stray. */
export function isProbePacket(packet: string, trace: Pick<TraceSpec, 'proto'>): boolean {
  if (trace.proto === 'tcp') return /\btcp flags == syn\b/.test(packet);
  if (trace.proto === 'udp') return /\budp dport \d+/.test(packet);
  return /\bicmp type echo-request\b/.test(packet);
}

/**
 * Each packet's events, in the order the packets came. A trace id is a hash of the skb's address, hash and
 * input device (nft_trace_init()), so a later packet of the same flow in a reused skb can carry the same id:
 * our own table's `packet:` line, first at every packet's first hook, starts a new one.
 */
export function packetsOf(events: readonly NftTraceEvent[]): NftTraceEvent[][] {
  const packets: NftTraceEvent[][] = [];
  const current = new Map<string, NftTraceEvent[]>();
  for (const e of events) {
    let p = current.get(e.id);
    if (p === undefined || (e.kind === 'packet' && e.table === TRACE_TABLE)) {
      p = [];
      packets.push(p);
      current.set(e.id, p);
    }
    p.push(e);
  }
  return packets;
}

/** The events of the first packet the probe sent: the first packet whose first `packet:` line fits. */
export function firstProbeEvents(events: readonly NftTraceEvent[], trace: Pick<TraceSpec, 'proto'>): NftTraceEvent[] {
  const found = packetsOf(events).find((p) => {
    const first = p.find((e) => e.kind === 'packet');
    return first !== undefined && first.kind === 'packet' && isProbePacket(first.packet, trace);
  });
  return found ?? [];
}

/**
 * The kernel's steps in one namespace, in the emulator's words: a rule by its iptables-save line (found by its
 * handle's position), a policy only where the base chain has rules (an empty chain makes no emulator hop).
 */
export function kernelRuleSteps(capture: KernelRuleCapture, trace: Pick<TraceSpec, 'proto'>): string[] {
  const handles: NftHandleOrder = parseNftHandles(capture.nftListing);
  const saved: SavedRules = parseIptablesSaveRules(capture.iptablesSave);
  const out: string[] = [];
  let base: { table: string; chain: string } | undefined;
  for (const e of firstProbeEvents(parseNftTrace(capture.lines.join('\n')), trace)) {
    if (e.family !== 'ip' || e.table === TRACE_TABLE) continue;
    if (e.kind === 'packet') base = { table: e.table, chain: e.chain };
    else if (e.kind === 'rule') {
      const where = base ?? { table: e.table, chain: e.chain };
      const text = e.handle === null ? undefined : iptablesRuleOf(handles, saved, e.family, e.table, e.chain, e.handle);
      out.push(step(where.table, where.chain, text ?? `nft rule handle ${e.handle ?? '?'} in ${e.chain}: ${e.text}`));
    } else if (e.kind === 'policy') {
      const rules = handles.get(`${e.family} ${e.table}`)?.get(e.chain)?.length ?? 0;
      if (rules > 0 || e.verdict !== 'accept') out.push(step(e.table, e.chain, `policy ${e.verdict.toUpperCase()}`));
    }
  }
  return out;
}

/**
 * Namespace by namespace (sorted), step by step: agreement, or the first step where the sequences part. With
 * `random`, parting at a `-m statistic` rule is the kernel drawing another branch than the seeded emulator:
 * it agrees, says so in `branch`, and what follows is not compared.
 */
export function alignRuleSteps(emulator: RuleSteps, kernel: RuleSteps, random = false): RuleTraceResult {
  const netns = [...new Set([...Object.keys(emulator), ...Object.keys(kernel)])].sort();
  const result: RuleTraceResult = { agree: true, netns, emulator, kernel };
  for (const n of netns) {
    const e = emulator[n] ?? [];
    const k = kernel[n] ?? [];
    for (let i = 0; i < Math.max(e.length, k.length); i++) {
      if (e[i] === k[i]) continue;
      result.parting = { netns: n, step: i + 1, emulator: e[i] ?? '(none)', kernel: k[i] ?? '(none)' };
      if (random && [e[i], k[i]].some((x) => x !== undefined && /\s-m statistic\s/.test(x))) {
        result.branch = `${n} step ${i + 1}: the kernel drew another -m statistic branch; later steps not compared`;
        delete result.parting;
        return result;
      }
      result.agree = false;
      return result;
    }
  }
  return result;
}
