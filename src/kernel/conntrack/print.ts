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
 * The start of a `conntrack -L` line: libnetfilter_conntrack proto2str[] padded to 8, then the number. The
 * protocols tracked here have their own name; the rest go through the generic tracker and print as "unknown"
 * (GRE and DCCP have their own trackers in Linux, not modelled).
 */
function protoWords(proto: number): string {
  switch (proto) {
    case IPPROTO_TCP:
      return 'tcp      6';
    case IPPROTO_UDP:
      return 'udp      17';
    case IPPROTO_ICMP:
      return 'icmp     1';
    case IPPROTO_SCTP:
      return 'sctp     132';
    default:
      return `unknown  ${proto}`;
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
  return printEntry(entry, now, undefined).line;
}

/**
 * An entry's `conntrack -L` line with every input it printed: the two tuples (each with its text), the seconds
 * left, whether it is replied and assured, its mark, zone and TCP or SCTP state. printEntry() gives it back
 * while all of them are the same, so an entry is printed once per state, and a tuple once while it stays.
 */
export interface EntryPrinted {
  /** The tuple objects printed: never written in place, so their values are what was printed. */
  readonly orig: Tuple;
  readonly origText: string;
  readonly reply: Tuple;
  readonly replyText: string;
  readonly seconds: number;
  readonly replied: boolean;
  readonly assured: boolean;
  readonly mark: number;
  readonly zone: number;
  readonly tcpState: string | null;
  readonly sctp: string | null;
  readonly line: string;
}

/** Whether a tuple printed as `printed` prints the same as `t`: the same object, or the same five fields. */
function samePrint(printed: Tuple, t: Tuple): boolean {
  return printed === t || (printed.proto === t.proto && printed.src === t.src && printed.dst === t.dst && printed.sport === t.sport && printed.dport === t.dport);
}

/** Whether `printed` is what printEntry(entry, now) would print: every input the same. */
export function printsSame(printed: EntryPrinted, entry: CtEntry, now: number): boolean {
  return (
    samePrint(printed.orig, entry.orig) && samePrint(printed.reply, entry.reply) && printed.seconds === secondsLeft(entry, now) &&
    printed.replied === entry.status.has('SEEN_REPLY') && printed.assured === entry.status.has('ASSURED') && printed.mark === entry.mark &&
    printed.zone === entry.zone && printed.tcpState === (entry.tcp ? entry.tcp.state : null) && printed.sctp === entry.sctp
  );
}

/**
 * formatEntry() with what it printed from, `last` (an earlier print of this or another entry) given back when
 * every input is the same, and each tuple's text taken from it when that tuple prints the same.
 */
export function printEntry(entry: CtEntry, now: number, last: EntryPrinted | undefined): EntryPrinted {
  const seconds = secondsLeft(entry, now);
  const replied = entry.status.has('SEEN_REPLY');
  const assured = entry.status.has('ASSURED');
  const tcpState = entry.tcp ? entry.tcp.state : null;
  const { orig, reply, mark, zone, sctp } = entry;
  let origText: string;
  let replyText: string;
  if (last === undefined) {
    origText = formatTuple(orig);
    replyText = formatTuple(reply);
  } else {
    const sameOrig = samePrint(last.orig, orig);
    const sameReply = samePrint(last.reply, reply);
    if (
      sameOrig && sameReply && last.seconds === seconds && last.replied === replied && last.assured === assured && last.mark === mark &&
      last.zone === zone && last.tcpState === tcpState && last.sctp === sctp
    ) {
      return last;
    }
    origText = sameOrig ? last.origText : formatTuple(orig);
    replyText = sameReply ? last.replyText : formatTuple(reply);
  }
  // Built by concatenation (it is printed on every conntrack hop): words joined by one space.
  let line = `${protoWords(orig.proto)} ${seconds}`;
  if (tcpState !== null) line += ` ${tcpState}`;
  if (sctp) line += ` ${sctp}`;
  line += ` ${origText}`;
  if (!replied) line += ' [UNREPLIED]';
  line += ` ${replyText}`;
  if (assured) line += ' [ASSURED]';
  line += ` mark=${mark >>> 0}`;
  // __snprintf_conntrack_default() prints the zone only when it is not 0, after the mark.
  if (zone !== 0) line += ` zone=${zone}`;
  line += ' use=1';
  return { orig, origText, reply, replyText, seconds, replied, assured, mark, zone, tcpState, sctp, line };
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
  return listingFrom(printEntry(e, now, undefined), [...e.status].sort());
}

/** listingOf() given the entry printed (printEntry()) and its status names sorted. */
export function listingFrom(printed: EntryPrinted, status: readonly string[]): CtListing {
  return {
    orig: printed.origText,
    reply: printed.replyText,
    state: printed.tcpState !== null ? printed.tcpState : printed.sctp ? printed.sctp : printed.replied ? 'REPLIED' : 'UNREPLIED',
    status,
    line: printed.line,
  };
}
