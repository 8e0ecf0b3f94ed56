// Linux: conntrack_mt() in net/netfilter/xt_conntrack.c (revision 3); save order from conntrack_dump() in
// extensions/libxt_conntrack.c: state, proto, orig/repl addresses, orig/repl ports, status, expire, dir.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import type { CtStatus, Tuple } from '../../conntrack/tuple.js';
import { formatIpv4 } from '../../../wire/ipv4-addr.js';
import { contiguousLen, parseHostMask } from '../basic-filter.js';
import { formatPortRange, parsePortRange, parseUint, type PortRange } from '../numbers.js';
import { parseProtocol } from '../protocols.js';
import { ctStateBits, formatStateList, parseStateList } from './ct-state.js';

const STATUS_NAMES: ReadonlyArray<readonly [string, CtStatus]> = [
  ['EXPECTED', 'EXPECTED'], ['SEEN_REPLY', 'SEEN_REPLY'], ['ASSURED', 'ASSURED'], ['CONFIRMED', 'CONFIRMED'],
];

type AddrKey = 'ctorigsrc' | 'ctorigdst' | 'ctreplsrc' | 'ctrepldst';
type PortKey = 'ctorigsrcport' | 'ctorigdstport' | 'ctreplsrcport' | 'ctrepldstport';
const ADDR_KEYS: readonly AddrKey[] = ['ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst'];
const PORT_KEYS: readonly PortKey[] = ['ctorigsrcport', 'ctorigdstport', 'ctreplsrcport', 'ctrepldstport'];

interface Inv<T> {
  v: T;
  invert: boolean;
}

interface Spec {
  state?: Inv<number>;
  proto?: Inv<number>;
  addr: Partial<Record<AddrKey, Inv<{ addr: number; mask: number }>>>;
  port: Partial<Record<PortKey, Inv<PortRange>>>;
  status?: Inv<Set<CtStatus>>;
  expire?: Inv<PortRange>;
  dir?: 'ORIGINAL' | 'REPLY';
}

function tupleAddr(ctx: NfPacketContext, key: AddrKey): number {
  const ct = ctx.ct!;
  const t: Tuple = key.startsWith('ctorig') ? ct.orig : ct.reply;
  return key.endsWith('src') ? t.src : t.dst;
}

function tuplePort(ctx: NfPacketContext, key: PortKey): number {
  const ct = ctx.ct!;
  const t: Tuple = key.startsWith('ctorig') ? ct.orig : ct.reply;
  return key.endsWith('srcport') ? t.sport : t.dport;
}

/**
 * conntrack_dump_addr() prints the address as given, host bits included, then `/len` unless the mask is /32;
 * xtables_ipmask_to_cidr() answers -1 for a non-contiguous mask and nothing is printed for it, although the
 * kernel still matches with that mask.
 */
function formatCtAddr(a: { addr: number; mask: number }): string {
  const len = contiguousLen(a.mask);
  return len === 32 || len < 0 ? formatIpv4(a.addr) : `${formatIpv4(a.addr)}/${len}`;
}

function neg(i: { invert: boolean }): string {
  return i.invert ? '! ' : '';
}

function saveText(s: Spec): string {
  const w: string[] = [];
  if (s.state) w.push(`${neg(s.state)}--ctstate ${formatStateList(s.state.v)}`);
  if (s.proto) w.push(`${neg(s.proto)}--ctproto ${s.proto.v}`);
  for (const k of ADDR_KEYS) {
    const a = s.addr[k];
    if (a) w.push(`${neg(a)}--${k} ${formatCtAddr(a.v)}`);
  }
  for (const k of PORT_KEYS) {
    const p = s.port[k];
    if (p) w.push(`${neg(p)}--${k} ${formatPortRange(p.v)}`);
  }
  if (s.status) {
    const names = STATUS_NAMES.filter(([, st]) => s.status!.v.has(st)).map(([n]) => n);
    w.push(`${neg(s.status)}--ctstatus ${names.length ? names.join(',') : 'NONE'}`);
  }
  if (s.expire) w.push(`${neg(s.expire)}--ctexpire ${formatPortRange(s.expire.v)}`);
  if (s.dir) w.push(`--ctdir ${s.dir}`);
  return w.join(' ');
}

