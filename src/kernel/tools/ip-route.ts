// `ip route add|del|replace|change|append|prepend|flush` (iproute2 ip/iproute.c iproute_modify() and
// iproute_flush()) against a namespace's FIB, with the kernel's checks (fib_create_info(), fib_check_nh()).

import { scopeValue } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../netns/world-spec.js';
import type { FibRoute, RouteDeleteKey, RouteInsertFlags } from '../route/fib.js';
import { ROUTE_TYPES, parseRoute, parseTableId } from '../route/route-syntax.js';
import type { Word } from '../syntax-words.js';
import { isValidIfname } from '../syntax-words.js';
import type { IpRouteCommand, IpRouteFlushCommand, ParseResult, RouteVerb } from './command.js';
import { fail } from './command.js';
import { argsOf } from './ip-words.js';

const CANONICAL: Readonly<Record<string, string>> = {
  via: 'via', dev: 'dev', oif: 'dev', src: 'src', metric: 'metric', preference: 'metric', priority: 'metric',
  table: 'table', scope: 'scope', proto: 'proto', protocol: 'proto', mtu: 'mtu', onlink: 'onlink',
};

/** The flags iproute2 sends for each verb (do_iproute()). */
const FLAGS: Readonly<Record<Exclude<RouteVerb, 'del'>, RouteInsertFlags>> = {
  add: { create: true, excl: true, replace: false, append: false },
  change: { create: false, excl: false, replace: true, append: false },
  replace: { create: true, excl: false, replace: true, append: false },
  prepend: { create: true, excl: false, replace: false, append: false },
  append: { create: true, excl: false, replace: false, append: true },
};

/** `ip route VERB ARGS`: `words` is the whole command, `at` the index of the first argument. */
export function parseIpRoute(text: string, words: readonly Word[], verb: RouteVerb, at: number): ParseResult {
  const { args, offset } = argsOf(text, words, at);
  const parsed = parseRoute(args);
  if (!parsed.ok) return fail(parsed.error, parsed.column + offset);
  const given = words.slice(at).map((w) => CANONICAL[w.text] ?? ((ROUTE_TYPES as readonly string[]).includes(w.text) ? 'type' : '')).filter((k) => k !== '');
  const cmd: IpRouteCommand = { tool: 'ip', object: 'route', verb, text, route: { ...parsed.value, text: args }, given };
  return { ok: true, command: cmd };
}

/** `ip route flush [table T] [dev D] [proto P]`: a flush with no selector is refused, as iproute2 does. */
export function parseIpRouteFlush(text: string, words: readonly Word[], at: number): ParseResult {
  const cmd: IpRouteFlushCommand = { tool: 'ip', object: 'route-flush', text, table: RT_TABLE_MAIN };
  if (at >= words.length) return fail('"ip route flush" requires arguments.', words[at - 1].column);
  for (let i = at; i < words.length; i++) {
    const w = words[i];
    const v = words[i + 1];
    if (!['table', 'dev', 'oif', 'proto', 'protocol'].includes(w.text)) {
      return fail(`"${w.text}" is not a modelled ip route flush selector (table, dev, proto)`, w.column);
    }
    if (v === undefined) return fail(`"${w.text}" needs a value`, w.column);
    i++;
    if (w.text === 'table') {
      const t = v.text === 'all' ? 0 : parseTableId(v.text);
      if (t === undefined) return fail(`"${v.text}" is not a table (main, local, default, all or a number)`, v.column);
      cmd.table = t;
    } else if (w.text === 'dev' || w.text === 'oif') {
      if (!isValidIfname(v.text)) return fail(`"${v.text}" is not a valid device name`, v.column);
      cmd.dev = v.text;
    } else {
      cmd.proto = v.text;
    }
  }
  return { ok: true, command: cmd };
}

const DEV_NOT_FOUND = (dev: string): string => `Cannot find device "${dev}"`;

