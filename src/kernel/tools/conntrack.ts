// `conntrack -D [filters]` and `conntrack -F` as conntrack-tools 1.4.7 takes them (src/conntrack.c): options
// parsed in order, protocol options (`--sport`, `--state`, ...) known only after `-p`; `-D` deletes every
// entry the filters match, prints "N flow entries have been deleted." and exits 1 when none matched.

import type { CtEntry } from '../conntrack/entry.js';
import type { TcpCtState } from '../conntrack/tcp-state.js';
import type { Netns } from '../netns/netns.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from '../../wire/headers.js';
import { parseIpv4, prefixMask } from '../../wire/ipv4-addr.js';
import type { Word } from '../syntax-words.js';
import { U32_MAX, parseUnsigned } from '../syntax-words.js';
import type { ConntrackCommand, ConntrackFilter, ParseResult } from './command.js';
import { fail } from './command.js';

const PREFIX = 'conntrack v1.4.7 (conntrack-tools)';

const TCP_STATES: readonly TcpCtState[] = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];
/** The status bits `-u` names (IPS_* in include/uapi/linux/netfilter/nf_conntrack_common.h). */
const STATUS = ['EXPECTED', 'ASSURED', 'SEEN_REPLY', 'FIXED_TIMEOUT', 'UNSET'];

type AddrKey = 'origSrc' | 'origDst' | 'replySrc' | 'replyDst';
type PortKey = 'origSport' | 'origDport' | 'replySport' | 'replyDport';

const ADDR_OPTS: Readonly<Record<string, AddrKey>> = {
  '-s': 'origSrc', '--orig-src': 'origSrc', '--src': 'origSrc', '-d': 'origDst', '--orig-dst': 'origDst', '--dst': 'origDst',
  '-r': 'replySrc', '--reply-src': 'replySrc', '-q': 'replyDst', '--reply-dst': 'replyDst',
};
const PORT_OPTS: Readonly<Record<string, PortKey>> = {
  '--sport': 'origSport', '--orig-port-src': 'origSport', '--dport': 'origDport', '--orig-port-dst': 'origDport',
  '--reply-port-src': 'replySport', '--reply-port-dst': 'replyDport',
};

function protoNumber(text: string): number | undefined {
  if (text === 'tcp') return IPPROTO_TCP;
  if (text === 'udp') return IPPROTO_UDP;
  if (text === 'icmp') return IPPROTO_ICMP;
  return parseUnsigned(text, 255);
}

/** ADDR or ADDR/LEN, as conntrack's parse_inetaddr() and its CIDR form take them. */
function parseAddr(text: string): { addr: number; len: number } | undefined {
  const [a, l] = text.split('/', 2);
  const addr = parseIpv4(a);
  const len = l === undefined ? 32 : /^[0-9]{1,2}$/.test(l) && Number(l) <= 32 ? Number(l) : undefined;
  return addr === undefined || len === undefined ? undefined : { addr, len };
}

