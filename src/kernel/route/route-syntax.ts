// `ip route add` syntax (iproute2 ip/iproute.c, iproute_modify()) in and the canonical `ip route` form out
// (print_route()). The checks here are the ones iproute2 and the kernel make on the line alone; those that
// need the namespace (the device exists, the gateway is on-link) belong to the loader.

import type { NexthopSpec, Prefix, RouteSpec, RouteType } from '../netns/world-spec.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../netns/world-spec.js';
import type { Ipv4Addr } from '../../wire/headers.js';
import { formatIpv4, parseIpv4, parsePrefix, prefixMask } from '../../wire/ipv4-addr.js';
import type { SyntaxFailure, SyntaxResult, Word } from '../syntax-words.js';
import { U32_MAX, didYouMean, isValidIfname, parseUnsigned, splitWords, syntaxError } from '../syntax-words.js';

export const ROUTE_TYPES: readonly RouteType[] = [
  'unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit', 'throw',
];

/** Keywords that take a value; `onlink` is the one flag. */
const VALUE_KEYWORDS = [
  'via', 'dev', 'oif', 'src', 'metric', 'preference', 'priority', 'table', 'scope', 'proto', 'protocol', 'mtu',
];

type Scope = NonNullable<RouteSpec['scope']>;

/** rt_scope_t values (include/uapi/linux/rtnetlink.h) that packetwalk models. */
const SCOPES: Record<string, Scope> = { global: 'global', link: 'link', host: 'host', '0': 'global', '253': 'link', '254': 'host' };

const TABLE_NAMES: Record<string, number> = { main: RT_TABLE_MAIN, local: RT_TABLE_LOCAL, default: RT_TABLE_DEFAULT };

/** A table id as `ip` reads it (rtnl_rttable_a2n()): a name from /etc/iproute2/rt_tables or a number. */
export function parseTableId(text: string): number | undefined {
  if (text in TABLE_NAMES) return TABLE_NAMES[text];
  const n = parseUnsigned(text, U32_MAX);
  // Linux: fib_new_table() treats table 0 (RT_TABLE_UNSPEC) as main.
  return n === 0 ? RT_TABLE_MAIN : n;
}

/** A table id as `ip` prints it (rtnl_rttable_n2a()). */
export function formatTableId(id: number): string {
  for (const [name, n] of Object.entries(TABLE_NAMES)) if (n === id) return name;
  return String(id);
}

/** A prefix word: `default`, `all` and `any` mean 0.0.0.0/0 (get_prefix_1()), a bare address is a /32. */
export function parsePrefixWord(text: string): Prefix | undefined {
  if (text === 'default' || text === 'all' || text === 'any') return { addr: 0, len: 0 };
  return parsePrefix(text);
}

