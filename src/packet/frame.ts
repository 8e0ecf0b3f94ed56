// The structured packet the simulator moves: typed headers all the way down, bytes only at the edges
// (see codec.ts). A VXLAN payload is another Frame; an ICMP error quotes another IpPacket.

import type { EthernetHeader, ArpPacket, Ipv4Header, TcpHeader, UdpHeader, IcmpHeader, SctpHeader, VxlanHeader } from '../wire/headers.js';

export type L4 =
  | { proto: 'tcp'; tcp: TcpHeader }
  | { proto: 'udp'; udp: UdpHeader; vxlan?: { header: VxlanHeader; inner: Frame } }
  | { proto: 'sctp'; sctp: SctpHeader }
  | { proto: 'icmp'; icmp: IcmpHeader; /** for ICMP errors: the offending packet as quoted */ quoted?: IpPacket }
  | { proto: 'other'; number: number };

/** An IPv4 packet: header, transport, and the count of application payload bytes (content not modelled, emitted as zeros). */
export interface IpPacket {
  ip: Ipv4Header;
  l4: L4;
  payloadLength: number;
}

export type FrameBody = { kind: 'ipv4'; packet: IpPacket } | { kind: 'arp'; arp: ArpPacket };

export interface Frame {
  eth: EthernetHeader;
  body: FrameBody;
}
