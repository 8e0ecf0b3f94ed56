// The emulator's Trace seen the way a real socket sees a packet's fate, and the comparison with what the kernel
// did. A socket observes much less than a trace says: the connect succeeded (SYN and SYN-ACK both made it), a
// refusal (RST, or port unreachable from whoever sent it), another ICMP error and its sender, an error from the
// sender's own stack before anything left, or nothing at all.

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { Leg, Trace } from '../trace/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { IcmpObserved, KernelOutcome, OutcomeKind } from './probe.js';
import { icmpErrno } from './probe.js';
import { randomFullyNat } from './random-ports.js';

/**
 * What the emulator predicts a socket observes. `exits-network` (the packet left the modelled world) has no
 * kernel counterpart of its own: in real namespaces nothing answers beyond the world's edge.
 */
export interface ExpectedOutcome extends Omit<KernelOutcome, 'kind'> {
  kind: OutcomeKind | 'exits-network';
  /** False when the delivering namespace cannot be told from the answer alone (an echo reply after DNAT). */
  netnsComparable?: boolean;
  /**
   * Set when the port of `peerSeen` is the kernel's random pick (a --random-fully source NAT on the way,
   * random-ports.ts): the namespace that NATed. Only the peer's address is compared then.
   */
  peerPortRandom?: string;
}

export interface EmulatorOutcomeContext {
  /** The trace's source namespace; the first hop's when omitted. */
  from?: string;
  /** The world, to tell the sender's own addresses from a router's. */
  spec?: WorldSpec;
}

export interface Comparison {
  agree: boolean;
  /** The first field that differs. */
  field?: string;
  emulator: string;
  kernel: string;
}

/** Linux: the errno connect()/sendmsg() return when the sender's own output route fails (ip_route_output_key). */
const ROUTE_ERRNO: Record<string, string> = {
  UNREACHABLE_ROUTE: 'EHOSTUNREACH',
  PROHIBIT_ROUTE: 'EACCES',
  BLACKHOLE_ROUTE: 'EINVAL',
};

/** The emulator's Trace as a socket would observe it. */
export function emulatorOutcome(trace: Trace, ctx: EmulatorOutcomeContext = {}): ExpectedOutcome {
  const from = ctx.from ?? trace.hops[0]?.netns ?? '';
  const proto = trace.packet.proto;
  const detail = `${trace.disposition}${trace.reason !== null ? ` (${trace.reason})` : ''}`;
  switch (trace.disposition) {
    case 'DELIVERED':
      return delivered(trace, proto, detail);
    case 'EXITS_NETWORK':
      return { kind: 'exits-network', detail };
    case 'LOOP':
      return { kind: 'timeout', detail };
    case 'REFUSED':
    case 'REJECTED':
    case 'DROPPED':
    case 'NO_ROUTE':
    case 'TTL_EXCEEDED':
    case 'NEIGH_FAILED':
      return failed(trace, from, proto, detail, ctx.spec);
  }
}

/**
 * DELIVERED: a TCP connect and a ping need the answer back too; without it the sender sees nothing. A UDP
 * listener sees the datagram either way, and whether its answer returned is reported on the side.
 */
function delivered(trace: Trace, proto: string, detail: string): ExpectedOutcome {
  const replyFailed = trace.reply !== null && trace.reply.disposition !== 'DELIVERED';
  if (replyFailed && proto !== 'udp') {
    return { kind: 'timeout', detail: `${detail}, but the ${trace.reply?.kind ?? 'reply'} ${legText(trace.reply as Leg)}` };
  }
  const out: ExpectedOutcome = { kind: 'delivered', detail };
  if (trace.deliveredTo !== null) {
    out.deliveredNetns = trace.deliveredTo.netns;
    out.peerSeen = trace.deliveredTo.peerSeen;
    const natAt = randomFullyNat(trace);
    if (natAt !== undefined && out.peerSeen.includes(':')) out.peerPortRandom = natAt;
  }
  if (proto === 'udp' && trace.reply !== null) out.replied = !replyFailed;
  // An echo reply says only who answered after un-NAT; with a DNAT on the way that is not the responder.
  if (proto === 'icmp' && trace.conntrack.some((c) => c.status.includes('DNAT'))) out.netnsComparable = false;
  return out;
}

