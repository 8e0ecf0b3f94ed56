// Run a trace for real, in namespaces built by realize.ts: listeners for the world's `listen` sockets, then
// one probe from the trace's source namespace (a TCP connect, a connected UDP socket, or `ping`), watched by
// tcpdump for ICMP errors. The result is what a real socket could observe, as a KernelOutcome.
//
// Every process here is started by this file, remembered by PID and ended by PID. Every wait is bounded.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { TraceSpec } from '../scenario/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';

export type OutcomeKind = 'delivered' | 'refused' | 'icmp-error' | 'timeout' | 'local-error';

/** An ICMP error as the sender saw it. */
export interface IcmpObserved {
  /** Name as the Trace model uses it: "time-exceeded", "host-unreachable", "frag-needed", ... */
  type: string;
  /** Source address of the ICMP error. */
  from: string;
  icmpType?: number;
  code?: number;
  mtu?: number;
}

export interface KernelOutcome {
  kind: OutcomeKind;
  /** Namespace (as the spec names it, without prefix) of the socket that got the packet. */
  deliveredNetns?: string;
  /** The source address:port the receiving socket saw. */
  peerSeen?: string;
  /** UDP: the listener's answer came back to the sender. */
  replied?: boolean;
  icmp?: IcmpObserved;
  /** The error a socket reported (ECONNREFUSED, EHOSTUNREACH, EMSGSIZE, ...), or the one an ICMP implies. */
  errno?: string;
  detail: string;
}

/** Bounds on every wait. TCP's covers a neighbour failure (3 probes 1 s apart) plus a second SYN's error. */
export interface ProbeTimeouts {
  tcpMs: number;
  udpMs: number;
  /** `ping -W`, in seconds. */
  pingWaitS: number;
  readyMs: number;
}

/** `readyMs` is generous: a loaded CI machine can take seconds to start node inside `ip netns exec`. */
export const DEFAULT_TIMEOUTS: ProbeTimeouts = { tcpMs: 4500, udpMs: 4500, pingWaitS: 4, readyMs: 15_000 };

/**
 * The helper scripts sit beside this file in `src/`; `tsc` does not copy them into `dist/`, so the built CLI
 * falls back to the source tree it was built from.
 */
