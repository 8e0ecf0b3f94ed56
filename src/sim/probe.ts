import type { L4 } from '../packet/frame.js';
import type { TcpFlags } from '../wire/headers.js';
import { ICMP_ECHO, SCTP_CID_INIT, SCTP_INIT_VALUE_LEN } from '../wire/headers.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { World, buildWorld, checkpointWorld, ipSend, staticEnv, tcpHeader } from '../kernel/index.js';
import type { KernelEnv, WorldSpec } from '../kernel/index.js';
import type { WalkMemo } from '../kernel/netfilter/index.js';
import { Recorder } from './recorder.js';
import { Rng } from './rng.js';
import { Scheduler } from './scheduler.js';

/** One packet to send: from a socket in `from` to `dst`. The scenario's trace entries are these plus a name. */
export interface ProbeSpec {
  from: string;
  /** Source address; the kernel's source address selection picks one when omitted. */
  src?: number;
  dst: number;
  /** `sctp` sends an INIT (verification tag 0, RFC 9260 §8.5.1), as a raw socket would: no SCTP stack is modelled. */
  proto: 'tcp' | 'udp' | 'icmp' | 'sctp';
  dport?: number;
  /** Source port (tcp/udp/sctp) or echo id (icmp). */
  sport?: number;
  ttl?: number;
  /** true: IP_PMTUDISC_DO (ping -M do); false: IP_PMTUDISC_DONT; omitted: Linux's default, IP_PMTUDISC_WANT. */
  df?: boolean;
  /** Application payload bytes. */
  size?: number;
  /** SO_MARK */
  mark?: number;
  /** The sending socket's owner (sk_uid), for `ip rule ... uidrange`; root (0) when omitted. */
  uid?: number;
  /**
   * TCP flags of the segment, as tcpdump letters (`S`, `A`, `SA`, `R`, `RA`, `F`, `FA`, `P`, `U`); a SYN when
   * omitted. A segment without SYN continues the source's connection on the same ports when it has one (its
   * sequence and acknowledgment numbers), else it carries numbers of a connection nobody knows.
   */
  flags?: string;
}

/** tcpdump's letters for the TCP flags a trace may set. */
export const TCP_FLAG_LETTERS: Readonly<Record<string, keyof TcpFlags>> = { F: 'fin', S: 'syn', R: 'rst', P: 'psh', A: 'ack', U: 'urg', E: 'ece', W: 'cwr' };

/** The flags of `letters` (checked by the loader and the CLI). */
export function tcpFlagsOf(letters: string): Partial<TcpFlags> {
  const out: Partial<TcpFlags> = {};
  for (const ch of letters) {
    const f = TCP_FLAG_LETTERS[ch];
    if (f === undefined) throw new Error(`invariant: TCP flag letter ${ch} (the loader checks them)`);
    out[f] = true;
  }
  return out;
}

/** A 1-based column and message for the first letter that is no TCP flag, or a repeated one; undefined when fine. */
export function tcpFlagsProblem(letters: string): { column: number; message: string } | undefined {
  if (letters === '') return { column: 1, message: 'expected TCP flags as tcpdump letters: S, A, SA, R, RA, F, FA, P, U, E, W' };
  for (let i = 0; i < letters.length; i++) {
    const ch = letters[i];
    if (TCP_FLAG_LETTERS[ch] === undefined) return { column: i + 1, message: `"${ch}" is not a TCP flag (F S R P A U E W, as tcpdump prints them)` };
    if (letters.indexOf(ch) < i) return { column: i + 1, message: `flag "${ch}" given twice` };
  }
  return undefined;
}

export interface ProbeRun {
  recorder: Recorder;
  /** The packet as first sent, endpoints as text. */
  packet: { proto: string; src: string; dst: string };
  /**
   * The World the packet crossed. Given a shared World, it is rolled back when the run returns (unless
   * `keep`), so it shows the state before the run; given a spec, it is the run's own World, as the run left it.
   */
  world: World;
  /** Virtual time when the run stopped (ms). */
  endedAt: number;
}

