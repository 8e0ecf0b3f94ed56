import type { Ipv4Addr } from '../../wire/headers.js';

/**
 * struct nf_conntrack_tuple, reduced: protocol number, addresses and the protocol's identifiers. For TCP and
 * UDP the ports; for ICMP echo the id in `sport` and the type/code in `dport` as (type << 8 | code) of the
 * ORIGINAL direction's message (Linux keeps id, type and code in the tuple).
 */
export interface Tuple {
  proto: number;
  src: Ipv4Addr;
  sport: number;
  dst: Ipv4Addr;
  dport: number;
}

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';
export type CtStatus = 'EXPECTED' | 'SEEN_REPLY' | 'ASSURED' | 'CONFIRMED' | 'SNAT' | 'DNAT' | 'SRC_NAT_DONE' | 'DST_NAT_DONE' | 'DYING';
export type CtDirection = 'ORIGINAL' | 'REPLY';

/** What netfilter matches may read of the connection a packet belongs to (`-m conntrack`, `-m state`, `-m connmark`). */
export interface CtView {
  state: CtState;
  status: ReadonlySet<CtStatus>;
  direction: CtDirection;
  orig: Tuple;
  reply: Tuple;
  /** ct mark (`-j CONNMARK`, `-m connmark`) */
  mark: number;
  /** TCP state name as conntrack prints it (SYN_SENT, ESTABLISHED, ...), empty for other protocols. */
  protoState: string;
  /** Seconds left before the entry expires. */
  timeout: number;
}