const PROBES_DIR = [new URL('./probes/', import.meta.url), new URL('../../src/oracle/probes/', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(`${dir}client.mjs`)) ?? fileURLToPath(new URL('./probes/', import.meta.url));

/**
 * The PIDs of the processes a run has started and not yet seen end, so that a signal handler can end them by
 * PID before it tears the namespaces down.
 */
export type LivePids = Set<number>;

// ---------------------------------------------------------------------------------------------------------
// ICMP names and errno

const UNREACH_NAMES: Record<number, string> = {
  0: 'net-unreachable', 1: 'host-unreachable', 2: 'protocol-unreachable', 3: 'port-unreachable', 4: 'frag-needed',
  5: 'source-route-failed', 6: 'net-unknown', 7: 'host-unknown', 9: 'net-prohibited', 10: 'host-prohibited',
  11: 'net-unreachable-tos', 12: 'host-unreachable-tos', 13: 'admin-prohibited',
};

/** The Trace model's name for an ICMP error type and code. */
export function icmpTypeName(icmpType: number, code: number): string {
  if (icmpType === 3) return UNREACH_NAMES[code] ?? `unreachable-code-${code}`;
  if (icmpType === 11) return code === 0 ? 'time-exceeded' : 'reassembly-time-exceeded';
  return `icmp-${icmpType}-${code}`;
}

/** Linux: icmp_err_convert[] (net/ipv4/icmp.c) for destination unreachable; time exceeded is EHOSTUNREACH. */
const UNREACH_ERRNO = [
  'ENETUNREACH', 'EHOSTUNREACH', 'ENOPROTOOPT', 'ECONNREFUSED', 'EMSGSIZE', 'EOPNOTSUPP', 'ENETUNREACH',
  'EHOSTDOWN', 'ENONET', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTUNREACH', 'EHOSTUNREACH',
  'EHOSTUNREACH', 'EHOSTUNREACH',
];

/** The errno a socket gets for an ICMP error (tcp_v4_err(), __udp4_lib_err()). */
export function icmpErrno(icmpType: number, code: number): string | undefined {
  if (icmpType === 3) return UNREACH_ERRNO[code];
  if (icmpType === 11) return 'EHOSTUNREACH';
  return undefined;
}

/** strerror() texts that ping prints, back to errno names. */
const STRERROR: Record<string, string> = {
  'network is unreachable': 'ENETUNREACH',
  'no route to host': 'EHOSTUNREACH',
  'operation not permitted': 'EPERM',
  'permission denied': 'EACCES',
  'invalid argument': 'EINVAL',
  'message too long': 'EMSGSIZE',
  'connection refused': 'ECONNREFUSED',
  'cannot assign requested address': 'EADDRNOTAVAIL',
  // iputils ping reads EACCES from connect() as a broadcast without -b, whatever the real cause (a prohibit
  // route, a REJECT with --reject-with icmp-admin-prohibited in OUTPUT...).
  'do you want to ping broadcast': 'EACCES',
};

/**
 * One tcpdump line (`-n -i any`) holding an ICMP error, e.g.
 * `12:00:00.1 eth0  In  IP 10.0.1.1 > 10.0.1.2: ICMP time exceeded in-transit, length 36`.
 */
export function parseTcpdumpIcmp(line: string): (IcmpObserved & { to: string; direction: string }) | undefined {
  const m = /\s(In|Out|M|B|P)\s+IP (\d+\.\d+\.\d+\.\d+) > (\d+\.\d+\.\d+\.\d+): ICMP (.*)$/.exec(line);
  if (m === null) return undefined;
  const [, direction, from, to, text] = m;
  const tc = tcpdumpIcmpCode(text);
  if (tc === undefined) return undefined;
  const out: IcmpObserved & { to: string; direction: string } = {
    type: icmpTypeName(tc.icmpType, tc.code), from, to, direction, icmpType: tc.icmpType, code: tc.code,
  };
  if (tc.mtu !== undefined) out.mtu = tc.mtu;
  return out;
}

/** tcpdump's print-icmp.c wording back to type and code; echo and redirects are not errors for a probe. */
function tcpdumpIcmpCode(text: string): { icmpType: number; code: number; mtu?: number } | undefined {
  const frag = /unreachable - need to frag \(mtu (\d+)\)/.exec(text);
  if (frag !== null) return { icmpType: 3, code: 4, mtu: Number(frag[1]) };
  if (text.startsWith('time exceeded in-transit')) return { icmpType: 11, code: 0 };
  if (text.startsWith('ip reassembly time exceeded')) return { icmpType: 11, code: 1 };
  const table: [RegExp, number][] = [
    [/^host \S+ unreachable - admin prohibited filter/, 13],
    [/^net \S+ unreachable - admin prohibited/, 9],
    [/^host \S+ unreachable - admin prohibited/, 10],
    [/^net \S+ unreachable/, 0],
    [/^host \S+ unreachable/, 1],
    [/^\S+ protocol \d+ unreachable/, 2],
    [/^\S+ (tcp|udp) port \S+ unreachable/, 3],
  ];
  for (const [re, code] of table) if (re.test(text)) return { icmpType: 3, code };
  return undefined;
}

const PING_ERRORS: [RegExp, number, number][] = [
  [/Time to live exceeded/, 11, 0],
  [/Frag reassembly time exceeded/, 11, 1],
  [/Destination Net Unreachable/, 3, 0],
  [/Destination Host Unreachable/, 3, 1],
  [/Destination Protocol Unreachable/, 3, 2],
  [/Destination Port Unreachable/, 3, 3],
  [/Frag needed and DF set/, 3, 4],
  [/Destination Net Prohibited/, 3, 9],
  [/Destination Host Prohibited/, 3, 10],
  [/Packet filtered/, 3, 13],
];

/** What `ping -c 1` printed (stdout and stderr together), as reply, ICMP error, local error or nothing. */
export type PingResult =
  | { result: 'reply'; from: string }
  | { result: 'icmp'; icmp: IcmpObserved }
  | { result: 'local-error'; errno: string; text: string }
  | { result: 'timeout' };

export function parsePingOutput(out: string): PingResult {
  const reply = /^\d+ bytes from (\d+\.\d+\.\d+\.\d+):/m.exec(out);
  if (reply !== null) return { result: 'reply', from: reply[1] };
  const from = /^From (\d+\.\d+\.\d+\.\d+)(?: \([^)]*\))? icmp_seq=\d+ (.*)$/m.exec(out);
  if (from !== null) {
    for (const [re, icmpType, code] of PING_ERRORS) {
      if (!re.test(from[2])) continue;
      const icmp: IcmpObserved = { type: icmpTypeName(icmpType, code), from: from[1], icmpType, code };
      const mtu = /mtu = (\d+)/.exec(from[2]);
      if (mtu !== null) icmp.mtu = Number(mtu[1]);
      return { result: 'icmp', icmp };
    }
  }
  const local = /^ping: (.*)$/m.exec(out);
  if (local !== null) {
    const text = local[1].toLowerCase();
    for (const [msg, errno] of Object.entries(STRERROR)) if (text.includes(msg)) return { result: 'local-error', errno, text: local[1] };
    return { result: 'local-error', errno: 'EUNKNOWN', text: local[1] };
  }
  return { result: 'timeout' };
}

