import type { CtStatus, Tuple } from './tuple.js';
import type { TcpConntrack } from './tcp-state.js';
import type { SctpCtState } from './sctp-state.js';

/**
 * struct nf_conn, reduced: the two tuples, status bits, ct mark, protocol state and the expiry time on the
 * virtual clock. Readonly outside this folder: only conntrack (resolve, confirm, NAT setup) changes it, so
 * a binding decided on the first packet cannot be altered by a later caller.
 */
export interface CtEntry {
  /** Creation order in its table; `conntrack -L` lists in this order. */
  readonly id: number;
  readonly orig: Readonly<Tuple>;
  /** The reply tuple: the inverse of `orig` until NAT setup rewrites it, final once confirmed. */
  readonly reply: Readonly<Tuple>;
  readonly status: ReadonlySet<CtStatus>;
  /** ct mark (`-j CONNMARK --set-mark`). */
  mark: number;
  /** Conntrack zone (nf_conntrack_zone.id): packets here are all in zone 0, so only zone-0 entries match them. */
  readonly zone: number;
  /** TCP state and window tracking; null for other protocols. */
  readonly tcp: Readonly<TcpConntrack> | null;
  /** SCTP association state (nf_conntrack_proto_sctp); null for other protocols. */
  readonly sctp: SctpCtState | null;
  /** Virtual time (ms) when the entry was created. */
  readonly created: number;
  /** Virtual time (ms) at which it expires (Linux: ct->timeout). */
  readonly expires: number;
}

/** The same entry as conntrack's own code sees it. Not exported from the barrel. */
export interface MutableCtEntry {
  id: number;
  orig: Tuple;
  reply: Tuple;
  status: Set<CtStatus>;
  mark: number;
  zone: number;
  tcp: TcpConntrack | null;
  sctp: SctpCtState | null;
  created: number;
  expires: number;
}

/** Conntrack's write access to an entry it handed out. */
export function writable(entry: CtEntry): MutableCtEntry {
  return entry as MutableCtEntry;
}

export function hasStatus(entry: CtEntry, s: CtStatus): boolean {
  return entry.status.has(s);
}

export function isConfirmed(entry: CtEntry): boolean {
  return entry.status.has('CONFIRMED');
}
