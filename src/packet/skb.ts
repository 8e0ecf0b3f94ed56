import type { IpPacket } from './frame.js';

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
}

export function newSkb(packet: IpPacket, leg: number, mark = 0): Skb {
  return { packet, iif: null, mark, pktType: 'host', leg, ct: null, brNfDone: false, dstLocal: false, pmtudisc: null, hops: 0 };
}

/** A copy for flooding or looping back: headers copied so later rewrites of one do not touch the other. */
export function cloneSkb(skb: Skb): Skb {
  return { ...skb, packet: clonePacket(skb.packet) };
}

export function clonePacket(p: IpPacket): IpPacket {
  return structuredClone(p);
}