/** Parses the arguments of `ip route add`, e.g. "default via 10.0.1.1 dev eth0 metric 100". */
export function parseRoute(text: string): SyntaxResult<RouteSpec> {
  const words = splitWords(text);
  if (words.length === 0) return syntaxError('empty route', 1);
  const route: Partial<RouteSpec> = {};
  const seen = new Set<string>();
  let nexthops: NexthopSpec[] | undefined;

  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word.text === 'nexthop') {
      // iproute_modify(): `nexthop` ends the route's own options; parse_nexthops() reads the rest.
      const nh = parseNexthops(words.slice(i));
      if (!Array.isArray(nh)) return nh;
      nexthops = nh;
      break;
    }
    if (word.text === 'onlink') {
      route.onlink = true;
      continue;
    }
    if (VALUE_KEYWORDS.includes(word.text)) {
      const key = canonicalKeyword(word.text);
      if (seen.has(key)) return syntaxError(`"${word.text}" is given twice`, word.column);
      seen.add(key);
      const used = applyKeyword(route, key, words.slice(i + 1, i + 3), word);
      if (typeof used !== 'number') return used;
      i += used;
      continue;
    }
    // Anything else is `[to] [TYPE] PREFIX`, as in iproute_modify()'s default branch.
    let at: Word | undefined = word;
    if (at.text === 'to') at = words[++i];
    if (at !== undefined && isRouteType(at.text) && route.type === undefined && route.dst === undefined) {
      route.type = at.text;
      at = words[++i];
    }
    if (at === undefined) return syntaxError(`"${word.text}" needs a prefix after it`, word.column);
    if (route.dst !== undefined) {
      // The prefix is already given, so this was meant as a keyword.
      const hint = didYouMean(at.text, [...VALUE_KEYWORDS, 'onlink']);
      return syntaxError(`"${at.text}" is not a modelled ip route keyword (via, dev, src, metric, table, scope, proto, onlink, mtu)${hint}`, at.column);
    }
    const dst = parsePrefixWord(at.text);
    if (dst === undefined) {
      const hint = didYouMean(at.text, [...VALUE_KEYWORDS, 'onlink', ...ROUTE_TYPES]);
      return syntaxError(`"${at.text}" is not a prefix (expected ADDR/LEN or default)${hint}`, at.column);
    }
    // Linux: fib_table_insert() refuses a key with bits set beyond the prefix length.
    if ((dst.addr & ~prefixMask(dst.len)) !== 0) {
      return syntaxError(`Invalid prefix for given prefix length: ${at.text}`, at.column);
    }
    route.dst = dst;
  }
  if (route.dst === undefined) return syntaxError('missing the destination prefix (or "default")', words[0].column);
  const type = route.type ?? 'unicast';
  if (nexthops !== undefined) {
    const err = foldNexthops(route, type, nexthops, words);
    if (err !== undefined) return err;
  }
  const spec: RouteSpec = {
    text,
    type,
    dst: route.dst,
    // iproute_modify(): local and broadcast (like nat and anycast) routes go to the local table unless told.
    table: route.table ?? (type === 'local' || type === 'broadcast' ? RT_TABLE_LOCAL : RT_TABLE_MAIN),
    metric: route.metric ?? 0,
    // iproute_modify(): a unicast route without a gateway or nexthops is link scope.
    scope: route.scope ?? defaultScope(type, route.via !== undefined || route.nexthops !== undefined),
    onlink: route.onlink ?? false,
  };
  if (route.via !== undefined) spec.via = route.via;
  if (route.dev !== undefined) spec.dev = route.dev;
  if (route.src !== undefined) spec.src = route.src;
  if (route.mtu !== undefined) spec.mtu = route.mtu;
  if (route.proto !== undefined) spec.proto = route.proto;
  if (route.nexthops !== undefined) spec.nexthops = route.nexthops;
  return { ok: true, value: spec };
}