export interface RunOptions {
  seed?: number;
  /** Virtual time after which the run stops (ms); long enough for ARP to fail and TCP to retry. */
  untilMs?: number;
  /** Device crossings per packet between TTL decrements before LOOP (EMULATOR_HOP_BUDGET). */
  hopBudget?: number;
  /** Scheduler steps before the run is declared a LOOP (broadcast storms). */
  maxSteps?: number;
  /** Decides random rule matches (branch exploration); without it the seeded RNG draws. */
  decide?: (probability: number, rule: string) => boolean;
  /**
   * Leave the World as the run left it instead of rolling it back (`net show --after`, timelines). Only for a
   * World no other run shares.
   */
  keep?: boolean;
  /**
   * The scheduler (and so the virtual clock) to run on: a timeline's, which persists from trace to trace.
   * Without it each run starts at time 0 on a scheduler of its own. The run lasts `untilMs` from the
   * scheduler's current time; work still queued then is dropped with the run.
   */
  scheduler?: Scheduler;
  /** Without `scheduler`: the virtual time the run's own scheduler starts at (a point in a timeline). */
  startAt?: number;
  /**
   * Also run the kernel's housekeeping (neighbour DELAY/PROBE timers) up to `untilMs`: the state at that time.
   * Without it a run ends when nothing waits on the packets any more, as a trace should.
   */
  settle?: boolean;
  /** iptables-restore, memoised by a caller that runs many probes on one spec (see KernelEnv.restore). */
  restore?: KernelEnv['restore'];
  /** Told every chain netfilter walks (see kernel/netfilter/observe.ts). */
  nfObserver?: KernelEnv['nfObserver'];
  /** false: netfilter hops without the rule-by-rule walk (KernelEnv.ruleWalk); for runs read for their outcome. */
  ruleWalk?: boolean;
  /**
   * Branch exploration: chain walks shared between the runs of one exploration on one World (KernelEnv.walkMemo);
   * every choice `decide` answers is noted in it.
   */
  walkMemo?: WalkMemo;
  /** false: the recorder keeps no frames (`recorder.captures` stays empty), for runs nobody writes a pcap of. */
  captures?: boolean;
}

export const DEFAULT_SPORT = 40000;
const DEFAULT_SIZE = { tcp: 0, udp: 32, icmp: 56, sctp: SCTP_INIT_VALUE_LEN } as const;

/**
 * Runs one trace: a socket in `trace.from` sends one packet, the scheduler moves it (and whatever it causes:
 * ARP, answers, ICMP errors) until nothing is left to do. On a World (built once per scenario) the run takes
 * a checkpoint, swaps in its own environment, and rolls the World back when it returns; on a spec it builds a
 * World of its own.
 */
export function runProbe(worldOrSpec: World | WorldSpec, trace: ProbeSpec, opts: RunOptions = {}): ProbeRun {
  const shared = worldOrSpec instanceof World;
  const world = shared ? worldOrSpec : buildWorld(worldOrSpec, { ...staticEnv(), restore: opts.restore });
  const sched = opts.scheduler ?? new Scheduler();
  if (opts.scheduler === undefined && opts.startAt !== undefined) sched.clock.advanceTo(opts.startAt);
  const rng = new Rng(opts.seed ?? 1);
  const recorder = new Recorder(() => sched.clock.now(), { captures: opts.captures });
  const env: KernelEnv = {
    timers: { now: () => sched.clock.now(), after: (ms, run, background) => sched.after(ms, run, background) },
    random: () => rng.next(),
    sink: recorder,
    hopBudget: opts.hopBudget ?? 64,
    decide: memoDecide(opts),
    restore: opts.restore,
    nfObserver: opts.nfObserver,
    ruleWalk: opts.ruleWalk,
    walkMemo: opts.walkMemo,
  };
  opts.walkMemo?.startRun();
  const checkpoint = shared && !opts.keep ? checkpointWorld(world) : null;
  const before = world.useEnv(env);
  try {
    return sendAndRun(world, sched, rng, recorder, trace, opts);
  } finally {
    world.useEnv(before);
    checkpoint?.rollback();
  }
}

/** `opts.decide`, telling the walk memo each answer when there is one. */
function memoDecide(opts: RunOptions): RunOptions['decide'] {
  const { decide, walkMemo } = opts;
  if (!decide || !walkMemo) return decide;
  return (probability, rule) => {
    const choice = decide(probability, rule);
    walkMemo.noteChoice(choice);
    return choice;
  };
}

