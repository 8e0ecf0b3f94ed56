// `conntrack -L` output, as conntrack-tools 1.4.7 prints it through libnetfilter_conntrack's
// __snprintf_conntrack_default(): protocol name padded to 8 and number, seconds left, TCP state, the
// original tuple, [UNREPLIED], the reply tuple, [ASSURED], mark, zone (when not 0), use. No secctx=.
// Checked whole against a real 6.18 kernel in test/conntrack/fixtures/kernel-conntrack-L.txt.

import { IPPROTO_ICMP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { CtEntry } from './entry.js';
import type { Tuple } from './tuple.js';
import { secondsLeft } from './view.js';

/**
 * libnetfilter_conntrack proto2str[] for the protocols tracked here; the rest go through the generic
 * tracker and print as "unknown" (GRE and DCCP have their own trackers in Linux, not modelled).
 */
function protoName(proto: number): string {
  switch (proto) {
    case IPPROTO_TCP:
      return 'tcp';
    case IPPROTO_UDP:
      return 'udp';
    case IPPROTO_ICMP:
      return 'icmp';
    case IPPROTO_SCTP:
      return 'sctp';
    default:
      return 'unknown';
  }
}

/** One tuple: `src=A dst=B sport=P dport=Q` (TCP/UDP/SCTP), `src=A dst=B type=T code=C id=I` (ICMP), addresses otherwise. */
export function formatTuple(t: Tuple): string {
  const addrs = `src=${formatIpv4(t.src)} dst=${formatIpv4(t.dst)}`;
  if (t.proto === IPPROTO_TCP || t.proto === IPPROTO_UDP || t.proto === IPPROTO_SCTP) return `${addrs} sport=${t.sport} dport=${t.dport}`;
  if (t.proto === IPPROTO_ICMP) return `${addrs} type=${t.dport >>> 8} code=${t.dport & 0xff} id=${t.sport}`;
  return addrs;
}

/** One entry as a line of `conntrack -L`. */
export function formatEntry(entry: CtEntry, now: number): string {
  return entryLine(entry, now, formatTuple(entry.orig), formatTuple(entry.reply));
}

/** formatEntry() given its two tuples already printed (formatTuple()). */
export function entryLine(entry: CtEntry, now: number, orig: string, reply: string): string {
  // Built by concatenation (it is printed on every conntrack hop): words joined by one space.
  let line = `${protoName(entry.orig.proto).padEnd(8)} ${entry.orig.proto} ${secondsLeft(entry, now)}`;
  if (entry.tcp) line += ` ${entry.tcp.state}`;
  if (entry.sctp) line += ` ${entry.sctp}`;
  line += ` ${orig}`;
  if (!entry.status.has('SEEN_REPLY')) line += ' [UNREPLIED]';
  line += ` ${reply}`;
  if (entry.status.has('ASSURED')) line += ' [ASSURED]';
  line += ` mark=${entry.mark >>> 0}`;
  // __snprintf_conntrack_default() prints the zone only when it is not 0, after the mark.
  if (entry.zone !== 0) line += ` zone=${entry.zone}`;
  return `${line} use=1`;
}

/** The whole `conntrack -L` listing: one line per entry, then the summary conntrack writes to stderr. */
export function formatTable(entries: readonly CtEntry[], now: number): { stdout: string; stderr: string } {
  const lines = entries.map((e) => formatEntry(e, now) + '\n').join('');
  return { stdout: lines, stderr: `conntrack v1.4.7 (conntrack-tools): ${entries.length} flow entries have been shown.\n` };
}

/** One entry as a run reports what it left: its tuples, state name, status bits (sorted) and `conntrack -L` line. */
export interface CtListing {
  readonly orig: string;
  readonly reply: string;
  /** The TCP or SCTP state, else REPLIED / UNREPLIED. */
  readonly state: string;
  readonly status: readonly string[];
  readonly line: string;
}

export function listingOf(e: CtEntry, now: number): CtListing {
  return listingFrom(e, now, formatTuple(e.orig), formatTuple(e.reply), [...e.status].sort());
}

/** listingOf() given its tuples printed and its status names sorted. */
export function listingFrom(e: CtEntry, now: number, orig: string, reply: string, status: readonly string[]): CtListing {
  return {
    orig,
    reply,
    state: e.tcp ? e.tcp.state : e.sctp ? e.sctp : e.status.has('SEEN_REPLY') ? 'REPLIED' : 'UNREPLIED',
    status,
    line: entryLine(e, now, orig, reply),
  };
}