/** parse_nexthops() / parse_one_nh(): `nexthop` groups of via, dev, weight and onlink, to the end of the line. */
function parseNexthops(words: Word[]): NexthopSpec[] | SyntaxFailure {
  const out: NexthopSpec[] = [];
  let i = 0;
  while (i < words.length) {
    const kw = words[i];
    if (kw.text !== 'nexthop') return syntaxError(`"nexthop" or end of line is expected instead of "${kw.text}"`, kw.column);
    i++;
    if (i >= words.length) return syntaxError('unexpected end of line after "nexthop"', kw.column);
    const nh: NexthopSpec = { weight: 1, onlink: false };
    const seen = new Set<string>();
    for (; i < words.length && words[i].text !== 'nexthop'; i++) {
      const w = words[i];
      if (w.text === 'onlink') {
        nh.onlink = true;
        continue;
      }
      if (!['via', 'dev', 'weight'].includes(w.text)) {
        return syntaxError(`"nexthop" or end of line is expected instead of "${w.text}" (a nexthop takes via, dev, weight and onlink)`, w.column);
      }
      if (seen.has(w.text)) return syntaxError(`"${w.text}" is given twice in one nexthop`, w.column);
      seen.add(w.text);
      const value = words[++i];
      if (value === undefined) return syntaxError(`"${w.text}" needs a value`, w.column);
      const bad = (what: string) => syntaxError(`argument "${value.text}" is wrong: ${what}`, value.column);
      if (w.text === 'via') {
        nh.via = parseIpv4(value.text);
        if (nh.via === undefined) return bad('not an IPv4 gateway address');
      } else if (w.text === 'dev') {
        if (!isValidIfname(value.text)) return bad('not a valid device name');
        nh.dev = value.text;
      } else {
        // parse_one_nh(): 1..256, sent as rtnh_hops = weight - 1.
        const weight = parseUnsigned(value.text, U32_MAX);
        if (weight === undefined || weight === 0 || weight > 256) return bad('"weight" is invalid (1..256)');
        nh.weight = weight;
      }
    }
    if (nh.via === undefined && nh.dev === undefined) {
      return syntaxError('a nexthop needs "via" or "dev" (RTNETLINK answers: No such device)', kw.column);
    }
    // fib_check_nh_nongw(): onlink asks for a gateway ("PERVASIVE and ONLINK can not be set").
    if (nh.onlink && nh.via === undefined) return syntaxError('Invalid flags for nexthop - PERVASIVE and ONLINK can not be set', kw.column);
    out.push(nh);
  }
  return out;
}

/**
 * fib_get_nhs() and fib_create_info(): a route-level via or dev must be the first nexthop's; the types that
 * carry no nexthop refuse them; one nexthop alone is an ordinary route (its weight is forgotten).
 */
function foldNexthops(route: Partial<RouteSpec>, type: RouteType, nexthops: NexthopSpec[], words: Word[]): SyntaxFailure | undefined {
  const at = words.find((w) => w.text === 'nexthop')!.column;
  if (type === 'blackhole' || type === 'unreachable' || type === 'prohibit' || type === 'throw') {
    return syntaxError('Gateway, device and multipath can not be specified for this route type', at);
  }
  if (type !== 'unicast') return syntaxError(`multipath ${type} routes are not modelled (only unicast)`, at);
  const first = nexthops[0];
  if (route.via !== undefined && first.via !== route.via) return syntaxError('Nexthop gateway does not match RTA_GATEWAY or RTA_VIA', at);
  if (route.dev !== undefined && first.dev !== route.dev) return syntaxError('Nexthop device index does not match RTA_OIF', at);
  if (route.onlink) return syntaxError('"onlink" goes inside each nexthop of a multipath route', at);
  if (nexthops.length === 1) {
    if (first.via !== undefined) route.via = first.via;
    if (first.dev !== undefined) route.dev = first.dev;
    route.onlink = first.onlink;
    return undefined;
  }
  delete route.via;
  delete route.dev;
  route.nexthops = nexthops;
  return undefined;
}

/** One nexthop as print_rta_multipath() prints it: via, dev, weight (always), flags. */
export function formatNexthop(nh: { via?: Ipv4Addr | null; dev?: string | null; weight: number; onlink: boolean }): string {
  const parts = ['nexthop'];
  if (nh.via !== undefined && nh.via !== null) parts.push('via', formatIpv4(nh.via));
  if (nh.dev !== undefined && nh.dev !== null) parts.push('dev', nh.dev);
  parts.push('weight', String(nh.weight));
  if (nh.onlink) parts.push('onlink');
  return parts.join(' ');
}

function isRouteType(word: string): word is RouteType {
  return (ROUTE_TYPES as readonly string[]).includes(word);
}

function canonicalKeyword(key: string): string {
  switch (key) {
    case 'oif': return 'dev';
    case 'preference': case 'priority': return 'metric';
    case 'protocol': return 'proto';
    default: return key;
  }
}

/**
 * Reads the value(s) after keyword `kw` into `route`: the number of words used, or an error pointing at the
 * bad value.
 */