export function parseConntrack(text: string, words: readonly Word[]): ParseResult {
  let op: ConntrackCommand['op'] | undefined;
  const filter: ConntrackFilter = {};
  const unknown = (w: Word): ParseResult => fail(`${PREFIX}: unknown option \`${w.text}'`, w.column);
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    const t = w.text;
    if (t === '-D' || t === '--delete' || t === '-F' || t === '--flush') {
      if (op !== undefined) return fail(`${PREFIX}: Invalid parameters: only one command at a time`, w.column);
      op = t === '-D' || t === '--delete' ? 'delete' : 'flush';
      continue;
    }
    if (!t.startsWith('-')) return fail(`${PREFIX}: Bad parameter \`${t}'`, w.column);
    const v = words[i + 1];
    const known = t in ADDR_OPTS || t in PORT_OPTS || ['-p', '--proto', '-m', '--mark', '-u', '--status', '-w', '--zone', '--state'].includes(t);
    if (!known) return unknown(w);
    // Protocol options exist only once `-p` has loaded the protocol's extension.
    if (t in PORT_OPTS && filter.proto !== IPPROTO_TCP && filter.proto !== IPPROTO_UDP) return unknown(w);
    if (t === '--state' && filter.proto !== IPPROTO_TCP) return unknown(w);
    if (v === undefined) return fail(`${PREFIX}: option \`${t}' requires an argument`, w.column);
    i++;
    const bad = (what: string): ParseResult => fail(`${PREFIX}: ${what} \`${v.text}'`, v.column);
    if (t in ADDR_OPTS) {
      const a = parseAddr(v.text);
      if (a === undefined) return bad('Bad address');
      filter[ADDR_OPTS[t]] = a;
    } else if (t in PORT_OPTS) {
      const p = parseUnsigned(v.text, 65535);
      if (p === undefined) return bad('Bad port');
      filter[PORT_OPTS[t]] = p;
    } else if (t === '-p' || t === '--proto') {
      const p = protoNumber(v.text);
      if (p === undefined) return bad('unknown protocol');
      filter.proto = p;
    } else if (t === '--state') {
      if (!(TCP_STATES as readonly string[]).includes(v.text)) return bad('unknown TCP state');
      filter.state = v.text;
    } else if (t === '-m' || t === '--mark') {
      const [m, k] = v.text.split('/', 2);
      const value = parseUnsigned(m, U32_MAX);
      const mask = k === undefined ? U32_MAX : parseUnsigned(k, U32_MAX);
      if (value === undefined || mask === undefined) return bad('Bad mark');
      filter.mark = { value, mask };
    } else if (t === '-u' || t === '--status') {
      const list = v.text.split(',');
      const wrong = list.find((s) => !STATUS.includes(s));
      if (wrong !== undefined) return fail(`${PREFIX}: Bad parameter \`${wrong}'`, v.column);
      filter.status = list;
    } else {
      const z = parseUnsigned(v.text, 65535);
      if (z === undefined) return bad('Bad zone');
      filter.zone = z;
    }
  }
  if (op === undefined) return fail(`${PREFIX}: no command given (modelled: -D [filters], -F)`, words[0].column);
  if (op === 'flush' && Object.keys(filter).length > 0) return fail(`${PREFIX}: Illegal option with -F: filters need -D`, words[0].column);
  const cmd: ConntrackCommand = { tool: 'conntrack', text, op, filter };
  return { ok: true, command: cmd };
}

function inPrefix(addr: number, p: { addr: number; len: number } | undefined): boolean {
  if (p === undefined) return true;
  const m = prefixMask(p.len);
  return ((addr & m) >>> 0) === ((p.addr & m) >>> 0);
}

/** Does `e` pass every filter given (conntrack-tools filter_nat/filter by tuple, mark, status, zone)? */
export function conntrackMatches(e: CtEntry, f: ConntrackFilter): boolean {
  if (f.proto !== undefined && e.orig.proto !== f.proto) return false;
  if (!inPrefix(e.orig.src, f.origSrc) || !inPrefix(e.orig.dst, f.origDst)) return false;
  if (!inPrefix(e.reply.src, f.replySrc) || !inPrefix(e.reply.dst, f.replyDst)) return false;
  if (f.origSport !== undefined && e.orig.sport !== f.origSport) return false;
  if (f.origDport !== undefined && e.orig.dport !== f.origDport) return false;
  if (f.replySport !== undefined && e.reply.sport !== f.replySport) return false;
  if (f.replyDport !== undefined && e.reply.dport !== f.replyDport) return false;
  if (f.state !== undefined && e.tcp?.state !== f.state) return false;
  if (f.mark !== undefined && ((e.mark & f.mark.mask) >>> 0) !== f.mark.value) return false;
  if (f.status !== undefined) {
    for (const s of f.status) {
      if (s === 'UNSET' ? e.status.size > 0 && [...e.status].some((x) => x !== 'CONFIRMED') : !e.status.has(s as never)) return false;
    }
  }
  const zone = (e as { zone?: number }).zone ?? 0;
  if (f.zone !== undefined && zone !== f.zone) return false;
  return true;
}

export function applyConntrack(ns: Netns, cmd: ConntrackCommand, now: number): string[] {
  const table = ns.nf?.conntrack;
  if (cmd.op === 'flush') {
    table?.flush();
    return [];
  }
  const doomed = table ? table.entries(now).filter((e) => conntrackMatches(e, cmd.filter)) : [];
  for (const e of doomed) table!.delete(e);
  return doomed.length > 0 ? [] : [`${PREFIX}: 0 flow entries have been deleted.`];
}
