import type { IpPacket, L4 } from '../../packet/frame.js';

/** The protocol and ports a route lookup's flow carries (struct flowi4: flowi4_proto, fl4_sport, fl4_dport). */
export interface FlowPorts {
  proto: number;
  sport: number;
  dport: number;
}

/**
 * Of a packet being sent (`local`: the socket's flowi4) or received (the flow dissector's keys). A raw ICMP
 * socket's flowi4 puts the type and code where the destination port is (union flowi_uli; raw_probe_proto_opt());
 * the dissector gives ICMP no ports.
 */
export function flowPortsOf(l4: L4, protocol: number, local: boolean): FlowPorts {
  switch (l4.proto) {
    case 'tcp':
      return { proto: protocol, sport: l4.tcp.sport, dport: l4.tcp.dport };
    case 'udp':
      return { proto: protocol, sport: l4.udp.sport, dport: l4.udp.dport };
    case 'sctp':
      return { proto: protocol, sport: l4.sctp.sport, dport: l4.sctp.dport };
    case 'icmp':
      return { proto: protocol, sport: 0, dport: local ? (l4.icmp.type << 8) | l4.icmp.code : 0 };
    default:
      return { proto: protocol, sport: 0, dport: 0 };
  }
}

/** flowPortsOf() for a whole packet. */
export function packetFlowPorts(p: IpPacket, local: boolean): FlowPorts {
  return flowPortsOf(p.l4, p.ip.protocol, local);
}