function applyKeyword(route: Partial<RouteSpec>, key: string, after: Word[], kw: Word): number | SyntaxFailure {
  const value = after[0];
  if (value === undefined) return syntaxError(`"${kw.text}" needs a value`, kw.column);
  const bad = (what: string) => syntaxError(`"${value.text}" is not ${what}`, value.column);
  switch (key) {
    case 'via':
      route.via = parseIpv4(value.text);
      return route.via === undefined ? bad('an IPv4 gateway address') : 1;
    case 'src':
      route.src = parseIpv4(value.text);
      return route.src === undefined ? bad('an IPv4 source address') : 1;
    case 'dev':
      if (!isValidIfname(value.text)) return bad('a valid device name');
      route.dev = value.text;
      return 1;
    case 'metric':
      route.metric = parseUnsigned(value.text, U32_MAX);
      return route.metric === undefined ? bad('a metric (0..4294967295)') : 1;
    case 'table':
      route.table = parseTableId(value.text);
      return route.table === undefined ? bad('a table (main, local, default or a number)') : 1;
    case 'scope':
      route.scope = SCOPES[value.text];
      return route.scope === undefined ? bad('a modelled scope (global, link or host)') : 1;
    case 'proto':
      if (!/^[A-Za-z0-9_.-]+$/.test(value.text)) return bad('a route protocol');
      route.proto = value.text;
      return 1;
    case 'mtu': {
      // `mtu lock N` pins the MTU against PMTU updates; the lock is not modelled, the value is.
      const locked = value.text === 'lock';
      const n = after[locked ? 1 : 0];
      route.mtu = n === undefined ? undefined : parseUnsigned(n.text, U32_MAX);
      if (n === undefined || route.mtu === undefined || route.mtu < 68) {
        return syntaxError(`"${n?.text ?? ''}" is not a route MTU (68 or more)`, (n ?? value).column);
      }
      return locked ? 2 : 1;
    }
  }
  return 1;
}

/**
 * iproute_modify(): without `scope`, local routes are host scope, broadcast routes link scope, unicast
 * routes without a gateway link scope; everything else is universe ("global").
 */
function defaultScope(type: RouteType, hasGateway: boolean): Scope {
  if (type === 'local') return 'host';
  if (type === 'broadcast') return 'link';
  if (type === 'unicast' && !hasGateway) return 'link';
  return 'global';
}

function formatDst(dst: Prefix): string {
  if (dst.len === 0 && dst.addr === 0) return 'default';
  return dst.len === 32 ? formatIpv4(dst.addr) : `${formatIpv4(dst.addr)}/${dst.len}`;
}

/**
 * The route as `ip route show table all` prints it (print_route()): type unless unicast, `default` or the
 * prefix (a /32 bare), then via, dev, table unless main, proto unless boot, scope unless global, src,
 * metric unless 0, flags, metrics. The result is itself valid `ip route add` input.
 */
export function formatRoute(spec: RouteSpec): string {
  const parts: string[] = [];
  if (spec.type !== 'unicast') parts.push(spec.type);
  parts.push(formatDst(spec.dst));
  if (spec.via !== undefined) parts.push('via', formatIpv4(spec.via));
  if (spec.dev !== undefined) parts.push('dev', spec.dev);
  if (spec.table !== RT_TABLE_MAIN) parts.push('table', formatTableId(spec.table));
  if (spec.proto !== undefined && spec.proto !== 'boot') parts.push('proto', spec.proto);
  if (spec.scope !== undefined && spec.scope !== 'global') parts.push('scope', spec.scope);
  if (spec.src !== undefined) parts.push('src', formatIpv4(spec.src));
  if (spec.metric !== 0) parts.push('metric', String(spec.metric));
  if (spec.onlink) parts.push('onlink');
  if (spec.mtu !== undefined) parts.push('mtu', String(spec.mtu));
  for (const nh of spec.nexthops ?? []) parts.push(formatNexthop(nh));
  return parts.join(' ');
}
