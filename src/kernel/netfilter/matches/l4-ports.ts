// Transport ports as the tcp/udp/multiport matches read them: only from a first fragment of a TCP or UDP packet.

import type { IpPacket } from '../../../packet/frame.js';

export function l4Ports(p: IpPacket): { sport: number; dport: number } | null {
  if (p.ip.fragOffset !== 0) return null;
  if (p.l4.proto === 'tcp') return { sport: p.l4.tcp.sport, dport: p.l4.tcp.dport };
  if (p.l4.proto === 'udp') return { sport: p.l4.udp.sport, dport: p.l4.udp.dport };
  return null;
}

export function inRange(v: number, r: { min: number; max: number }): boolean {
  return v >= r.min && v <= r.max;
}
