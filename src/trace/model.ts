// The Trace model, schema `packetwalk.trace/v1` (DESIGN.md §4). Fields may be added; none renamed or removed.

export const TRACE_SCHEMA = 'packetwalk.trace/v1';

import type { Disposition, DropReason, ErrorSeen, Stage } from '../kernel/events.js';
import type { SenderView } from './sender-view.js';

export { DISPOSITIONS, DROP_REASONS } from '../kernel/events.js';
export type { Disposition, DropReason, Stage } from '../kernel/events.js';

/** A packet summary: "10.0.1.2:40000" style endpoints. */
export interface Tuple {
  proto: string;
  src: string;
  dst: string;
}

export interface Hop {
  seq: number;
  node: string | null;
  netns: string;
  dev: string | null;
  stage: Stage;
  /** What happened, in words that read like `ip`/`tcpdump`. */
  detail: string;
  table: string | null;
  chain: string | null;
  rule: string | null;
  verdict: string | null;
  before: { src: string; dst: string } | null;
  after: { src: string; dst: string } | null;
  /** The packet as tcpdump would print it at this point (set on rcv/xmit hops). */
  packet?: string;
  /** Extra facts for `--detail detailed`: route chosen, fdb entry, sysctl values consulted. */
  facts?: string[];
  /** Shown only at `--detail detailed`. */
  minor?: boolean;
  /** Virtual time of the hop, in milliseconds since the packet was sent. */
  t: number;
}

export interface DeliveredTo {
  node: string | null;
  netns: string;
  pod: string | null;
  /** Local address and port of the socket that got it. */
  addr: string;
  /** Source address (and port) the receiving socket sees. */
  peerSeen: string;
}

/** An ICMP error (or RST) that reached the socket of the packet it answers (the kernel model's ErrorSeen). */
export type IcmpSeen = ErrorSeen;

export interface ConntrackSeen {
  netns: string;
  /** Tuples as conntrack -L prints them ("src=... dst=... sport=... dport=..."). */
  orig: string;
  reply: string;
  /** TCP state, or REPLIED / UNREPLIED for other protocols. */
  state: string;
  status: string[];
  /** The whole entry as `conntrack -L` prints it. */
  line?: string;
}

export interface Leg {
  disposition: Disposition;
  reason: DropReason | null;
  hops: Hop[];
  deliveredTo: DeliveredTo | null;
  /** An ICMP error (or TCP RST) generated for this leg and traced back to the sender. */
  icmp: IcmpSeen | null;
}

export interface Trace extends Leg {
  schema: typeof TRACE_SCHEMA;
  name: string | null;
  packet: Tuple;
  conntrack: ConntrackSeen[];
  /** The answer's way back: SYN-ACK, RST, echo reply, UDP answer, or the ICMP error the packet drew. */
  reply: (Leg & { kind: string }) | null;
  /** With `--branches`: one entry per distinct outcome of the random choices (TraceBranch). */
  branches: unknown[];
  /** What the sending socket experiences (sender-view.ts); set by runTrace. */
  sender?: SenderView;
}
