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
  facts?: readonly string[];
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
  status: readonly string[];
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
  /** With `--branches`, present (true) only when the exploration stopped at BRANCH_LIMIT runs: the outcomes are a part of all. */
  branchesTruncated?: true;
  /** What the sending socket experiences (sender-view.ts); set by runTrace. */
  sender?: SenderView;
  /**
   * A destination given by name: the lookups the source pod's resolver sent first, each a UDP packet traced
   * like this one (added in v1). When the name does not resolve, the trace's own legs are the last query's.
   */
  dns?: TraceDns;
}

/** One DNS query of a lookup: the UDP packet to the nameserver, traced, and what came back. */
export interface DnsQueryTrace {
  /** The question: a search-list candidate ("web.prod.default.svc.cluster.local.") and its type (A, AAAA). */
  qname: string;
  qtype: string;
  /** The nameserver of resolv.conf it was sent to, "IP:53". */
  server: string;
  /** The query's packet hop by hop; its `reply` is the answer's way back. */
  trace: Trace;
  /** The DNS server that answered: a CoreDNS pod, or the NodeLocal DNSCache on the node. */
  answeredBy: { netns: string; pod: string | null; node: string | null; server: string } | null;
  /** The answer the resolver read (rcode, records as dig prints them), or null when none came back. */
  response: { rcode: string; truncated: boolean; answer: string[]; authority: string[]; additional: string[]; note: string | null } | null;
  /** Why no answer came back: `timeout` (lost on the way, glibc waits timeout:5 x attempts:2) or `refused`. */
  failure: 'timeout' | 'refused' | null;
  /** Answered by NodeLocal DNSCache: from its cache (`hit`) or after asking upstream (`miss`); null otherwise. */
  cache?: 'hit' | 'miss' | null;
  /** A cache miss: the cache's own query to the kube-dns-upstream Service (TCP, force_tcp), traced. */
  forwarded?: { server: string; trace: Trace } | null;
}

/** A name resolved the way the source pod's libc does it (getaddrinfo: the search list, A and AAAA). */
export interface TraceDns {
  /** The name as the application gave it. */
  name: string;
  libc: string;
  /** The pod's /etc/resolv.conf, as kubelet writes it. */
  resolvConf: string[];
  queries: DnsQueryTrace[];
  /** Each search-list candidate and how the resolver read its answers (answer, NXDOMAIN, NODATA, TIMEOUT...). */
  attempts: { name: string; verdict: string }[];
  /** getaddrinfo's outcome: found, HOST_NOT_FOUND, NO_DATA, TRY_AGAIN, NO_RECOVERY. */
  result: string;
  /** What the application sees when it failed ("Name or service not known" ...); null when found. */
  error: string | null;
  /** The candidate that answered and the address the connection goes to. */
  answeredName: string | null;
  address: string | null;
}
