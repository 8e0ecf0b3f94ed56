import type { L4 } from '../packet/frame.js';
import { ICMP_ECHO } from '../wire/headers.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { World, buildWorld, ipSend, tcpHeader } from '../kernel/index.js';
import type { WorldSpec } from '../kernel/index.js';
import { Recorder } from './recorder.js';
import { formatEntry, formatTuple } from '../kernel/conntrack/index.js';
import { Rng } from './rng.js';
import { Scheduler } from './scheduler.js';

/** One packet to send: from a socket in `from` to `dst`. The scenario's trace entries are these plus a name. */
export interface ProbeSpec {
  from: string;
  /** Source address; the kernel's source address selection picks one when omitted. */
  src?: number;
  dst: number;
  proto: 'tcp' | 'udp' | 'icmp';
  dport?: number;
  /** Source port (tcp/udp) or echo id (icmp). */
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
}

export interface ProbeRun {
  recorder: Recorder;
  /** The packet as first sent, endpoints as text. */
  packet: { proto: string; src: string; dst: string };
  world: World;
  /** Virtual time when the run stopped (ms). */
  endedAt: number;
}

export interface RunOptions {
  seed?: number;
  /** Virtual time after which the run stops (ms); long enough for ARP to fail and TCP to retry. */
  untilMs?: number;
  /** Device crossings per packet before LOOP. */
  hopBudget?: number;
  /** Scheduler steps before the run is declared a LOOP (broadcast storms). */
  maxSteps?: number;
  /** Decides random rule matches (branch exploration); without it the seeded RNG draws. */
  decide?: (probability: number, rule: string) => boolean;
}

export const DEFAULT_SPORT = 40000;
const DEFAULT_SIZE = { tcp: 0, udp: 32, icmp: 56 } as const;

/**
 * Runs one trace on a fresh World built from the scenario: a socket in `trace.from` sends one packet, the
 * scheduler moves it (and whatever it causes: ARP, answers, ICMP errors) until nothing is left to do.
 */
export function runProbe(worldOrSpec: World | WorldSpec, trace: ProbeSpec, opts: RunOptions = {}): ProbeRun {
  const spec = worldOrSpec instanceof World ? worldOrSpec.spec : worldOrSpec;
  const sched = new Scheduler();
  const rng = new Rng(opts.seed ?? 1);
  const recorder = new Recorder(() => sched.clock.now());
  const world = buildWorld(spec, {
    timers: { now: () => sched.clock.now(), after: (ms, run) => sched.after(ms, run) },
    random: () => rng.next(),
    sink: recorder,
    hopBudget: opts.hopBudget ?? 64,
    decide: opts.decide,
  });
  const ns = world.netns(trace.from);
  if (!ns) throw new Error(`invariant: trace source ${trace.from} is not a namespace (the loader checks this)`);

  const sport = trace.sport ?? DEFAULT_SPORT;
  const size = trace.size ?? DEFAULT_SIZE[trace.proto];
  let l4: L4;
  switch (trace.proto) {
    case 'tcp':
      l4 = { proto: 'tcp', tcp: tcpHeader(sport, trace.dport ?? 0, Math.floor(rng.next() * 0xffffffff), 0, { syn: true }) };
      break;
    case 'udp':
      l4 = { proto: 'udp', udp: { sport, dport: trace.dport ?? 0, length: 8 + size, checksum: 0 } };
      break;
    case 'icmp':
      l4 = { proto: 'icmp', icmp: { type: ICMP_ECHO, code: 0, checksum: 0, rest: ((trace.sport ?? 1) << 16) | 1 } };
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
    ns.sockets.clients.push({ proto: trace.proto, local: src, localPort, remote: trace.dst, remotePort: trace.dport ?? 0, leg: 0 });
  }
  const ended = sched.run({ until: opts.untilMs ?? 30_000, maxSteps: opts.maxSteps ?? 50_000 });
  if (ended === 'budget') {
    recorder.fate(0, { disposition: 'LOOP', reason: 'HOP_BUDGET', netns: ns.name, detail: 'the packet kept multiplying or circling: step budget spent' });
  }
  const now = sched.clock.now();
  for (const n of world.namespaces.values()) {
    if (!n.nf?.ctActive) continue;
    for (const e of n.nf.conntrack.entries(now)) {
      recorder.conntrack.push({
        netns: n.name,
        orig: formatTuple(e.orig),
        reply: formatTuple(e.reply),
        state: e.tcp ? e.tcp.state : e.status.has('SEEN_REPLY') ? 'REPLIED' : 'UNREPLIED',
        status: [...e.status].sort(),
        line: formatEntry(e, now),
      });
    }
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