/** The route a RTM_NEWROUTE builds, or the error fib_create_info() gives. */
function buildRoute(ns: Netns, cmd: IpRouteCommand): FibRoute | string {
  const s = cmd.route;
  const scope = scopeValue(s.scope ?? 'global');
  const base: FibRoute = {
    type: s.type, dst: s.dst.addr, len: s.dst.len, table: s.table, dev: s.dev ?? null, gw: s.via ?? null,
    prefsrc: s.src ?? null, metric: s.metric, scope, proto: s.proto ?? 'boot', onlink: s.onlink, mtu: s.mtu ?? null,
  };
  if (s.dev !== undefined && ns.device(s.dev) === undefined) return DEV_NOT_FOUND(s.dev);
  // fib_valid_prefsrc(): a source other than for local/broadcast routes must be a local address.
  if (s.src !== undefined && s.type !== 'local' && s.type !== 'broadcast' && ns.ownsAddr(s.src) === undefined) {
    return 'Error: Invalid prefsrc address.';
  }
  if (s.type === 'blackhole' || s.type === 'unreachable' || s.type === 'prohibit' || s.type === 'throw') return base;
  if (s.via === undefined) {
    // fib_check_nh_nongw(): a device, and it must be up.
    if (s.dev === undefined) return 'RTNETLINK answers: No such device';
    if (!ns.device(s.dev)!.up) return 'Error: Device for nexthop is not up.';
    return base;
  }
  if (s.onlink) {
    if (s.dev === undefined) return 'Error: Nexthop device required for onlink.';
    if (!ns.device(s.dev)!.up) return 'Error: Nexthop device is not up.';
    return base;
  }
  // fib_check_nh_v4_gw(): the gateway must be reached through a route of narrower scope (link or host), of
  // type unicast or local, ignoring link state; through the route's own table first, then the rules.
  const nh = gatewayRoute(ns, s.via, s.dev ?? null, scope, s.table);
  if (nh === undefined || (nh.type !== 'unicast' && nh.type !== 'local') || nh.dev === null) return 'Error: Nexthop has invalid gateway.';
  if (s.dev !== undefined && nh.dev !== s.dev) return 'Error: Nexthop has invalid gateway.';
  const dev = ns.device(nh.dev);
  if (dev === undefined || !dev.up) return 'Error: Nexthop device is not up.';
  return { ...base, dev: nh.dev };
}

function gatewayRoute(ns: Netns, gw: number, oif: string | null, scope: number, table: number): FibRoute | undefined {
  const key = { dst: gw, src: 0, iif: null, oif, mark: 0, tos: 0 };
  const usable = (r: FibRoute): boolean => r.scope > scope;
  const narrower = (t: number): FibRoute | undefined => {
    const found = ns.fib.tableLookup(t, key, usable);
    return found && found.scope > scope ? found : undefined;
  };
  if (table !== RT_TABLE_MAIN && ns.fib.tables.has(table)) {
    const r = narrower(table);
    if (r) return r;
  }
  for (const rule of ns.fib.rules) {
    if (rule.action !== 'lookup' || !ns.fib.ruleMatches(rule, { ...key, iif: 'lo' })) continue;
    const r = narrower(rule.table);
    if (r && r.type !== 'throw') return r;
  }
  return undefined;
}

/** fib_table_delete() with iproute2's RTM_DELROUTE: unset attributes are wildcards. */
function deleteKey(ns: Netns, cmd: IpRouteCommand): RouteDeleteKey | string {
  const s = cmd.route;
  const has = (k: string): boolean => cmd.given.includes(k);
  if (s.dev !== undefined && ns.device(s.dev) === undefined) return DEV_NOT_FOUND(s.dev);
  const k: RouteDeleteKey = { dst: s.dst.addr, len: s.dst.len, table: s.table };
  if (has('type')) k.type = s.type;
  if (has('scope')) k.scope = scopeValue(s.scope ?? 'global');
  if (has('src')) k.prefsrc = s.src;
  if (has('proto')) k.proto = s.proto;
  // fib_nh_match(): a metric of 0 is no metric.
  if (has('metric') && s.metric !== 0) k.metric = s.metric;
  if (has('dev')) k.dev = s.dev;
  if (has('via')) k.gw = s.via;
  return k;
}

export function applyIpRoute(ns: Netns, cmd: IpRouteCommand): string[] {
  if (cmd.verb === 'del') {
    const key = deleteKey(ns, cmd);
    if (typeof key === 'string') return [key];
    if (key.table !== RT_TABLE_MAIN && key.table !== RT_TABLE_LOCAL && !ns.fib.tables.has(key.table)) {
      return ['Error: FIB table does not exist.'];
    }
    return ns.fib.deleteRoute(key) ? [] : ['RTNETLINK answers: No such process'];
  }
  const route = buildRoute(ns, cmd);
  if (typeof route === 'string') return [route];
  const err = ns.fib.insertRoute(route, FLAGS[cmd.verb]);
  if (err === 'EEXIST') return ['RTNETLINK answers: File exists'];
  if (err === 'ENOENT') return ['RTNETLINK answers: No such file or directory'];
  return [];
}

/** iproute_flush(): deletes every route of the table (0: all tables) that the selectors match. */
export function applyIpRouteFlush(ns: Netns, cmd: IpRouteFlushCommand): string[] {
  if (cmd.dev !== undefined && ns.device(cmd.dev) === undefined) return [DEV_NOT_FOUND(cmd.dev)];
  ns.fib.removeRoutesWhere((r) => (cmd.table === 0 || r.table === cmd.table)
    && (cmd.dev === undefined || r.dev === cmd.dev)
    && (cmd.proto === undefined || r.proto === cmd.proto));
  return [];
}