/** No own key (without making an array of them, as Object.keys() would). */
function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function evaluate(s: Spec, ctx: NfPacketContext): boolean {
  if (s.state && ((ctStateBits(ctx) & s.state.v) !== 0) === s.state.invert) return false;
  const ct = ctx.ct;
  // conntrack_mt(): without an entry only a pure --ctstate test can match.
  if (ct === null || ct.state === 'UNTRACKED') {
    return s.state !== undefined && s.proto === undefined && isEmpty(s.addr) &&
      isEmpty(s.port) && s.status === undefined && s.expire === undefined && s.dir === undefined;
  }
  if (s.dir && ct.direction !== s.dir) return false;
  if (s.proto && (ct.orig.proto === s.proto.v) === s.proto.invert) return false;
  // Only the keys the rule gives (usually none); the tests are independent, so their order does not matter.
  let k: keyof typeof s.addr;
  for (k in s.addr) {
    const a = s.addr[k];
    // nf_inet_addr_mask_cmp(): both sides masked, so host bits written in the rule do not matter.
    if (a && ((((tupleAddr(ctx, k) ^ a.v.addr) & a.v.mask) >>> 0) === 0) === a.invert) return false;
  }
  let q: keyof typeof s.port;
  for (q in s.port) {
    const p = s.port[q];
    if (p) {
      const v = tuplePort(ctx, q);
      if ((v >= p.v.min && v <= p.v.max) === p.invert) return false;
    }
  }
  if (s.status) {
    let any = false;
    for (const st of s.status.v) if (ct.status.has(st)) any = true;
    if (any === s.status.invert) return false;
  }
  if (s.expire && (ct.timeout >= s.expire.v.min && ct.timeout <= s.expire.v.max) === s.expire.invert) return false;
  return true;
}

export const conntrackMatch: MatchModule = {
  name: 'conntrack',
  options: [
    { name: 'ctstate', args: 1, invertible: true },
    { name: 'ctproto', args: 1, invertible: true },
    ...ADDR_KEYS.map((name) => ({ name, args: 1 as const, invertible: true })),
    ...PORT_KEYS.map((name) => ({ name, args: 1 as const, invertible: true })),
    { name: 'ctstatus', args: 1, invertible: true },
    { name: 'ctexpire', args: 1, invertible: true },
    { name: 'ctdir', args: 1 },
  ],
  create() {
    const s: Spec = { addr: {}, port: {} };
    return {
      option(name, args, invert) {
        const a = args[0];
        if (name === 'ctstate') {
          const bits = parseStateList(a, 0x7f);
          if (bits === undefined) return `Bad ctstate "${a.split(',').find((n) => parseStateList(n, 0x7f) === undefined) ?? a}"`;
          s.state = { v: bits, invert };
        } else if (name === 'ctproto') {
          const p = parseProtocol(a);
          if (p === undefined) return `unknown protocol "${a}" specified`;
          s.proto = { v: p, invert };
        } else if ((ADDR_KEYS as readonly string[]).includes(name)) {
          if (a.includes(',')) return `conntrack: only one address may be given to --${name}`;
          const host = parseHostMask(a);
          if (typeof host === 'string') return host;
          s.addr[name as AddrKey] = { v: host, invert };
        } else if ((PORT_KEYS as readonly string[]).includes(name) || name === 'ctexpire') {
          const r = name === 'ctexpire' ? parseExpire(a) : parsePortRange(a, null);
          if (typeof r === 'string') return r;
          if (name === 'ctexpire') s.expire = { v: r, invert };
          else s.port[name as PortKey] = { v: r, invert };
        } else if (name === 'ctstatus') {
          const set = new Set<CtStatus>();
          for (const n of a.split(',')) {
            if (n === 'NONE') continue;
            const hit = STATUS_NAMES.find(([x]) => x === n);
            if (!hit) return `Bad ctstatus "${n}"`;
            set.add(hit[1]);
          }
          s.status = { v: set, invert };
        } else {
          if (a !== 'ORIGINAL' && a !== 'REPLY') return `Unknown --ctdir "${a}"`;
          s.dir = a;
        }
        return undefined;
      },
      finish() {
        const text = saveText(s);
        if (text === '') return 'conntrack: At least one option is required';
        return { module: 'conntrack', saveText: text, pure: true, match: (ctx: NfPacketContext) => evaluate(s, ctx) };
      },
    };
  },
};

function parseExpire(text: string): PortRange | string {
  const [lo, hi] = text.split(':');
  const min = parseUint(lo);
  const max = hi === undefined ? min : parseUint(hi);
  if (min === undefined || max === undefined || min > max) return `conntrack: bad value for option "--ctexpire"`;
  return { min, max };
}
