// The reachability matrix of a Cluster (`net reach`, schema `packetwalk.reach/v1`): rows are senders (pods,
// containers, nodes, external hosts), columns are destinations (an address, a port and a protocol), and each
// cell is what a full trace with its reply found, once per outcome of the random choices on its way.

import type { Disposition, DropReason } from '../kernel/events.js';

export const REACH_SCHEMA = 'packetwalk.reach/v1';

export type ReachProto = 'tcp' | 'udp' | 'sctp';

export type PeerKind = 'pod' | 'container' | 'node' | 'host';

/** A row: what sends. */
export interface ReachSource {
  /** `NS/NAME` for a pod (as the upstream e2e suite names them), `ctr/NAME`, `node/NAME`, `host/NAME`. */
  label: string;
  kind: PeerKind;
  /** The World namespace whose socket sends. */
  netns: string;
  addr: string;
}

/** A column: one address, port and protocol. */
export interface ReachTarget {
  /** The entity's label, with `:PORT` (and `/udp` or `/sctp`) when the entity has several columns. */
  label: string;
  kind: PeerKind | 'service' | 'nodeport';
  /** The entity alone (`x/a`, `svc/web.default`), without the port. */
  entity: string;
  addr: string;
  port: number;
  proto: ReachProto;
  /** The World namespaces that hold the destination: the pod's own, or a Service's endpoints'. */
  holders: string[];
  /** The pods behind it (NS/NAME): the pod itself, or the pods holding a Service's endpoints. */
  pods: string[];
}

/** One probe of the matrix: independent of every other, so any number of them may run in parallel. */
export interface ReachJob {
  row: number;
  col: number;
  from: string;
  dst: string;
  dport: number;
  proto: ReachProto;
}

/** One outcome of a cell (a Service with several endpoints has one per endpoint reached). */
export interface CellBranch {
  probability: number;
  /** The reply reached the sender: a SYN-ACK for TCP, the answer datagram for UDP, an INIT ACK for SCTP. */
  connected: boolean;
  disposition: Disposition;
  reason: DropReason | null;
  /** The reply leg: `syn-ack DELIVERED`, `rst DELIVERED`, `udp-answer DROPPED`...; null when nothing answered. */
  reply: { kind: string; disposition: Disposition; reason: DropReason | null } | null;
  /** The namespace (or pod, NS/NAME) that got the packet. */
  deliveredTo: string | null;
  /** The destination after NAT, ADDR:PORT. */
  dst: string;
  /** The source address the receiving socket saw (a masquerade shows here). */
  peerSeen: string | null;
  /** The namespaces the packet crossed, in order. */
  path: string[];
  /** The rule that dropped or rejected it, as iptables-save prints it. */
  rule: string | null;
}

export type CellVerdict = 'connected' | 'blocked' | 'mixed';

export interface ReachCell {
  row: number;
  col: number;
  /** connected: every branch connected; blocked: none; mixed: some did. */
  verdict: CellVerdict;
  branches: CellBranch[];
  /** The exploration stopped before every random choice was tried. */
  truncated: boolean;
}

export interface ReachMatrix {
  /** Scenario file (and timeline point) the matrix was taken on. */
  scenario: string;
  at: string | null;
  rows: ReachSource[];
  cols: ReachTarget[];
  /** Row-major, one per (row, col); a cell the sender cannot send (no address) is absent. */
  cells: ReachCell[];
}
