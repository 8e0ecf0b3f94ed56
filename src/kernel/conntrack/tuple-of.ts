// Linux: nf_ct_get_tuple() and the protocols' pkt_to_tuple / invert_tuple callbacks
// (nf_conntrack_core.c, nf_conntrack_proto_icmp.c).

import type { IpPacket } from '../../packet/frame.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
  IPPROTO_ICMP,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from '../../wire/headers.js';
import type { Tuple } from './tuple.js';
import { fieldsKey, tupleKey, zonedKey } from './tuple-key.js';

const ICMP_TIMESTAMP = 13;
const ICMP_TIMESTAMPREPLY = 14;
const ICMP_INFO_REQUEST = 15;
const ICMP_INFO_REPLY = 16;
const ICMP_ADDRESS = 17;
const ICMP_ADDRESSREPLY = 18;

/** Linux: invmap[] in icmp_invert_tuple(): the answer to each ICMP query type, and back. */
const ICMP_INVERSE: ReadonlyMap<number, number> = new Map([
  [ICMP_ECHO, ICMP_ECHOREPLY],
  [ICMP_ECHOREPLY, ICMP_ECHO],
  [ICMP_TIMESTAMP, ICMP_TIMESTAMPREPLY],
  [ICMP_TIMESTAMPREPLY, ICMP_TIMESTAMP],
  [ICMP_INFO_REQUEST, ICMP_INFO_REPLY],
  [ICMP_INFO_REPLY, ICMP_INFO_REQUEST],
  [ICMP_ADDRESS, ICMP_ADDRESSREPLY],
  [ICMP_ADDRESSREPLY, ICMP_ADDRESS],
]);

/** Linux: the query types icmp_new()/nf_conntrack_icmp_packet() accept as the first packet of a connection. */
const ICMP_VALID_NEW: ReadonlySet<number> = new Set([ICMP_ECHO, ICMP_TIMESTAMP, ICMP_INFO_REQUEST, ICMP_ADDRESS]);

/** Linux: the types icmp_error() treats as errors quoting an offending packet (icmp_is_err()). */
const ICMP_ERRORS: ReadonlySet<number> = new Set([ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB]);

/** The answer type of an ICMP query (echo 8 <-> echo reply 0, ...), undefined for types that have none. */
export function icmpInverseType(type: number): number | undefined {
  return ICMP_INVERSE.get(type);
}

/** True for the ICMP query types that may open a connection (echo, timestamp, info, address mask requests). */
export function icmpOpensConnection(type: number): boolean {
  return ICMP_VALID_NEW.has(type);
}

/** True when the packet is an ICMP error (it quotes the packet that caused it). */
export function isIcmpError(p: IpPacket): boolean {
  return p.l4.proto === 'icmp' && ICMP_ERRORS.has(p.l4.icmp.type);
}

/** The id of an ICMP query: the high 16 bits of the second word. */
export function icmpId(rest: number): number {
  return (rest >>> 16) & 0xffff;
}

/**
 * The tuple a packet's own headers spell, in the direction it travels: TCP/UDP/SCTP ports; ICMP id in `sport`
 * and type << 8 | code in `dport`; 0 and 0 for other protocols (nf_conntrack_generic tracks addresses only).
 * Linux: nf_ct_get_tuple(). For an ICMP error this is the error's own header, not the connection it answers.
 */
export function headerTuple(p: IpPacket): Tuple {
  const { src, dst } = p.ip;
  const l4 = p.l4;
  switch (l4.proto) {
    case 'tcp':
      return { proto: IPPROTO_TCP, src, sport: l4.tcp.sport, dst, dport: l4.tcp.dport };
    case 'udp':
      return { proto: IPPROTO_UDP, src, sport: l4.udp.sport, dst, dport: l4.udp.dport };
    case 'sctp':
      return { proto: IPPROTO_SCTP, src, sport: l4.sctp.sport, dst, dport: l4.sctp.dport };
    case 'icmp':
      return { proto: IPPROTO_ICMP, src, sport: icmpId(l4.icmp.rest), dst, dport: ((l4.icmp.type & 0xff) << 8) | (l4.icmp.code & 0xff) };
    case 'other':
      return { proto: l4.number, src, sport: 0, dst, dport: 0 };
  }
}

/** tupleKey(headerTuple(p)) without making the tuple (the lookup of a packet whose connection exists needs none). */
export function headerKey(p: IpPacket): string {
  const { src, dst } = p.ip;
  const l4 = p.l4;
  switch (l4.proto) {
    case 'tcp':
      return fieldsKey(IPPROTO_TCP, src, l4.tcp.sport, dst, l4.tcp.dport);
    case 'udp':
      return fieldsKey(IPPROTO_UDP, src, l4.udp.sport, dst, l4.udp.dport);
    case 'sctp':
      return fieldsKey(IPPROTO_SCTP, src, l4.sctp.sport, dst, l4.sctp.dport);
    default:
      return tupleKey(headerTuple(p));
  }
}

/**
 * The tuple conntrack looks up for a packet: its header tuple, or for an ICMP error the quoted packet's
 * tuple inverted, which is the tuple of the connection the error answers as seen in the error's direction
 * (Linux: icmp_error_message() inverts the inner tuple before nf_conntrack_find_get()). Undefined when the
 * error quotes nothing or quotes another ICMP error (Linux refuses to track those: "not RELATED to anything").
 */
export function tupleOf(p: IpPacket): Tuple | undefined {
  if (!isIcmpError(p)) return headerTuple(p);
  const inner = p.l4.proto === 'icmp' ? p.l4.quoted : undefined;
  if (!inner || isIcmpError(inner)) return undefined;
  return invertTuple(headerTuple(inner));
}

/**
 * zonedKey(invertTuple(t), zone) without making the inverted tuple (nf_nat_used_tuple() asks it of every
 * candidate); an ICMP tuple, whose inverse changes its type, takes that way.
 */
export function invertedKey(t: Tuple, zone: number): string {
  if (t.proto === IPPROTO_ICMP) return zonedKey(invertTuple(t), zone);
  const key = fieldsKey(t.proto, t.dst, t.dport, t.src, t.sport);
  return zone === 0 ? key : `${key}%${zone}`;
}

/**
 * Linux: nf_ct_invert_tuple(): the tuple of the answer. Addresses and ports swap; ICMP keeps its id (it is
 * the same both ways) and takes the answer's type (echo request 8 becomes echo reply 0). A type without an
 * answer is kept as it is (Linux fails the inversion; resolve() never creates such a connection).
 */
export function invertTuple(t: Tuple): Tuple {
  if (t.proto === IPPROTO_ICMP) {
    const type = t.dport >>> 8;
    const inv = icmpInverseType(type) ?? type;
    return { proto: t.proto, src: t.dst, sport: t.sport, dst: t.src, dport: (inv << 8) | (t.dport & 0xff) };
  }
  return { proto: t.proto, src: t.dst, sport: t.dport, dst: t.src, dport: t.sport };
}
