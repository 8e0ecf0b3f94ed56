import type { ArpPacket, EthernetHeader } from '../../wire/headers.js';
import type { Skb } from '../../packet/skb.js';
import { clonePacket, cloneSkb } from '../../packet/skb.js';
import type { Frame } from '../../packet/frame.js';

/** The frame as the packet layer models it (for captures and encapsulation). */
export function toFrame(f: L2Frame): Frame {
  return f.kind === 'ipv4' ? { eth: f.eth, body: { kind: 'ipv4', packet: clonePacket(f.skb.packet) } } : { eth: f.eth, body: { kind: 'arp', arp: { ...f.arp } } };
}

/** What crosses a link: an Ethernet header over an IPv4 skb or an ARP message. */
export type L2Frame =
  | { eth: EthernetHeader; kind: 'ipv4'; skb: Skb }
  | { eth: EthernetHeader; kind: 'arp'; arp: ArpPacket; leg: number; hops: number };

export function frameLeg(f: L2Frame): number {
  return f.kind === 'ipv4' ? f.skb.leg : f.leg;
}

/** Bumps the crossing count; true when the hop budget is spent. */
export function countHop(f: L2Frame, budget: number): boolean {
  if (f.kind === 'ipv4') return ++f.skb.hops > budget;
  return ++f.hops > budget;
}

export function cloneFrame(f: L2Frame): L2Frame {
  if (f.kind === 'ipv4') return { eth: { ...f.eth }, kind: 'ipv4', skb: cloneSkb(f.skb) };
  return { eth: { ...f.eth }, kind: 'arp', arp: { ...f.arp }, leg: f.leg, hops: f.hops };
}