// ---------------------------------------------------------------------------------------------------------
// Processes

/** A child process whose stdout/stderr lines are kept; ended by its PID only. */
class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly errLines: string[] = [];
  readonly exited: Promise<number | null>;
  readonly #watchers = new Set<() => void>();

  /**
   * stdin is a pipe we never write: the node helpers exit when it closes, so they cannot outlive this process
   * even when it is killed.
   */
  constructor(cmd: string, args: string[], live?: LivePids) {
    this.child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = this.child.pid;
    if (pid !== undefined) live?.add(pid);
    this.child.stdin?.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('error', () => {
        if (pid !== undefined) live?.delete(pid);
        this.#notify();
        resolve(null);
      });
      this.child.on('close', (code) => {
        if (pid !== undefined) live?.delete(pid);
        this.#notify();
        resolve(code);
      });
    });
    collectLines(this.child.stdout, this.lines, () => this.#notify());
    collectLines(this.child.stderr, this.errLines, () => this.#notify());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Calls `fn` on every new line and at exit; returns the unsubscribe. */
  watch(fn: () => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }

  #notify(): void {
    for (const f of [...this.#watchers]) f();
  }

  async waitFor(pred: () => boolean, ms: number): Promise<boolean> {
    return waitUntil([this], pred, ms);
  }

  /** SIGTERM by PID, SIGKILL by PID after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.running || this.pid === undefined) {
      await this.exited;
      return;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) this.child.kill('SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Resolves true once `pred` holds, re-checked whenever one of `procs` prints a line or exits; false when
 * `ms` pass first, or when every process has ended without it holding.
 */
function waitUntil(procs: Proc[], pred: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const unwatch: (() => void)[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = (v: boolean) => {
      if (timer !== undefined) clearTimeout(timer);
      for (const u of unwatch) u();
      resolve(v);
    };
    const check = () => {
      if (pred()) settle(true);
      else if (procs.every((p) => !p.running)) settle(false);
    };
    timer = setTimeout(() => settle(pred()), ms);
    for (const p of procs) unwatch.push(p.watch(check));
    check();
  });
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], onLine: () => void): void {
  if (stream === null) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      into.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
    onLine();
  });
  stream.on('end', () => {
    if (buf !== '') into.push(buf);
    buf = '';
    onLine();
  });
}

/** `ip netns exec NS CMD...`: ip execs CMD in place, so the PID we hold is CMD's own. */
function inNetns(netns: string, cmd: string, args: string[], live?: LivePids): Proc {
  return new Proc('ip', ['netns', 'exec', netns, cmd, ...args], live);
}

/**
 * The same under coreutils `timeout`, for tools that would not notice our end (tcpdump, ping): the PID we
 * hold is timeout's, which passes our SIGTERM on and ends the tool by itself after `seconds`.
 */
function boundedInNetns(netns: string, seconds: number, cmd: string, args: string[], live?: LivePids): Proc {
  return inNetns(netns, 'timeout', [String(seconds), cmd, ...args], live);
}

