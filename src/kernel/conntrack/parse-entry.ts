// One line of `conntrack -L` (conntrack-tools 1.4.7, libnetfilter_conntrack's __snprintf_conntrack_default()),
// read back into a ConntrackSpec: the inverse of formatEntry() in print.ts. The words come in print order:
//   tcp      6 431999 ESTABLISHED src=A dst=B sport=P dport=Q [UNREPLIED] src=.. dst=.. sport=.. dport=..
//   [ASSURED] mark=N zone=N use=1
// An error names the 1-based column of the word at fault and what was expected there.

import { IPPROTO_ICMP, IPPROTO_TCP } from '../../wire/headers.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';
import type { SyntaxResult, Word } from '../syntax-words.js';
import { didYouMean, splitWords, syntaxError } from '../syntax-words.js';
import { CT_PROTOCOLS, type ConntrackSpec } from './entry-spec.js';
import type { TcpCtState } from './tcp-state.js';
import type { Tuple } from './tuple.js';
import { icmpInverseType, icmpOpensConnection } from './tuple-of.js';

/** enum tcp_conntrack as libnetfilter_conntrack 1.0.9 names the states (states[] in snprintf.c). */
export const TCP_CT_STATES: readonly TcpCtState[] = [
  'NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2',
];

/**
 * The largest timeout a real kernel keeps as given: ctnetlink_change_timeout() caps timeout * HZ at INT_MAX
 * jiffies, which is 2147483 s with HZ=1000 (8589934 s with HZ=250), so `net realize` reproduces up to this.
 */
export const CT_TIMEOUT_MAX = 2147483;

/** nf_conntrack_zone.id is a u16. */
const ZONE_MAX = 0xffff;
const U32_MAX = 0xffffffff;

/** Other names libnetfilter_conntrack prints (proto2str[], "unknown" for the generic tracker). */
const UNMODELLED_PROTOCOLS: readonly string[] = ['sctp', 'dccp', 'gre', 'udplite', 'icmpv6', 'unknown'];

/** Flags libnetfilter_conntrack prints that a scenario cannot state (no offload, no helpers here). */
const UNMODELLED_FLAGS: ReadonlyMap<string, string> = new Map([
  ['[OFFLOAD]', 'flow offload (IPS_OFFLOAD) is not modelled'],
  ['[HW_OFFLOAD]', 'hardware flow offload (IPS_HW_OFFLOAD) is not modelled'],
]);

class Cursor {
  i = 0;
  constructor(
    readonly words: Word[],
    readonly end: number,
  ) {}
  peek(): Word | undefined {
    return this.words[this.i];
  }
  next(): Word | undefined {
    return this.words[this.i++];
  }
  /** The column of the next word, or just past the line when there is none. */
  column(): number {
    return this.peek()?.column ?? this.end;
  }
}