function failed(trace: Trace, from: string, proto: string, detail: string, spec?: WorldSpec): ExpectedOutcome {
  const icmp = trace.icmp;
  // The ICMP error or RST has its own way back (the reply leg); if it dies on the way, the sender sees nothing.
  const back = trace.reply;
  if (back !== null && back.disposition !== 'DELIVERED') {
    return { kind: 'timeout', detail: `${detail}; its ${back.kind} ${legText(back)}` };
  }
  if (icmp !== null) {
    if (isReset(icmp.type)) return { kind: 'refused', detail };
    const seen: IcmpObserved = { type: icmp.type, from: icmp.from, icmpType: icmp.icmpType, code: icmp.code };
    if (icmp.mtu !== undefined) seen.mtu = icmp.mtu;
    const errno = icmpErrno(icmp.icmpType, icmp.code);
    const withErrno = (o: ExpectedOutcome): ExpectedOutcome => (errno !== undefined ? { ...o, errno } : o);
    if (icmp.icmpType === 3 && icmp.code === 3) return withErrno({ kind: 'refused', icmp: seen, detail });
    if (isSendersOwn(trace, from, icmp.from, spec)) return withErrno({ kind: 'local-error', icmp: seen, detail });
    return withErrno({ kind: 'icmp-error', icmp: seen, detail });
  }
  if (trace.disposition === 'REFUSED' || (back !== null && isReset(back.kind))) return { kind: 'refused', detail };
  const senderOnly = trace.hops.every((h) => h.netns === from);
  if (!senderOnly) return { kind: 'timeout', detail };
  // Nothing left the sender: its own stack failed the connect() or sendmsg().
  switch (trace.disposition) {
    case 'NO_ROUTE':
      return { kind: 'local-error', errno: ROUTE_ERRNO[trace.reason ?? ''] ?? 'ENETUNREACH', detail };
    case 'NEIGH_FAILED':
      return { kind: 'local-error', errno: 'EHOSTUNREACH', detail };
    case 'DROPPED':
      if (trace.reason === 'PKT_TOO_BIG') return { kind: 'local-error', errno: 'EMSGSIZE', detail };
      if (trace.reason !== null && trace.reason in ROUTE_ERRNO) {
        return { kind: 'local-error', errno: ROUTE_ERRNO[trace.reason], detail };
      }
      // ip_local_out() returns -EPERM for an OUTPUT drop: sendmsg() fails, while tcp_connect() ignores it and
      // the SYN is retransmitted into the same drop.
      if (trace.reason === 'NETFILTER_DROP' && proto !== 'tcp') return { kind: 'local-error', errno: 'EPERM', detail };
      return { kind: 'timeout', detail };
    default:
      return { kind: 'timeout', detail };
  }
}

function isReset(type: string): boolean {
  return /rst|reset/i.test(type);
}

/** The ICMP came from the sender's own stack: one of its addresses, or generated in its namespace. */
function isSendersOwn(trace: Trace, from: string, icmpFrom: string, spec?: WorldSpec): boolean {
  if (icmpFrom.startsWith('127.')) return true;
  const sent = trace.hops.find((h) => h.stage === 'icmp-send');
  if (sent !== undefined) return sent.netns === from;
  const ns = spec?.namespaces.find((n) => n.name === from);
  return ns !== undefined && ns.links.some((l) => l.addresses.some((a) => formatIpv4(a.addr) === icmpFrom));
}

function legText(leg: Leg): string {
  return `ends ${leg.disposition}${leg.reason !== null ? ` (${leg.reason})` : ''}`;
}

