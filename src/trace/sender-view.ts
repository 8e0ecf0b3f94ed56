// What the sending application experiences, beside the hop-by-hop truth: a packet may be delivered and its
// answer lost, or refused with a RST that never arrives. The socket sees only what comes back to it.

import type { Leg, Trace } from './model.js';

export type SenderOutcome = 'connected' | 'answered' | 'refused' | 'error' | 'timeout';

/** The `sender` field of a trace (schema packetwalk.trace/v1, added). */
export interface SenderView {
  outcome: SenderOutcome;
  /** The errno the socket call returns, when it returns one. */
  errno: string | null;
  /** In words: which call, what it returns, and why. */
  text: string;
  /** True when something was sent back (an answer, a RST, an ICMP error) and never reached the sender. */
  lostOnTheWayBack: boolean;
}

const STRERROR: Record<string, string> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  ECONNREFUSED: 'Connection refused',
  ENOPROTOOPT: 'Protocol not available',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EMSGSIZE: 'Message too long',
  EPERM: 'Operation not permitted',
  EHOSTDOWN: 'Host is down',
  ENONET: 'Machine is not on the network',
  EOPNOTSUPP: 'Operation not supported',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ETIMEDOUT: 'Connection timed out',
};

/** icmp_err_convert[] (net/ipv4/icmp.c): errno and whether the error is fatal (hard), by unreachable code. */
const UNREACH: readonly [string, boolean][] = [
  ['ENETUNREACH', false], ['EHOSTUNREACH', false], ['ENOPROTOOPT', true], ['ECONNREFUSED', true],
  ['EMSGSIZE', false], ['EOPNOTSUPP', false], ['ENETUNREACH', true], ['EHOSTDOWN', true], ['ENONET', true],
  ['ENETUNREACH', true], ['EHOSTUNREACH', true], ['ENETUNREACH', false], ['EHOSTUNREACH', false],
  ['EHOSTUNREACH', true], ['EHOSTUNREACH', true], ['EHOSTUNREACH', true],
];

/** The errno an output route failure or a local drop hands the application (ip_route_output_key(), ip_local_out()). */
const LOCAL_ERRNO: Record<string, string> = {
  IP_OUTNOROUTES: 'ENETUNREACH',
  UNREACHABLE_ROUTE: 'EHOSTUNREACH',
  PROHIBIT_ROUTE: 'EACCES',
  BLACKHOLE_ROUTE: 'EINVAL',
  PKT_TOO_BIG: 'EMSGSIZE',
  IP_INVALID_SOURCE: 'EADDRNOTAVAIL',
  NEIGH_FAILED: 'EHOSTUNREACH',
};

const withText = (errno: string): string => `${errno} (${STRERROR[errno] ?? errno})`;

function timeout(proto: string, why: string, lost: boolean): SenderView {
  const text =
    proto === 'tcp'
      ? `${why}: connect() retransmits the SYN (at 1 s, 3 s, 7 s and on, with tcp_syn_retries 6) and fails with ETIMEDOUT (Connection timed out) after about 127 s`
      : proto === 'udp'
        ? `${why}: recv() waits until the application gives up (UDP does not retransmit)`
        : proto === 'sctp'
          ? `${why}: an SCTP stack would resend the INIT (net.sctp.rto_initial 3 s, doubling, max_init_retransmits 8) and fail connect() with ETIMEDOUT`
          : `${why}: ping prints nothing for it and ends with 100% packet loss`;
  return { outcome: 'timeout', errno: proto === 'tcp' ? 'ETIMEDOUT' : null, text, lostOnTheWayBack: lost };
}

function legEnd(leg: Leg): string {
  const last = [...leg.hops].reverse().find((h) => h.netns !== '');
  const where = last ? ` in ${last.netns}${last.dev ? ` at ${last.dev}` : ''}` : '';
  return `${leg.disposition}${leg.reason !== null ? ` (${leg.reason})` : ''}${where}`;
}