/** A decimal number (conntrack -L prints them so) no larger than `max`. */
function decimal(text: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

/** `key=value` with the expected key; `what` says what the value is, for the message. */
function keyed(c: Cursor, key: string, what: string, direction: string): SyntaxResult<{ value: string; word: Word }> {
  const w = c.next();
  if (w === undefined) return syntaxError(`the ${direction} tuple ends early: expected ${key}=${what}`, c.end);
  const eq = w.text.indexOf('=');
  if (eq < 0 || w.text.slice(0, eq) !== key) return syntaxError(`expected ${key}=${what} in the ${direction} tuple, got "${w.text}"`, w.column);
  return { ok: true, value: { value: w.text.slice(eq + 1), word: w } };
}

function addressField(c: Cursor, key: 'src' | 'dst', direction: string): SyntaxResult<number> {
  const r = keyed(c, key, 'ADDRESS', direction);
  if (!r.ok) return r;
  const addr = parseIpv4(r.value.value);
  if (addr === undefined) return syntaxError(`${key}=: "${r.value.value}" is not an IPv4 address`, r.value.word.column + key.length + 1);
  return { ok: true, value: addr };
}

function numberField(c: Cursor, key: string, max: number, what: string, direction: string): SyntaxResult<number> {
  const r = keyed(c, key, what, direction);
  if (!r.ok) return r;
  const n = decimal(r.value.value, max);
  if (n === undefined) return syntaxError(`${key}=: "${r.value.value}" is not a ${what} (0-${max})`, r.value.word.column + key.length + 1);
  return { ok: true, value: n };
}

/** One tuple in print order: `src dst sport dport` (TCP, UDP) or `src dst type code id` (ICMP). */
function tuple(c: Cursor, proto: number, direction: 'original' | 'reply'): SyntaxResult<Tuple> {
  const src = addressField(c, 'src', direction);
  if (!src.ok) return src;
  const dst = addressField(c, 'dst', direction);
  if (!dst.ok) return dst;
  if (proto === IPPROTO_ICMP) {
    const typeAt = c.column();
    const type = numberField(c, 'type', 255, 'ICMP type', direction);
    if (!type.ok) return type;
    const code = numberField(c, 'code', 255, 'ICMP code', direction);
    if (!code.ok) return code;
    const id = numberField(c, 'id', 0xffff, 'ICMP id', direction);
    if (!id.ok) return id;
    // nf_conntrack_icmp_packet() / icmp_new(): only queries open connections; their answers are the reply.
    if (direction === 'original' && !icmpOpensConnection(type.value)) {
      return syntaxError(`type=${type.value}: an ICMP connection is opened by a query (echo 8, timestamp 13, info 15, address mask 17)`, typeAt);
    }
    return { ok: true, value: { proto, src: src.value, sport: id.value, dst: dst.value, dport: (type.value << 8) | code.value } };
  }
  const sport = numberField(c, 'sport', 0xffff, 'port', direction);
  if (!sport.ok) return sport;
  const dport = numberField(c, 'dport', 0xffff, 'port', direction);
  if (!dport.ok) return dport;
  return { ok: true, value: { proto, src: src.value, sport: sport.value, dst: dst.value, dport: dport.value } };
}

/** Linux: icmp_invert_tuple(): the reply of a query is its answer type with the same code. */
function checkIcmpReply(orig: Tuple, reply: Tuple, at: number, idAt: number): SyntaxResult<null> {
  const type = orig.dport >>> 8;
  const want = icmpInverseType(type) ?? type;
  if (reply.dport >>> 8 !== want || (reply.dport & 0xff) !== (orig.dport & 0xff)) {
    return syntaxError(`the reply tuple of ICMP type=${type} code=${orig.dport & 0xff} has type=${want} code=${orig.dport & 0xff} (icmp_invert_tuple())`, at);
  }
  // NAT may remap an echo id on a clash, but `conntrack -I --src-nat ADDR:ID` keeps the id (measured with
  // conntrack-tools 1.4.7), so such an entry could not be realized.
  if (reply.sport !== orig.sport) return syntaxError(`id=${reply.sport}: a reply id other than the original's (${orig.sport}) cannot be reproduced with conntrack -I`, idAt);
  return { ok: true, value: null };
}

/** Parses one `conntrack -L` line, e.g. "udp 17 29 src=10.0.1.2 dst=10.96.0.10 sport=40000 dport=53 ... use=1". */
export function parseEntry(text: string): SyntaxResult<ConntrackSpec> {
  const words = splitWords(text);
  const c = new Cursor(words, text.trimEnd().length + 1);
  const first = c.next();
  if (first === undefined) return syntaxError('empty line: expected a conntrack -L entry ("udp 17 30 src=... dst=... ...")', 1);
  const proto = CT_PROTOCOLS.get(first.text);
  if (proto === undefined) {
    if (first.text === 'ipv4') return syntaxError('"ipv4": paste plain `conntrack -L` lines, not `-o extended` ones', first.column);
    if (first.text === 'sctp') {
      return syntaxError('"sctp": SCTP connections are tracked, but stating them here is not modelled (tcp, udp and icmp entries can be stated)', first.column);
    }
    if (UNMODELLED_PROTOCOLS.includes(first.text)) {
      return syntaxError(`"${first.text}": its conntrack tracker is not modelled (tcp, udp and icmp are)`, first.column);
    }
    return syntaxError(`"${first.text}" is not a protocol conntrack -L prints: expected tcp, udp or icmp${didYouMean(first.text, CT_PROTOCOLS.keys())}`, first.column);
  }
  const num = c.next();
  if (num === undefined || decimal(num.text, 255) !== proto) {
    return syntaxError(`expected ${proto}, the protocol number of ${first.text}${num === undefined ? '' : `, got "${num.text}"`}`, num?.column ?? c.end);
  }
  const tw = c.next();
  const timeout = tw === undefined ? undefined : decimal(tw.text, Number.MAX_SAFE_INTEGER);
  if (tw === undefined || timeout === undefined) {
    return syntaxError(`expected the seconds left (a timeout of 1-${CT_TIMEOUT_MAX})${tw === undefined ? '' : `, got "${tw.text}"`}`, tw?.column ?? c.end);
  }
  if (timeout === 0) return syntaxError('a timeout of 0 s: the entry would be gone as the scenario starts (1 or more)', tw.column);
  if (timeout > CT_TIMEOUT_MAX) {
    return syntaxError(`timeout ${timeout} is more than ${CT_TIMEOUT_MAX} s, the kernel's cap (INT_MAX jiffies, ctnetlink_change_timeout())`, tw.column);
  }
  let tcpState: TcpCtState | undefined;
  const sw = c.peek();
  if (proto === IPPROTO_TCP) {
    c.next();
    if (sw === undefined || !(TCP_CT_STATES as readonly string[]).includes(sw.text)) {
      const got = sw === undefined ? '' : `, got "${sw.text}"${didYouMean(sw.text, TCP_CT_STATES)}`;
      return syntaxError(`expected a TCP state (${TCP_CT_STATES.join(', ')})${got}`, sw?.column ?? c.end);
    }
    tcpState = sw.text as TcpCtState;
  } else if (sw !== undefined && /^[A-Z_0-9]+$/.test(sw.text)) {
    return syntaxError(`"${sw.text}": only tcp entries print a state; ${first.text} goes on with src=`, sw.column);
  }

  const orig = tuple(c, proto, 'original');
  if (!orig.ok) return orig;
  let unreplied = false;
  if (c.peek()?.text === '[UNREPLIED]') {
    c.next();
    unreplied = true;
  }
  const replyAt = c.column();
  if (c.peek() === undefined) return syntaxError('the reply tuple is missing: expected src= after the original tuple (conntrack -L prints both)', c.end);
  if (!c.peek()?.text.startsWith('src=')) {
    return syntaxError(`expected ${unreplied ? 'the reply tuple (src=...)' : '[UNREPLIED] or the reply tuple (src=...)'}, got "${c.peek()?.text}"`, replyAt);
  }
  const reply = tuple(c, proto, 'reply');
  if (!reply.ok) return reply;
  if (proto === IPPROTO_ICMP) {
    // The reply's type= word: the tuple ends with type, code and id.
    const r = checkIcmpReply(orig.value, reply.value, c.words[c.i - 3]?.column ?? replyAt, c.words[c.i - 1]?.column ?? replyAt);
    if (!r.ok) return r;
  }

  const spec: ConntrackSpec = { text, proto, timeout, orig: orig.value, reply: reply.value, unreplied, assured: false, mark: 0, zone: 0 };
  if (tcpState !== undefined) spec.tcpState = tcpState;
  const tail = trailer(c, spec, unreplied);
  return tail.ok ? { ok: true, value: spec } : tail;
}

/** `[ASSURED] mark=N zone=N use=1`, each optional, in this order (the order they are printed in). */
function trailer(c: Cursor, spec: ConntrackSpec, unreplied: boolean): SyntaxResult<null> {
  const order = ['[ASSURED]', 'mark', 'zone', 'use'];
  let at = 0;
  const expected = (from: number) => order.slice(from).map((k) => (k.startsWith('[') ? k : k === 'use' ? 'use=1' : `${k}=N`)).join(', ');
  for (let w = c.next(); w !== undefined; w = c.next()) {
    const key = w.text.startsWith('[') ? w.text : w.text.split('=')[0];
    const pos = order.indexOf(key);
    if (pos < 0 || !(key.startsWith('[') || w.text.includes('='))) {
      if (w.text === '[UNREPLIED]') return syntaxError(`[UNREPLIED] comes between the original and the reply tuple${unreplied ? ', once' : ''}`, w.column);
      const unmodelled = UNMODELLED_FLAGS.get(w.text);
      if (unmodelled !== undefined) return syntaxError(`${w.text}: ${unmodelled}`, w.column);
      if (key === 'secctx' || key === 'secmark') return syntaxError(`${key}=: SELinux security contexts are not modelled`, w.column);
      if (key === 'src') return syntaxError('a third tuple: an entry has an original and a reply tuple only', w.column);
      const what = w.text.startsWith('[') ? 'unknown flag' : 'unexpected word';
      return syntaxError(`${what} "${w.text}": expected ${expected(at) || 'the end of the line'}${didYouMean(key, order)}`, w.column);
    }
    if (pos < at) return syntaxError(`"${w.text}" is out of place: conntrack -L prints ${order.join(', ')} in this order`, w.column);
    at = pos + 1;
    if (key === '[ASSURED]') {
      spec.assured = true;
      continue;
    }
    const value = w.text.slice(key.length + 1);
    const vcol = w.column + key.length + 1;
    if (key === 'mark') {
      const n = decimal(value, U32_MAX);
      if (n === undefined) return syntaxError(`mark=: "${value}" is not a ct mark (0-${U32_MAX}, decimal as conntrack -L prints it)`, vcol);
      spec.mark = n;
    } else if (key === 'zone') {
      const n = decimal(value, ZONE_MAX);
      if (n === undefined) return syntaxError(`zone=: "${value}" is not a conntrack zone (0-${ZONE_MAX})`, vcol);
      spec.zone = n;
    } else {
      // ctnetlink_dump_use(): the entry's refcount; at rest an entry in the table holds exactly one.
      if (value !== '1') return syntaxError(`use=${value}: an entry at rest holds one reference (use=1); more count packets or expectations in flight, which a scenario cannot have`, vcol);
    }
  }
  return { ok: true, value: null };
}