/** Compares the fields a socket can observe; a field either side could not observe is not compared. */
export function compareOutcomes(emu: ExpectedOutcome, kernel: KernelOutcome): Comparison {
  const emulator = describeOutcome(emu);
  const kernelText = describeOutcome(kernel);
  const differ = (field: string): Comparison => ({ agree: false, field, emulator, kernel: kernelText });
  const same: Comparison = { agree: true, emulator, kernel: kernelText };

  if (emu.kind === 'exits-network') {
    // Beyond the world's edge nothing answers: silence, or a failed neighbour lookup for a missing gateway.
    const ok = kernel.kind === 'timeout'
      || ((kernel.kind === 'icmp-error' || kernel.kind === 'local-error') && kernel.icmp?.type === 'host-unreachable');
    return ok ? same : differ('kind');
  }
  if (emu.kind !== kernel.kind) return differ('kind');
  switch (emu.kind) {
    case 'delivered':
      if (emu.netnsComparable !== false && bothDefined(emu.deliveredNetns, kernel.deliveredNetns)
        && emu.deliveredNetns !== kernel.deliveredNetns) return differ('deliveredNetns');
      if (bothDefined(emu.peerSeen, kernel.peerSeen)
        && !sameEndpoint(emu.peerPortRandom !== undefined ? addressOf(emu.peerSeen) : emu.peerSeen, kernel.peerSeen)) return differ('peerSeen');
      if (bothDefined(emu.replied, kernel.replied) && emu.replied !== kernel.replied) return differ('replied');
      return same;
    case 'refused':
      // A RST says nothing of its sender; a port unreachable does.
      if ((emu.icmp === undefined) !== (kernel.icmp === undefined)) return differ('icmp');
      if (emu.icmp !== undefined && kernel.icmp !== undefined && emu.icmp.from !== kernel.icmp.from) return differ('icmp.from');
      return same;
    case 'icmp-error':
      if (emu.icmp === undefined || kernel.icmp === undefined) return emu.icmp === kernel.icmp ? same : differ('icmp');
      if (!sameIcmpType(emu.icmp, kernel.icmp)) return differ('icmp.type');
      if (emu.icmp.from !== kernel.icmp.from) return differ('icmp.from');
      if (bothDefined(emu.icmp.mtu, kernel.icmp.mtu) && emu.icmp.mtu !== kernel.icmp.mtu) return differ('icmp.mtu');
      return same;
    case 'local-error':
      if (bothDefined(emu.errno, kernel.errno) && emu.errno !== kernel.errno) return differ('errno');
      return same;
    case 'timeout':
      return same;
  }
}

function bothDefined<T>(a: T | undefined, b: T | undefined): boolean {
  return a !== undefined && b !== undefined;
}

/** "10.0.1.2:40000" against "10.0.1.2": a side that gave no port is compared by address. */
function sameEndpoint(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const [aa, ap] = a.split(':');
  const [ba, bp] = b.split(':');
  return aa === ba && (ap === undefined || bp === undefined || ap === bp);
}

function addressOf(endpoint: string | undefined): string | undefined {
  return endpoint?.split(':')[0];
}

function sameIcmpType(a: IcmpObserved, b: IcmpObserved): boolean {
  if (a.icmpType !== undefined && a.code !== undefined && b.icmpType !== undefined && b.code !== undefined) {
    return a.icmpType === b.icmpType && a.code === b.code;
  }
  return a.type === b.type;
}

/** One line for the agreement table: "delivered right peer 10.0.1.2:40000", "icmp-error time-exceeded from 10.0.1.1". */
export function describeOutcome(o: ExpectedOutcome | KernelOutcome): string {
  switch (o.kind) {
    case 'delivered': {
      const parts = ['delivered'];
      if (o.deliveredNetns !== undefined) parts.push(o.deliveredNetns);
      if (o.peerSeen !== undefined) {
        const random = 'peerPortRandom' in o && o.peerPortRandom !== undefined;
        parts.push(`peer ${random ? `${addressOf(o.peerSeen) ?? ''}:*` : o.peerSeen}`);
      }
      if (o.replied !== undefined) parts.push(o.replied ? 'answered' : 'unanswered');
      return parts.join(' ');
    }
    case 'refused':
      return o.icmp !== undefined ? `refused (${o.icmp.type} from ${o.icmp.from})` : 'refused (rst)';
    case 'icmp-error':
      return o.icmp !== undefined
        ? `icmp-error ${o.icmp.type}${o.icmp.mtu !== undefined ? ` mtu ${o.icmp.mtu}` : ''} from ${o.icmp.from}`
        : 'icmp-error';
    case 'local-error':
      return `local-error ${o.errno ?? '?'}${o.icmp !== undefined ? ` (${o.icmp.type} from ${o.icmp.from})` : ''}`;
    default:
      return o.kind;
  }
}