/** An ICMP error that reached the sending socket: what the call returns (tcp_v4_err(), __udp4_lib_err(), ping). */
function icmpSeen(proto: string, icmp: NonNullable<Trace['icmp']>): SenderView {
  const from = `${icmp.type} from ${icmp.from}`;
  const [errno, fatal] =
    icmp.icmpType === 3 ? (UNREACH[icmp.code] ?? ['EHOSTUNREACH', false]) : icmp.icmpType === 11 ? ['EHOSTUNREACH', false] : ['EHOSTUNREACH', false];
  const refused = errno === 'ECONNREFUSED';
  const outcome: SenderOutcome = refused ? 'refused' : 'error';
  if (proto === 'tcp') {
    if (icmp.icmpType === 3 && icmp.code === 4) {
      return { outcome: 'error', errno: null, text: `${from}: the path MTU is lowered and the data resent smaller; connect() itself goes on`, lostOnTheWayBack: false };
    }
    // tcp_v4_err(): in SYN-SENT any destination unreachable or time exceeded ends the connect.
    return { outcome, errno, text: `connect() fails with ${withText(errno)}: ${from}`, lostOnTheWayBack: false };
  }
  if (proto === 'sctp') {
    // sctp_v4_err(): protocol unreachable aborts an association in COOKIE_WAIT (sctp_sf_cookie_wait_icmp_abort(),
    // ENOPROTOOPT); other errors are soft, the INIT is resent.
    if (icmp.icmpType === 3 && icmp.code === 2) return { outcome: 'error', errno: 'ENOPROTOOPT', text: `connect() fails with ${withText('ENOPROTOOPT')}: ${from}`, lostOnTheWayBack: false };
    return { outcome: 'timeout', errno: null, text: `${from} is a soft error for SCTP: the INIT is resent until max_init_retransmits runs out`, lostOnTheWayBack: false };
  }
  if (proto === 'udp') {
    // __udp4_lib_err(): without IP_RECVERR only a hard error reaches a connected socket.
    if (!fatal) {
      return {
        outcome: 'timeout', errno: null, lostOnTheWayBack: false,
        text: `${from} reaches the socket but is a soft error: without IP_RECVERR recv() ignores it and waits until the application gives up`,
      };
    }
    return { outcome, errno, text: `the next send() or recv() fails with ${withText(errno)}: ${from}`, lostOnTheWayBack: false };
  }
  return { outcome, errno, text: `ping prints the error (${from}) and counts the packet as lost`, lostOnTheWayBack: false };
}

/** What the socket that sent `t` observes (the probe's sockets: a TCP connect(), a connected UDP socket, ping). */
export function senderView(t: Trace): SenderView {
  const proto = t.packet.proto;
  const from = t.hops[0]?.netns ?? '';
  const back = t.reply;
  if (back !== null && back.disposition !== 'DELIVERED') {
    const what = back.kind === 'rst' ? 'the RST' : back.kind === 'icmp-error' ? 'the ICMP error' : back.kind === 'syn-ack' ? 'the SYN-ACK' : back.kind === 'init-ack' ? 'the INIT ACK' : back.kind === 'abort' ? 'the ABORT' : back.kind === 'echo-reply' ? 'the echo reply' : 'the answer';
    return timeout(proto, `${what} never comes back (it ends ${legEnd(back)})`, true);
  }
  if (t.disposition === 'DELIVERED') {
    if (back === null) {
      return proto === 'udp'
        ? { outcome: 'answered', errno: null, text: 'the datagram is delivered; no answer is sent, so recv() waits', lostOnTheWayBack: false }
        : timeout(proto, 'delivered, but nothing answers', false);
    }
    if (proto === 'tcp') return { outcome: 'connected', errno: null, text: 'connect() succeeds: the SYN-ACK came back', lostOnTheWayBack: false };
    // sctp_sf_do_5_1C_ack(): the INIT ACK moves the association to COOKIE-ECHOED; the COOKIE ACK completes it.
    if (proto === 'sctp' && back.kind === 'init-ack') return { outcome: 'connected', errno: null, text: 'connect() goes on: the INIT ACK came back (the COOKIE ECHO / COOKIE ACK exchange is not modelled)', lostOnTheWayBack: false };
    if (proto === 'udp') return { outcome: 'answered', errno: null, text: 'recv() gets the answer', lostOnTheWayBack: false };
    return { outcome: 'answered', errno: null, text: 'ping prints the echo reply', lostOnTheWayBack: false };
  }
  if (t.icmp !== null) {
    if (/rst|reset/i.test(t.icmp.type)) return { outcome: 'refused', errno: 'ECONNREFUSED', text: 'connect() fails with ECONNREFUSED (Connection refused): a RST came back', lostOnTheWayBack: false };
    return icmpSeen(proto, t.icmp);
  }
  if (back !== null && back.kind === 'abort') {
    // sctp_sf_cookie_wait_abort(): an ABORT in COOKIE-WAIT fails connect() with ECONNREFUSED.
    return { outcome: 'refused', errno: 'ECONNREFUSED', text: 'connect() fails with ECONNREFUSED (Connection refused): an ABORT came back', lostOnTheWayBack: false };
  }
  if (back !== null && back.kind === 'rst') {
    return { outcome: 'refused', errno: 'ECONNREFUSED', text: 'connect() fails with ECONNREFUSED (Connection refused): a RST came back', lostOnTheWayBack: false };
  }
  const senderOnly = t.hops.every((h) => h.netns === from);
  if (senderOnly && t.reason !== null) {
    const errno = LOCAL_ERRNO[t.reason] ?? (t.reason === 'NETFILTER_DROP' && proto !== 'tcp' ? 'EPERM' : undefined);
    if (errno !== undefined) {
      const call = proto === 'tcp' || proto === 'sctp' ? 'connect()' : proto === 'udp' ? 'send()' : 'ping';
      return { outcome: 'error', errno, text: `${call} fails at once with ${withText(errno)}: nothing left ${from}`, lostOnTheWayBack: false };
    }
  }
  return timeout(proto, `nothing comes back (the packet ends ${legEnd(t)})`, false);
}

/** Does the text summary need a sender line: does what the sender sees differ from the hop-by-hop ending? */
export function senderLineNeeded(v: SenderView): boolean {
  return v.lostOnTheWayBack || v.outcome === 'timeout';
}
