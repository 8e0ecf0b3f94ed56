// A validated scenario: the World it describes plus the traces to run and what they must show.

import type { Ipv4Addr } from '../wire/headers.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';

export type Proto = 'tcp' | 'udp' | 'icmp';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface Scenario {
  file: string;
  kind: 'Topology';
  world: WorldSpec;
  traces: TraceSpec[];
  /** Where each trace was written, by index, for messages that point back at the file. */
  traceLocations: SourceLocation[];
}

export interface TraceSpec {
  name: string;
  /** Source namespace. */
  from: string;
  /** Source address; chosen by the kernel's source address selection when omitted. */
  src?: Ipv4Addr;
  dst: Ipv4Addr;
  proto: Proto;
  /** Destination port (tcp/udp); required for tcp/udp. */
  dport?: number;
  /** Source port; default 40000. */
  sport?: number;
  /** Initial TTL; default 64. */
  ttl?: number;
  /** true: IP_PMTUDISC_DO (ping -M do, an oversized send fails); false: IP_PMTUDISC_DONT; omitted: Linux's default IP_PMTUDISC_WANT (DF set, oversized packets fragmented by the sender). */
  df?: boolean;
  /** Application payload bytes; default 0 for tcp SYN, 32 for udp, 56 for icmp echo. */
  size?: number;
  /** Firewall mark the socket sets (SO_MARK). */
  mark?: number;
  expect?: ExpectSpec;
}

export interface ExpectSpec {
  disposition?: string;
  reason?: string;
  deliveredTo?: { netns?: string; addr?: string };
  /** Source the receiver sees: "A.B.C.D" or "A.B.C.D:PORT". */
  peerSeen?: string;
  /** Each entry must appear in some hop: a device ("dev eth0", "router/eth1"), a stage, or "vxlan". */
  via?: string[];
  /** For ICMP errors in the trace: type name ("time-exceeded", "frag-needed", ...) and the sender. */
  icmp?: { type?: string; from?: string };
  reply?: ExpectSpec;
}
