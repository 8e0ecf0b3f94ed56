import type { Frame } from '../packet/frame.js';

// What the kernel model reports while it moves a packet: path events and fates. The kernel knows nothing
// of traces; `trace/` turns these into the Trace model. Names follow the kernel (skb_drop_reason).

export type Disposition =
  | 'DELIVERED'
  | 'REFUSED'
  | 'REJECTED'
  | 'DROPPED'
  | 'NO_ROUTE'
  | 'TTL_EXCEEDED'
  | 'NEIGH_FAILED'
  | 'EXITS_NETWORK'
  | 'LOOP';

export const DISPOSITIONS: readonly Disposition[] = [
  'DELIVERED', 'REFUSED', 'REJECTED', 'DROPPED', 'NO_ROUTE', 'TTL_EXCEEDED', 'NEIGH_FAILED', 'EXITS_NETWORK', 'LOOP',
];

/**
 * Kernel skb_drop_reason names (include/net/dropreason-core.h), plus EMULATOR_HOP_BUDGET and EMULATOR_STEP_BUDGET:
 * where the emulator stopped following a packet (its own limits), which is no fate Linux gives it.
 */
export type DropReason =
  | 'NETFILTER_DROP'
  | 'IP_RPFILTER'
  | 'IP_INNOROUTES'
  | 'IP_OUTNOROUTES'
  | 'IP_INADDRERRORS'
  | 'NEIGH_FAILED'
  | 'OTHERHOST'
  | 'PKT_TOO_BIG'
  | 'NO_SOCKET'
  | 'IP_INHDR'
  | 'IP_LOCAL_SOURCE'
  | 'IP_INVALID_SOURCE'
  | 'IP_INVALID_DEST'
  | 'MAC_MISMATCH'
  | 'BRIDGE_NO_HAIRPIN'
  | 'DEV_READY'
  | 'NO_CARRIER'
  | 'UNREACHABLE_ROUTE'
  | 'BLACKHOLE_ROUTE'
  | 'PROHIBIT_ROUTE'
  | 'VXLAN_NO_REMOTE'
  | 'VXLAN_VNI_NOT_FOUND'
  | 'EMULATOR_HOP_BUDGET'
  | 'EMULATOR_STEP_BUDGET';

export const DROP_REASONS: readonly DropReason[] = [
  'NETFILTER_DROP', 'IP_RPFILTER', 'IP_INNOROUTES', 'IP_OUTNOROUTES', 'IP_INADDRERRORS', 'NEIGH_FAILED',
  'OTHERHOST', 'PKT_TOO_BIG', 'NO_SOCKET', 'IP_INHDR', 'IP_LOCAL_SOURCE', 'IP_INVALID_SOURCE', 'IP_INVALID_DEST',
  'MAC_MISMATCH', 'BRIDGE_NO_HAIRPIN', 'DEV_READY', 'NO_CARRIER', 'UNREACHABLE_ROUTE', 'BLACKHOLE_ROUTE',
  'PROHIBIT_ROUTE', 'VXLAN_NO_REMOTE', 'VXLAN_VNI_NOT_FOUND', 'EMULATOR_HOP_BUDGET',
  'EMULATOR_STEP_BUDGET',
];

export type Stage =
  | 'socket-send'
  | 'output-route'
  | 'netfilter'
  | 'neigh'
  | 'arp'
  | 'xmit'
  | 'veth'
  | 'bridge'
  | 'rcv'
  | 'input-route'
  | 'forward'
  | 'local-deliver'
  | 'icmp-send'
  | 'vxlan-encap'
  | 'vxlan-decap'
  | 'drop'
  /** The packet left the modelled world by an external link (EXITS_NETWORK). */
  | 'exit';

/** One step of a packet, as the kernel model saw it. */
export interface PathEvent {
  netns: string;
  dev: string | null;
  stage: Stage;
  detail: string;
  table?: string | null;
  chain?: string | null;
  rule?: string | null;
  verdict?: string | null;
  before?: { src: string; dst: string } | null;
  after?: { src: string; dst: string } | null;
  /** The packet as tcpdump would print it here. */
  packet?: string;
  /** Supporting facts (route chosen, sysctl values, fdb entries) shown at `--detail detailed`. */
  facts?: readonly string[];
  /** Virtual time in ms, filled in by the sink. */
  t?: number;
  /** Shown only at `--detail detailed` (ARP chatter, no-op hooks). */
  minor?: boolean;
}

/** What became of one packet (or of one copy of it, for flooded frames). */
export interface Fate {
  disposition: Disposition;
  reason: DropReason | null;
  netns: string;
  detail: string;
  /**
   * A copy's fate that does not decide the packet's (a flooded frame dropped as not-for-us by a bystander).
   * It is recorded, and decides only when nothing else did.
   */
  bystander?: boolean;
}

/** A socket got the packet. */
export interface Delivery {
  netns: string;
  /** "addr:port" of the receiving socket (or the address, for ICMP). */
  addr: string;
  /** What the receiver sees as the source. */
  peerSeen: string;
}

/** An ICMP error (or RST) that reached the socket of the packet it answers. */
export interface ErrorSeen {
  type: string;
  icmpType: number;
  code: number;
  from: string;
  to: string;
  mtu?: number;
}

/** Where the kernel model reports; `sim/` implements it per trace. Legs are numbered by the sim. */
export interface PathSink {
  /** `e` happened in namespace `netns` (the caller's literal: the sink copies what it keeps). */
  event(leg: number, e: Omit<PathEvent, 'netns'>, netns: string): void;
  fate(leg: number, f: Fate): void;
  delivered(leg: number, d: Delivery): void;
  /** An answer leaves a socket: returns the leg number that answer's packets carry. */
  answer(leg: number, kind: AnswerKind): number;
  /** The original sender's socket learned of an error about its packet. */
  errorSeen(leg: number, e: ErrorSeen): void;
  /** A frame on the wire, as a capture on that device would see it (for pcapng output). */
  capture?(leg: number, c: Capture): void;
}

export interface Capture {
  netns: string;
  dev: string;
  frame: Frame;
}

export type AnswerKind = 'syn-ack' | 'rst' | 'echo-reply' | 'udp-answer' | 'icmp-error' | 'init-ack' | 'abort';
