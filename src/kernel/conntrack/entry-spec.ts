// A connection a namespace already has, stated as `conntrack -L` prints it (conntrack-tools 1.4.7): what a
// scenario's `conntrack:` lines hold once parsed (parse-entry.ts), what the table is seeded with (seed.ts)
// and what `net realize` turns into `conntrack -I` (oracle/realize-conntrack.ts).

import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../wire/headers.js';
import type { TcpCtState } from './tcp-state.js';
import type { CtStatus, Tuple } from './tuple.js';
import { invertTuple } from './tuple-of.js';

export interface ConntrackSpec {
  /** The line as written. */
  text: string;
  /** IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP. */
  proto: number;
  /** Seconds left at virtual time 0. */
  timeout: number;
  /** TCP only: the tracker's state (tcp_conntrack). */
  tcpState?: TcpCtState;
  orig: Tuple;
  /** As printed; a tuple that is not the inverse of `orig` says the connection is NATed (natOf). */
  reply: Tuple;
  /** `[UNREPLIED]`: IPS_SEEN_REPLY is not set. */
  unreplied: boolean;
  /** `[ASSURED]`: IPS_ASSURED. */
  assured: boolean;
  /** `mark=N` (0 when not printed). */
  mark: number;
  /** `zone=N` (0 when not printed, as conntrack -L omits zone 0). */
  zone: number;
}

/** The protocols a `conntrack:` line may name: libnetfilter_conntrack's proto2str[] for the trackers modelled. */
export const CT_PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['tcp', IPPROTO_TCP],
  ['udp', IPPROTO_UDP],
  ['icmp', IPPROTO_ICMP],
]);

/** What the reply tuple says NAT did to the original one: the IPS_SRC_NAT / IPS_DST_NAT bits. */
export interface NatImplied {
  /** The reply goes to another address or port than the original came from (SNAT, MASQUERADE). */
  snat: boolean;
  /** The reply comes from another address or port than the original went to (DNAT, REDIRECT). */
  dnat: boolean;
}

/**
 * Linux: nf_nat_setup_info() sets IPS_SRC_NAT / IPS_DST_NAT exactly when it rewrote the reply tuple away from
 * the inverse of the original, so the bits can be read back from the two tuples: the reply's destination
 * (address, port, ICMP id) against the original's source, the reply's source against the original's
 * destination. The ICMP id counts as source-side: nf_nat_l4proto_unique_tuple() remaps it for SNAT.
 */
export function natOf(orig: Tuple, reply: Tuple): NatImplied {
  const inv = invertTuple(orig);
  if (orig.proto === IPPROTO_ICMP) {
    return { snat: reply.dst !== inv.dst || reply.sport !== inv.sport, dnat: reply.src !== inv.src };
  }
  return { snat: reply.dst !== inv.dst || reply.dport !== inv.dport, dnat: reply.src !== inv.src || reply.sport !== inv.sport };
}

/**
 * The status bits of an entry made from `spec`, as ctnetlink_create_conntrack() leaves them: CONFIRMED, both
 * NAT manipulations done (ctnetlink_setup_nat() binds each, with a null binding where nothing is asked),
 * SNAT/DNAT as the tuples imply, SEEN_REPLY unless `[UNREPLIED]`, ASSURED when printed.
 */
export function statusOf(spec: ConntrackSpec): Set<CtStatus> {
  const s = new Set<CtStatus>(['CONFIRMED', 'SRC_NAT_DONE', 'DST_NAT_DONE']);
  const nat = natOf(spec.orig, spec.reply);
  if (nat.snat) s.add('SNAT');
  if (nat.dnat) s.add('DNAT');
  if (!spec.unreplied) s.add('SEEN_REPLY');
  if (spec.assured) s.add('ASSURED');
  return s;
}
