// Transport ports as the tcp/udp/sctp/multiport matches read them: only from a first fragment of a TCP, UDP or SCTP packet.

import type { IpPacket } from '../../../packet/frame.js';

export function l4Ports(p: IpPacket): { sport: number; dport: number } | null {
  if (p.ip.fragOffset !== 0) return null;
  if (p.l4.proto === 'tcp') return { sport: p.l4.tcp.sport, dport: p.l4.tcp.dport };
  if (p.l4.proto === 'udp') return { sport: p.l4.udp.sport, dport: p.l4.udp.dport };
  if (p.l4.proto === 'sctp') return { sport: p.l4.sctp.sport, dport: p.l4.sctp.dport };
  return null;
}

export function inRange(v: number, r: { min: number; max: number }): boolean {
  return v >= r.min && v <= r.max;
}

/** A port option as given: `[!] --dport P[:Q]`. */
export interface PortTest {
  range: { min: number; max: number };
  invert: boolean;
}

/**
 * What iptables-nft stores for a tcp/udp port test (add_nft_tcpudp() in iptables/nft.c, read back by
 * nft_parse_tcpudp()): a full range 0:65535, inverted or not, becomes no expression at all, and an inverted
 * range starting at 0 becomes `dport > Q`, which reads back as the plain range Q+1:65535. Null when nothing
 * is stored.
 */
export function nftPortTest(t: PortTest | null): PortTest | null {
  if (!t) return null;
  const { min, max } = t.range;
  if (min === 0 && max === 65535) return null;
  if (t.invert && min === 0 && max > 0) return { range: { min: max + 1, max: 65535 }, invert: false };
  return t;
}

/** Whether the xt struct keeps a port field at its default (0:65535, not inverted). */
export function defaultPortTest(t: PortTest | null): boolean {
  return !t || (!t.invert && t.range.min === 0 && t.range.max === 65535);
}
