// What a target decides. Linux targets return NF_ACCEPT / NF_DROP / XT_CONTINUE / XT_RETURN or a jump
// (include/uapi/linux/netfilter/x_tables.h); NAT targets set up a binding in nf_nat_setup_info() and accept.
// Here NAT is data: the conntrack layer applies the request.

/** `--reject-with` types, as libxt_REJECT names them (reject_table in extensions/libipt_REJECT.c). */
export type RejectWith =
  | 'icmp-net-unreachable'
  | 'icmp-host-unreachable'
  | 'icmp-port-unreachable'
  | 'icmp-proto-unreachable'
  | 'icmp-net-prohibited'
  | 'icmp-host-prohibited'
  | 'icmp-admin-prohibited'
  | 'tcp-reset';

/** struct nf_nat_range2, reduced to IPv4: an inclusive address range and an optional inclusive port range. */
export interface NatRange {
  minAddr: number;
  maxAddr: number;
  /** Absent: keep the port (NF_NAT_RANGE_PROTO_SPECIFIED not set). */
  ports?: { min: number; max: number };
}

export interface NatFlags {
  /** NF_NAT_RANGE_PROTO_RANDOM (`--random`) */
  random: boolean;
  /** NF_NAT_RANGE_PROTO_RANDOM_FULLY (`--random-fully`) */
  randomFully: boolean;
  /** NF_NAT_RANGE_PERSISTENT (`--persistent`) */
  persistent: boolean;
}

/**
 * A NAT the conntrack layer must apply to this connection. `range` is null for MASQUERADE without
 * `--to-ports` (the address comes from the output device, nf_nat_masquerade_ipv4()) and for REDIRECT without
 * ports; REDIRECT's address is the primary address of the input device (nf_nat_redirect_ipv4()).
 */
export interface NatRequest {
  kind: 'dnat' | 'snat' | 'masquerade' | 'redirect';
  range: NatRange | null;
  flags: NatFlags;
}

/** An observation a target reports without changing the packet's way (LOG, NFLOG, TRACE, TCPMSS). */
export interface NfEvent {
  kind: 'log' | 'trace' | 'nflog' | 'tcpmss';
  /** LOG: `--log-prefix`; NFLOG: group and prefix; TCPMSS: what it did; TRACE: empty */
  prefix: string;
  /** syslog level 0..7 (LOG), 4 otherwise */
  level: number;
}

/** What `Target.apply()` returns. */
export type TargetVerdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  /** XT_CONTINUE: go on with the next rule (MARK, CONNMARK, LOG, TRACE); `event` is reported to the trace. */
  | { kind: 'continue'; event?: NfEvent }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string }
  | { kind: 'reject'; with: RejectWith }
  | { kind: 'nat'; nat: NatRequest }
  /** NOTRACK / CT --notrack: attach the untracked template and continue (XT_CONTINUE). */
  | { kind: 'notrack' };

/** Named reasons for a drop decided by the engine rather than by a rule's DROP. */
export type NfDropReason =
  /** A DROP target or a chain policy (skb_drop_reason SKB_DROP_REASON_NETFILTER_DROP). */
  | 'NETFILTER_DROP'
  /** nft_do_chain(): the jump stack (NFT_JUMP_STACK_SIZE = 16) is full; the kernel WARNs and drops. */
  | 'NFT_JUMP_STACK_OVERFLOW'
  /** A jump to a chain that does not exist (cannot be loaded by iptables-restore; guards hand-built rulesets). */
  | 'NO_SUCH_CHAIN';

/** The outcome of a table's walk: what the hook does with the packet. */
export type ChainVerdict =
  | { kind: 'accept' }
  | { kind: 'drop'; reason: NfDropReason }
  | { kind: 'reject'; with: RejectWith }
  /** Accept, with a NAT binding to set up (only in the nat table). */
  | { kind: 'nat'; nat: NatRequest };
