// Linux: nf_nat_packet() -> nf_nat_manip_pkt() -> nf_nat_ipv4_manip_pkt() (the header rewrite), and
// nf_nat_icmp_reply_translation() for ICMP errors RELATED to a NATed connection (nf_nat_proto.c).

import type { IpPacket, L4 } from '../../packet/frame.js';
import { ICMP_REDIRECT } from '../../wire/headers.js';
import type { CtEntry } from './entry.js';
import type { NatManip } from './nat-request.js';
import type { CtDirection, CtStatus, Tuple } from './tuple.js';
import { icmpInverseType, invertTuple, isIcmpError } from './tuple-of.js';

export type NatTranslation =
  | {
      ok: true;
      /** The packet after the manipulation: a rewritten copy, or the packet itself when `changed` is false. */
      packet: IpPacket;
      changed: boolean;
    }
  /** nf_nat_icmp_reply_translation(): an ICMP redirect about a NATed connection is dropped. */
  | { ok: false; reason: 'NAT_ICMP_REDIRECT' };

function other(d: CtDirection): CtDirection {
  return d === 'ORIGINAL' ? 'REPLY' : 'ORIGINAL';
}

function tupleIn(entry: CtEntry, d: CtDirection): Tuple {
  return d === 'ORIGINAL' ? entry.orig : entry.reply;
}

/** Linux: the statusbit test of nf_nat_packet(): SNAT at a source hook, DNAT at a destination hook, swapped for replies. */
function needs(entry: CtEntry, direction: CtDirection, manip: NatManip): boolean {
  const bit: CtStatus = (manip === 'SRC') === (direction === 'ORIGINAL') ? 'SNAT' : 'DNAT';
  return entry.status.has(bit);
}

/** Linux: nf_nat_ipv4_manip_pkt(): the source or destination address and port (ICMP query id) from `target`. */
function manipPkt(p: IpPacket, target: Tuple, manip: NatManip, addressesOnly: boolean): IpPacket {
  const ip = manip === 'SRC' ? { ...p.ip, src: target.src } : { ...p.ip, dst: target.dst };
  if (addressesOnly) return { ...p, ip };
  return { ...p, ip, l4: manipL4(p.l4, target, manip) };
}

function manipL4(l4: L4, target: Tuple, manip: NatManip): L4 {
  switch (l4.proto) {
    case 'tcp':
      return { ...l4, tcp: manip === 'SRC' ? { ...l4.tcp, sport: target.sport } : { ...l4.tcp, dport: target.dport } };
    case 'udp':
      return { ...l4, udp: manip === 'SRC' ? { ...l4.udp, sport: target.sport } : { ...l4.udp, dport: target.dport } };
    case 'sctp':
      // sctp_manip_pkt(): the port, and the CRC32c recomputed (left to the emitters here).
      return { ...l4, sctp: manip === 'SRC' ? { ...l4.sctp, sport: target.sport } : { ...l4.sctp, dport: target.dport } };
    case 'icmp': {
      // icmp_manip_pkt(): only queries carry an id; "id is same for either direction", tuple->src.u.icmp.id.
      if (icmpInverseType(l4.icmp.type) === undefined) return l4;
      const rest = (((target.sport & 0xffff) << 16) | (l4.icmp.rest & 0xffff)) >>> 0;
      return { ...l4, icmp: { ...l4.icmp, rest } };
    }
    case 'other':
      return l4;
  }
}

/**
 * Linux: nf_nat_packet() at a NAT hook (`manip`: DST at PREROUTING/OUTPUT, SRC at POSTROUTING/INPUT).
 * The original direction's destination (DNAT) or source (SNAT) takes the values the reply tuple implies;
 * replies get the reverse. ICMP errors RELATED to the connection go through nf_nat_icmp_reply_translation().
 * The packet is not modified; the result holds the rewritten copy (checksums are left to the emitters).
 */
export function translate(packet: IpPacket, entry: CtEntry, direction: CtDirection, manip: NatManip): NatTranslation {
  if (isIcmpError(packet)) return icmpReplyTranslation(packet, entry, direction, manip);
  if (!needs(entry, direction, manip)) return { ok: true, packet, changed: false };
  // nf_nat_manip_pkt(): "the tuple the packet must look like" is the inverse of the other direction's.
  const target = invertTuple(tupleIn(entry, other(direction)));
  return { ok: true, packet: manipPkt(packet, target, manip, false), changed: true };
}

/**
 * Linux: nf_nat_icmp_reply_translation(). The quoted packet is turned back into what its sender sent
 * (the opposite manipulation, with the other direction's tuple as it stands) and the outer header is made
 * to look like a reply to it: after a DNAT the error seems to come from the original destination, even
 * when a router on the way sent it (as a real 6.18 kernel shows).
 */
function icmpReplyTranslation(packet: IpPacket, entry: CtEntry, direction: CtDirection, manip: NatManip): NatTranslation {
  const l4 = packet.l4;
  if (l4.proto !== 'icmp' || !l4.quoted) throw new Error('invariant: an ICMP error without its quoted packet');
  if (l4.icmp.type === ICMP_REDIRECT) {
    const done = entry.status.has('SRC_NAT_DONE') && entry.status.has('DST_NAT_DONE');
    if (!done || entry.status.has('SNAT') || entry.status.has('DNAT')) return { ok: false, reason: 'NAT_ICMP_REDIRECT' };
  }
  if (!needs(entry, direction, manip)) return { ok: true, packet, changed: false };
  const otherTuple = tupleIn(entry, other(direction));
  const inner = manipPkt(l4.quoted, otherTuple, manip === 'SRC' ? 'DST' : 'SRC', false);
  const outer = manipPkt({ ...packet, l4: { ...l4, quoted: inner } }, invertTuple(otherTuple), manip, true);
  return { ok: true, packet: outer, changed: true };
}