/** A running capture: what tcpdump has printed so far, and its end by PID. */
export interface TcpdumpCapture {
  readonly lines: string[];
  readonly errLines: string[];
  waitFor(pred: () => boolean, ms: number): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Starts `tcpdump ARGS` in a namespace under `timeout SECONDS` and waits (bounded by `readyMs`) until it says
 * `listening on`; throws, with it ended, otherwise.
 */
export async function startTcpdump(
  netns: string, seconds: number, args: string[], readyMs: number, live?: LivePids,
): Promise<TcpdumpCapture> {
  const p = boundedInNetns(netns, seconds, 'tcpdump', args, live);
  // `-v` prefixes the line with `tcpdump: `.
  const listening = await p.waitFor(() => p.errLines.some((l) => /^(tcpdump: )?listening on /.test(l)), readyMs);
  if (!listening) {
    await p.stop();
    throw new Error(`tcpdump did not start in ${netns}: ${p.errLines.join(' ')}`);
  }
  return p;
}

/** Runs a command in a namespace to its end, bounded by `ms`; stdout and stderr are kept apart. */
export async function runInNetns(
  netns: string, cmd: string, args: string[], ms: number, live?: LivePids,
): Promise<{ code: number | null; out: string; stdout: string }> {
  const p = boundedInNetns(netns, Math.ceil(ms / 1000) + 1, cmd, args, live);
  const timer = setTimeout(() => void p.stop(), ms);
  const code = await p.exited;
  clearTimeout(timer);
  return { code, out: [...p.lines, ...p.errLines].join('\n'), stdout: p.lines.join('\n') };
}

// ---------------------------------------------------------------------------------------------------------
// Listeners

export interface ListenerEvent {
  netns: string;
  proto: 'tcp' | 'udp';
  local: string;
  peer: string;
}

/** The `listen` sockets of every namespace, one process per namespace. */
export class Listeners {
  readonly #procs: { netns: string; proc: Proc }[] = [];
  /** Per process, how many of its lines `forget()` has put behind. */
  readonly #seen = new Map<Proc, number>();

  private constructor() {}