function sendAndRun(world: World, sched: Scheduler, rng: Rng, recorder: Recorder, trace: ProbeSpec, opts: RunOptions): ProbeRun {
  const startedAt = sched.clock.now();
  const ns = world.netns(trace.from);
  if (!ns) throw new Error(`invariant: trace source ${trace.from} is not a namespace (the loader checks this)`);
  ns.touch();

  const sport = trace.sport ?? DEFAULT_SPORT;
  const size = trace.size ?? DEFAULT_SIZE[trace.proto];
  let l4: L4;
  switch (trace.proto) {
    case 'tcp': {
      const flags = trace.flags === undefined ? { syn: true } : tcpFlagsOf(trace.flags);
      const isn = Math.floor(rng.next() * 0xffffffff);
      const conn = flags.syn ? undefined : ns.sockets.clients.find((c) => c.proto === 'tcp' && c.localPort === sport && c.remote === trace.dst && c.remotePort === (trace.dport ?? 0) && c.tcp);
      const seq = conn?.tcp ? conn.tcp.sndNxt : isn;
      const ack = conn?.tcp ? conn.tcp.rcvNxt : flags.ack ? Math.floor(rng.next() * 0xffffffff) : 0;
      l4 = { proto: 'tcp', tcp: tcpHeader(sport, trace.dport ?? 0, seq, ack, flags) };
      break;
    }
    case 'udp':
      l4 = { proto: 'udp', udp: { sport, dport: trace.dport ?? 0, length: 8 + size, checksum: 0 } };
      break;
    case 'icmp':
      l4 = { proto: 'icmp', icmp: { type: ICMP_ECHO, code: 0, checksum: 0, rest: ((trace.sport ?? 1) << 16) | 1 } };
      break;
    case 'sctp':
      l4 = { proto: 'sctp', sctp: { sport, dport: trace.dport ?? 0, vtag: 0, checksum: 0, chunk: SCTP_CID_INIT } };
      break;
  }
  const src = ipSend(ns, 0, {
    src: trace.src ?? 0,
    dst: trace.dst,
    l4,
    payloadLength: size,
    ttl: trace.ttl,
    pmtudisc: trace.df === undefined ? 'want' : trace.df ? 'do' : 'dont',
    mark: trace.mark ?? 0,
    uid: trace.uid ?? 0,
  });
  if (src !== null) {
    const localPort = trace.proto === 'icmp' ? trace.sport ?? 1 : sport;
    // The same socket again (a timeline's later trace on the same ports) keeps its connection state.
    const known = ns.sockets.client(trace.proto, src, localPort, trace.dst, trace.dport ?? 0);
    if (known) known.leg = 0;
    else ns.sockets.clients.push({ proto: trace.proto, local: src, localPort, remote: trace.dst, remotePort: trace.dport ?? 0, leg: 0 });
  }
  const ended = sched.run({ until: startedAt + (opts.untilMs ?? 30_000), maxSteps: sched.steps + (opts.maxSteps ?? 50_000), background: opts.settle });
  // Work left (timers of this run) reports to this run's recorder: it ends with the run.
  sched.clear();
  if (ended === 'budget') {
    recorder.fate(0, { disposition: 'LOOP', reason: 'EMULATOR_STEP_BUDGET', netns: ns.name, detail: 'the emulator\'s limit: its step budget is spent (the packet kept multiplying or circling); not a fate Linux gives a packet' });
  }
  const now = sched.clock.now();
  for (const n of world.namespacesWithNetfilter()) {
    if (!n.nf?.ctActive || n.nf.conntrack.size === 0) continue;
    // The listing is memoised by the table (a table this run never reached lists the same as last run's). A
    // row's status names are a frozen array shared by every row of the same bits: taken as they are (the trace
    // types them readonly, and a write would throw rather than reach another trace).
    for (const r of n.nf.conntrack.listing(now)) recorder.conntrack.push({ netns: n.name, orig: r.orig, reply: r.reply, state: r.state, status: r.status, line: r.line });
  }
  const srcText = formatIpv4(src ?? trace.src ?? 0);
  const dstText = formatIpv4(trace.dst);
  const withPort = trace.proto !== 'icmp';
  return {
    recorder,
    world,
    endedAt: now,
    packet: {
      proto: trace.proto,
      src: withPort ? `${srcText}:${sport}` : srcText,
      dst: withPort ? `${dstText}:${trace.dport ?? 0}` : dstText,
    },
  };
}
