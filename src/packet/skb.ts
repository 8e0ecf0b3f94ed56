import type { Frame, FrameBody, IpPacket, L4 } from './frame.js';

export type PktType = 'host' | 'broadcast' | 'multicast' | 'otherhost';

/**
 * Linux: struct sk_buff, reduced to what the model needs: the IPv4 packet plus metadata. Device names, not
 * device objects, so this layer stays below the kernel model.
 */
export interface Skb {
  packet: IpPacket;
  /** Input device (skb->dev on receive), null for locally generated packets. */
  iif: string | null;
  /** skb->mark */
  mark: number;
  pktType: PktType;
  /** Which leg of the trace this packet belongs to (original, reply, error). */
  leg: number;
  /** Set once a netfilter conntrack entry is attached (issue: netfilter). */
  ct: unknown;
  /** br_netfilter already ran the IPv4 PREROUTING hook for this frame (ip_rcv skips it). */
  brNfDone: boolean;
  /** A route is attached already (looped back from ip_output to a local address): ip_rcv_finish skips the lookup. */
  dstLocal: boolean;
  /**
   * IP_MTU_DISCOVER of the sending socket: `do` fails an oversized send (EMSGSIZE), `want` (Linux's default)
   * fragments it locally, `dont` never sets DF. Only locally generated packets have one.
   */
  pmtudisc: 'do' | 'want' | 'dont' | null;
  /**
   * Devices crossed since the last TTL decrement (ip_forward() resets it): the hop budget turns loops that TTL
   * cannot end (bridges) into LOOP, and never cuts a path that TTL allows.
   */
  hops: number;
  /** describeSkb()'s memo: the last tcpdump line printed for this skb's packet, with what it printed. */
  line: PacketLine | null;
  /** skbEndpoints()'s memo: the last endpoints printed for this skb's packet, with what they print. */
  ends: PacketEnds | null;
}

/**
 * A tcpdump line (describePacket()) with every input it printed: the packet object and the values of the fields
 * the line shows, so a line is reused only for the same packet with the same values (a field written in place
 * since, such as a port, prints anew; TTL and DF are not in the line).
 */
export interface PacketLine {
  readonly packet: IpPacket;
  readonly src: number;
  readonly dst: number;
  readonly len: number;
  readonly l4: L4;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly text: string;
  /** The two addresses as printed (formatIpv4() of `src` and `dst`), for the next line or endpoints that print them. */
  readonly srcText: string;
  readonly dstText: string;
}

/**
 * Endpoints (endpoints()) with the values they print: the addresses and the ports (-1 for a protocol without
 * ports), so they are reused for any packet of the skb that prints the same, whatever object it is.
 */
export interface PacketEnds {
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
  readonly srcText: string;
  readonly dstText: string;
  /** Shared by every hop that prints these endpoints: read only (the trace's before/after). */
  readonly ends: { src: string; dst: string };
}

export function newSkb(packet: IpPacket, leg: number, mark = 0): Skb {
  return { packet, iif: null, mark, pktType: 'host', leg, ct: null, brNfDone: false, dstLocal: false, pmtudisc: null, hops: 0, line: null, ends: null };
}

/** A copy for flooding or looping back: headers copied so later rewrites of one do not touch the other. */
export function cloneSkb(skb: Skb): Skb {
  return { ...skb, packet: clonePacket(skb.packet) };
}

/** A deep copy with the same keys in the same order as structuredClone() gives, written out (it is hot). */
export function clonePacket(p: IpPacket): IpPacket {
  return { ...p, ip: { ...p.ip }, l4: cloneL4(p.l4) };
}

function cloneL4(l4: L4): L4 {
  switch (l4.proto) {
    case 'tcp':
      return { ...l4, tcp: { ...l4.tcp, flags: { ...l4.tcp.flags } } };
    case 'udp':
      if (l4.vxlan === undefined) return { ...l4, udp: { ...l4.udp } };
      return { ...l4, udp: { ...l4.udp }, vxlan: { ...l4.vxlan, header: { ...l4.vxlan.header }, inner: cloneFrame(l4.vxlan.inner) } };
    case 'sctp':
      return { ...l4, sctp: { ...l4.sctp } };
    case 'icmp':
      if (l4.quoted === undefined) return { ...l4, icmp: { ...l4.icmp } };
      return { ...l4, icmp: { ...l4.icmp }, quoted: clonePacket(l4.quoted) };
    case 'other':
      return { ...l4 };
  }
}

/** A deep copy of a frame (Ethernet header and body). */
export function cloneFrame(f: Frame): Frame {
  const body: FrameBody = f.body.kind === 'ipv4' ? { ...f.body, packet: clonePacket(f.body.packet) } : { ...f.body, arp: { ...f.body.arp } };
  return { ...f, eth: { ...f.eth }, body };
}