  /** Starts them and waits (bounded) until each process has bound its sockets; throws otherwise. */
  static async start(spec: WorldSpec, prefix: string, timeouts: ProbeTimeouts = DEFAULT_TIMEOUTS, live?: LivePids): Promise<Listeners> {
    const l = new Listeners();
    for (const n of spec.namespaces) {
      if (n.listen.length === 0) continue;
      const socks = n.listen.map((s) => ({ proto: s.proto, port: s.port, addr: formatIpv4(s.addr) }));
      const proc = inNetns(`${prefix}${n.name}`, process.execPath, [`${PROBES_DIR}listen.mjs`, JSON.stringify(socks)], live);
      l.#procs.push({ netns: n.name, proc });
    }
    const ready = await Promise.all(l.#procs.map(({ proc }) => proc.waitFor(() => proc.lines.some((x) => x.includes('"ev"')), timeouts.readyMs)));
    const bad = l.#procs.filter(({ proc }, i) => !ready[i] || !proc.lines.some((x) => x.includes('"ready"')));
    if (bad.length > 0) {
      const why = bad.map(({ netns, proc }) => `${netns}: ${[...proc.lines, ...proc.errLines].join(' ') || 'no answer'}`);
      await l.stop();
      throw new Error(`listeners did not start: ${why.join('; ')}`);
    }
    return l;
  }

  get pids(): number[] {
    return this.#procs.map(({ proc }) => proc.pid).filter((p): p is number => p !== undefined);
  }

  /** Every connection or datagram the listeners have seen, in arrival order per namespace. */
  events(): ListenerEvent[] {
    const out: ListenerEvent[] = [];
    for (const { netns, proc } of this.#procs) {
      for (const line of proc.lines.slice(this.#seen.get(proc) ?? 0)) {
        const ev = safeJson(line);
        if (ev !== undefined && (ev.ev === 'tcp' || ev.ev === 'udp')) {
          out.push({ netns, proto: ev.ev, local: String(ev.local), peer: String(ev.peer) });
        }
      }
    }
    return out;
  }

  /** From now on `events()` lists only what comes next: a timeline probes the same listeners trace after trace. */
  forget(): void {
    for (const { proc } of this.#procs) this.#seen.set(proc, proc.lines.length);
  }

  /** Waits (bounded) until some listener has seen something. */
  async waitForEvent(ms: number): Promise<boolean> {
    const procs = this.#procs.map(({ proc }) => proc);
    if (procs.length === 0) return false;
    return waitUntil(procs, () => this.events().length > 0, ms);
  }

  async stop(): Promise<void> {
    await Promise.all(this.#procs.map(({ proc }) => proc.stop()));
  }

  /** Takes over `other`'s listeners (a timeline's namespaces that a cluster change added). */
  adopt(other: Listeners): void {
    for (const p of other.#procs.splice(0)) this.#procs.push(p);
  }

  /** Stops the listeners in these namespaces (spec names), before the namespaces are deleted. */
  async stopIn(netns: ReadonlySet<string>): Promise<void> {
    const gone = this.#procs.filter((p) => netns.has(p.netns));
    await Promise.all(gone.map(({ proc }) => proc.stop()));
    for (const g of gone) this.#procs.splice(this.#procs.indexOf(g), 1);
  }
}

function safeJson(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// One trace

/** Why a trace cannot be probed faithfully from Node, or undefined when it can. */
export function unsupportedReason(trace: TraceSpec): string | undefined {
  // The emulator looks the name up first (src/dns/named-trace.ts: each query a traced packet, then the
  // connection to the answer); net verify does not model that lookup: test/kernel/dns-agreement.test.ts
  // checks the DNS exchange against the kernel instead.
  if (trace.toName !== undefined) return `the destination is the DNS name ${trace.toName} (the lookup is checked by the DNS agreement test, not by net verify)`;
  if (trace.mark !== undefined && trace.proto !== 'icmp') return 'SO_MARK on a tcp/udp socket (Node has no setsockopt)';
  // A tcp/udp client runs as that user (setpriv); ping as another user needs ping_group_range, a port below
  // 1024 needs root.
  if (trace.uid !== undefined && trace.uid !== 0 && trace.proto === 'icmp') return `ping as uid ${trace.uid} (the ping probe runs as root)`;
  if (trace.uid !== undefined && trace.uid !== 0 && (trace.sport ?? 40000) < 1024) return `source port ${trace.sport ?? 0} below 1024 as uid ${trace.uid}`;
  return undefined;
}

export interface ProbeContext {
  spec: WorldSpec;
  prefix: string;
  listeners: Listeners;
  timeouts?: ProbeTimeouts;
  /** Where the PIDs of the probe's own processes are kept while they run. */
  live?: LivePids;
}

/**
 * Runs `trace` in the realized world and reports what its socket saw. The world should be fresh: a PMTU
 * learnt, a neighbour failed or a conntrack entry left by an earlier probe changes the next one.
 */
export async function probeTrace(ctx: ProbeContext, trace: TraceSpec): Promise<KernelOutcome> {
  const reason = unsupportedReason(trace);
  if (reason !== undefined) throw new Error(`invariant: probing an unsupported trace (${reason})`);
  const timeouts = ctx.timeouts ?? DEFAULT_TIMEOUTS;
  const netns = `${ctx.prefix}${trace.from}`;
  const restore = await socketDefaults(netns, trace, ctx.live);
  try {
    if (trace.proto === 'icmp') return await probePing(ctx, trace, timeouts);
    if (trace.proto === 'sctp') return await probeSctp(ctx, trace, timeouts);
    if (trace.flags !== undefined && trace.flags !== 'S') return await probeSegment(ctx, trace, timeouts);
    return await probeSocket(ctx, trace, timeouts);
  } finally {
    if (restore.length > 0) await runInNetns(netns, 'sysctl', ['-qw', ...restore], 5000, ctx.live);
  }
}

/**
 * A tcp/udp socket's TTL and DF come from namespace defaults, as Node cannot set IP_TTL on TCP or
 * IP_MTU_DISCOVER at all: `ip_default_ttl`, and `ip_no_pmtu_disc=1` (IP_PMTUDISC_DONT) for df=false. Returns
 * the `key=value` words that put them back.
 */
async function socketDefaults(netns: string, trace: TraceSpec, live?: LivePids): Promise<string[]> {
  if (trace.proto === 'icmp') return [];
  const set: string[] = [];
  const restore: string[] = [];
  if (trace.ttl !== undefined) {
    set.push(`net.ipv4.ip_default_ttl=${trace.ttl}`);
    restore.push(`net.ipv4.ip_default_ttl=${await readSysctl(netns, 'net.ipv4.ip_default_ttl', live)}`);
  }
  if (trace.df === false) {
    set.push('net.ipv4.ip_no_pmtu_disc=1');
    restore.push(`net.ipv4.ip_no_pmtu_disc=${await readSysctl(netns, 'net.ipv4.ip_no_pmtu_disc', live)}`);
  }
  if (set.length > 0) {
    const r = await runInNetns(netns, 'sysctl', ['-qw', ...set], 5000, live);
    if (r.code !== 0) throw new Error(`sysctl ${set.join(' ')} in ${netns}: ${r.out}`);
  }
  return restore;
}

async function readSysctl(netns: string, key: string, live?: LivePids): Promise<string> {
  const r = await runInNetns(netns, 'sysctl', ['-n', key], 5000, live);
  if (r.code !== 0) throw new Error(`sysctl -n ${key} in ${netns}: ${r.out}`);
  return r.out.trim();
}

async function probePing(ctx: ProbeContext, trace: TraceSpec, t: ProbeTimeouts): Promise<KernelOutcome> {
  const args = ['-n', '-c', '1', '-W', String(t.pingWaitS)];
  if (trace.src !== undefined) args.push('-I', formatIpv4(trace.src));
  if (trace.ttl !== undefined) args.push('-t', String(trace.ttl));
  if (trace.df !== undefined) args.push('-M', trace.df ? 'do' : 'dont');
  if (trace.size !== undefined) args.push('-s', String(trace.size));
  if (trace.mark !== undefined) args.push('-m', String(trace.mark));
  args.push(formatIpv4(trace.dst));
  const r = await runInNetns(`${ctx.prefix}${trace.from}`, 'ping', args, (t.pingWaitS + 3) * 1000, ctx.live);
  const seen = parsePingOutput(r.out);
  const detail = `ping ${args.join(' ')}: ${r.out.split('\n').filter((l) => /^(From|\d+ bytes|ping:)/.test(l)).join(' | ') || 'no answer'}`;
  switch (seen.result) {
    case 'reply': {
      const owner = addressOwner(ctx.spec, seen.from);
      const out: KernelOutcome = { kind: 'delivered', detail };
      if (owner !== undefined) out.deliveredNetns = owner;
      return out;
    }
    case 'icmp':
      return fromIcmp(ctx.spec, trace, seen.icmp, undefined, detail);
    case 'local-error':
      return { kind: 'local-error', errno: seen.errno, detail };
    case 'timeout':
      return { kind: 'timeout', detail };
  }
}

/** The source a raw socket's packet takes: the trace's, or the one `ip route get` picks (undefined: none). */
async function rawSource(ctx: ProbeContext, trace: TraceSpec): Promise<{ src?: string; detail: string }> {
  if (trace.src !== undefined) return { src: formatIpv4(trace.src), detail: '' };
  const r = await runInNetns(`${ctx.prefix}${trace.from}`, 'ip', ['route', 'get', formatIpv4(trace.dst)], 5000, ctx.live);
  return { src: /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(r.out)?.[1], detail: `ip route get ${formatIpv4(trace.dst)}: ${r.out.trim()}` };
}

/**
 * A trace with `proto: sctp`: one INIT from a raw socket (probes/sctp-init.py), as the emulator sends it. An ICMP
 * error back is judged as for any socket; an SCTP answer on the ports is a delivery (INIT ACK) or a refusal
 * (ABORT); silence a timeout. A local drop fails sendto() (EPERM), as sendmsg() fails for a UDP socket.
 */
async function probeSctp(ctx: ProbeContext, trace: TraceSpec, t: ProbeTimeouts): Promise<KernelOutcome> {
  const source = await rawSource(ctx, trace);
  if (source.src === undefined) return { kind: 'local-error', errno: 'ENETUNREACH', detail: source.detail };
  const p = { src: source.src, dst: formatIpv4(trace.dst), sport: trace.sport ?? 40000, dport: trace.dport ?? 0, timeoutMs: t.udpMs };
  const r = await runInNetns(`${ctx.prefix}${trace.from}`, 'python3', [`${PROBES_DIR}sctp-init.py`, JSON.stringify(p)], t.udpMs + 5000, ctx.live);
  const res = safeJson(r.stdout.trim().split('\n')[0] ?? '');
  const detail = `sctp INIT ${p.src}:${p.sport} -> ${p.dst}:${p.dport}: ${res === undefined ? `no answer from the probe: ${r.out.trim()}` : JSON.stringify(res)}`;
  if (res?.result === 'icmp' && typeof res.type === 'number' && typeof res.code === 'number' && typeof res.from === 'string') {
    return fromIcmp(ctx.spec, trace, { type: icmpTypeName(res.type, res.code), from: res.from, icmpType: res.type, code: res.code }, undefined, detail);
  }
  if (res?.result === 'sctp') return { kind: res.chunk === 2 ? 'delivered' : 'refused', detail };
  if (res?.result === 'error') return { kind: 'local-error', errno: res.errno === 1 ? 'EPERM' : String(res.message), detail };
  return { kind: 'timeout', detail };
}

/**
 * A trace with TCP flags other than a lone SYN: one crafted segment from a raw socket (probes/tcp-segment.py),
 * as the emulator sends it on a fresh World: of no connection the destination knows. A RST back is a refusal,
 * any other segment back a delivery, silence a timeout. Its source is the trace's, or the one `ip route get`
 * picks.
 */
async function probeSegment(ctx: ProbeContext, trace: TraceSpec, t: ProbeTimeouts): Promise<KernelOutcome> {
  const netns = `${ctx.prefix}${trace.from}`;
  let src = trace.src !== undefined ? formatIpv4(trace.src) : undefined;
  if (src === undefined) {
    const r = await runInNetns(netns, 'ip', ['route', 'get', formatIpv4(trace.dst)], 5000, ctx.live);
    src = /\bsrc (\d+\.\d+\.\d+\.\d+)/.exec(r.out)?.[1];
    if (src === undefined) return { kind: 'local-error', errno: 'ENETUNREACH', detail: `ip route get ${formatIpv4(trace.dst)}: ${r.out.trim()}` };
  }
  const p = {
    src, dst: formatIpv4(trace.dst), sport: trace.sport ?? 40000, dport: trace.dport ?? 0, flags: trace.flags ?? 'S',
    seq: 1000, ack: (trace.flags ?? '').includes('A') ? 1000 : 0, timeoutMs: t.tcpMs,
  };
  const r = await runInNetns(netns, 'python3', [`${PROBES_DIR}tcp-segment.py`, JSON.stringify(p)], t.tcpMs + 5000, ctx.live);
  const res = safeJson(r.stdout.trim().split('\n')[0] ?? '');
  const detail = `tcp segment [${p.flags}] ${p.src}:${p.sport} -> ${p.dst}:${p.dport}: ${res === undefined ? `no answer from the probe: ${r.out.trim()}` : `${String(res.result)}${res.flags !== undefined ? ` [${String(res.flags)}]` : ''}`}`;
  if (res?.result === 'rst') return { kind: 'refused', detail };
  if (res?.result === 'segment') return { kind: 'delivered', detail };
  return { kind: 'timeout', detail };
}

interface ClientResult {
  result: 'connected' | 'answered' | 'error' | 'timeout';
  errno?: string;
  message?: string;
  local?: string;
  ms?: number;
}

async function probeSocket(ctx: ProbeContext, trace: TraceSpec, t: ProbeTimeouts): Promise<KernelOutcome> {
  const netns = `${ctx.prefix}${trace.from}`;
  const proto = trace.proto as 'tcp' | 'udp';
  const timeoutMs = proto === 'tcp' ? t.tcpMs : t.udpMs;
  const tcpdump = boundedInNetns(netns, Math.ceil(timeoutMs / 1000) + 10, 'tcpdump', [
    '--immediate-mode', '-n', '-l', '-i', 'any', 'icmp and icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply',
  ], ctx.live);
  let client: Proc | undefined;
  try {
    const listening = await tcpdump.waitFor(() => tcpdump.errLines.some((l) => l.startsWith('listening on')), t.readyMs);
    if (!listening) throw new Error(`tcpdump did not start in ${netns}: ${tcpdump.errLines.join(' ')}`);
    const p = {
      proto, dst: formatIpv4(trace.dst), dport: trace.dport ?? 0, src: trace.src !== undefined ? formatIpv4(trace.src) : undefined,
      sport: trace.sport ?? 40000, size: trace.size ?? 32, timeoutMs,
    };
    const argv = [process.execPath, `${PROBES_DIR}client.mjs`, JSON.stringify(p)];
    // A socket owned by another user (the `uid` of `ip rule ... uidrange`): the client runs as that uid.
    const c = trace.uid !== undefined && trace.uid !== 0
      ? inNetns(netns, 'setpriv', [`--reuid=${trace.uid}`, `--regid=${trace.uid}`, '--clear-groups', ...argv], ctx.live)
      : inNetns(netns, argv[0], argv.slice(1), ctx.live);
    client = c;
    const icmpSeen = () => icmpFrom(tcpdump.lines, ctx.spec, trace) !== undefined;
    // UDP does not report net/host unreachable or time exceeded to the socket: an ICMP error on the wire ends
    // the wait (after a moment for a socket error to follow). TCP waits for its own verdict.
    await waitUntil([c, tcpdump], () => c.lines.length > 0 || !c.running || (proto === 'udp' && icmpSeen()), timeoutMs + 2000);
    if (c.lines.length === 0 && proto === 'udp') await c.waitFor(() => c.lines.length > 0, 300);
    const res: ClientResult = (safeJson(c.lines[0] ?? '') as ClientResult | undefined) ?? { result: 'timeout' };
    if (res.result === 'connected' || res.result === 'answered') await ctx.listeners.waitForEvent(500);
    else if (proto === 'udp') await ctx.listeners.waitForEvent(100);
    // An error coming back takes a moment to show in tcpdump after the socket saw it.
    if (res.result === 'error') await tcpdump.waitFor(icmpSeen, 200);
    return socketOutcome(ctx, trace, res, icmpFrom(tcpdump.lines, ctx.spec, trace), p);
  } finally {
    await Promise.all([client?.stop(), tcpdump.stop()]);
  }
}

function socketOutcome(
  ctx: ProbeContext, trace: TraceSpec, res: ClientResult, icmp: IcmpObserved | undefined,
  p: { dst: string; dport: number; sport: number },
): KernelOutcome {
  const events = ctx.listeners.events();
  const ev = events[0];
  const what = `${trace.proto} ${p.sport} -> ${p.dst}:${p.dport}`;
  const said = `client ${res.result}${res.errno ? ` ${res.errno}` : ''}${res.ms !== undefined ? ` after ${res.ms} ms` : ''}`;
  const heard = events.length > 0 ? `; ${events.map((e) => `${e.netns} heard ${e.peer} on ${e.local}`).join(', ')}` : '';
  const icmpText = icmp !== undefined ? `; ICMP ${icmp.type} from ${icmp.from}` : '';
  const detail = `${what}: ${said}${heard}${icmpText}`;
  const delivered = (replied?: boolean): KernelOutcome => {
    const out: KernelOutcome = { kind: 'delivered', detail };
    if (ev !== undefined) {
      out.deliveredNetns = ev.netns;
      out.peerSeen = ev.peer;
    }
    if (replied !== undefined) out.replied = replied;
    return out;
  };
  if (res.result === 'connected') return delivered();
  if (trace.proto === 'udp' && ev !== undefined) return delivered(res.result === 'answered');
  if (res.result === 'answered') return delivered(true);
  if (icmp !== undefined) return fromIcmp(ctx.spec, trace, icmp, res.errno, detail);
  if (res.result === 'error') {
    if (res.errno === 'ECONNREFUSED') return { kind: 'refused', errno: res.errno, detail };
    return { kind: 'local-error', errno: res.errno ?? 'EUNKNOWN', detail };
  }
  return { kind: 'timeout', detail };
}

/**
 * An ICMP error seen by the sender: port unreachable is a refusal; an error the sender's own stack made
 * (neighbour failure on-link, a REJECT in its OUTPUT chain) is a local error; the rest came from a router.
 */
function fromIcmp(spec: WorldSpec, trace: TraceSpec, icmp: IcmpObserved, errno: string | undefined, detail: string): KernelOutcome {
  const implied = icmp.icmpType !== undefined && icmp.code !== undefined ? icmpErrno(icmp.icmpType, icmp.code) : undefined;
  const e = errno ?? implied;
  const withErrno = (o: KernelOutcome): KernelOutcome => (e !== undefined ? { ...o, errno: e } : o);
  if (icmp.type === 'port-unreachable') return withErrno({ kind: 'refused', icmp, detail });
  if (isOwnAddress(spec, trace.from, icmp.from)) return withErrno({ kind: 'local-error', icmp, detail });
  return withErrno({ kind: 'icmp-error', icmp, detail });
}

/** The first ICMP error that came in to the source namespace. */
function icmpFrom(lines: string[], spec: WorldSpec, trace: TraceSpec): IcmpObserved | undefined {
  for (const line of lines) {
    const e = parseTcpdumpIcmp(line);
    if (e === undefined || e.direction === 'Out') continue;
    if (!isOwnAddress(spec, trace.from, e.to)) continue;
    const { to: _to, direction: _dir, ...icmp } = e;
    return icmp;
  }
  return undefined;
}

function isOwnAddress(spec: WorldSpec, netns: string, addr: string): boolean {
  if (addr.startsWith('127.')) return true;
  const n = spec.namespaces.find((x) => x.name === netns);
  return n !== undefined && n.links.some((l) => l.addresses.some((a) => formatIpv4(a.addr) === addr));
}

/** The one namespace holding `addr` on a device, or undefined when none or several do. */
export function addressOwner(spec: WorldSpec, addr: string): string | undefined {
  const owners = spec.namespaces.filter((n) => n.links.some((l) => l.addresses.some((a) => formatIpv4(a.addr) === addr)));
  return owners.length === 1 ? owners[0].name : undefined;
}
