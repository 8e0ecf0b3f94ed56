import type { Ipv4Addr } from '../../wire/headers.js';
import { prefixMask } from '../../wire/ipv4-addr.js';
import type { RouteType } from '../netns/world-spec.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../netns/world-spec.js';
import { describeRoute } from './route-text.js';

/** struct fib_alias + fib_info + one nexthop, reduced. */
export interface FibRoute {
  readonly type: RouteType;
  readonly dst: Ipv4Addr;
  readonly len: number;
  readonly table: number;
  readonly dev: string | null;
  readonly gw: Ipv4Addr | null;
  readonly prefsrc: Ipv4Addr | null;
  readonly metric: number;
  readonly scope: number;
  readonly proto: string;
  readonly onlink: boolean;
  readonly mtu: number | null;
  /**
   * ECMP (fib_info with fib_nhs > 1): every nexthop. `dev` and `gw` above are then those of the nexthop in use:
   * the first in the table (nh_sel 0), the selected one in a lookup result (`nhSel`).
   */
  readonly nexthops?: readonly FibNexthop[];
  /** The nexthop a lookup selected (fib_result.nh_sel), for a multipath route. */
  readonly nhSel?: number;
}

/** struct fib_nh, reduced: one path of a multipath route. */
export interface FibNexthop {
  readonly gw: Ipv4Addr | null;
  readonly dev: string | null;
  readonly weight: number;
  readonly onlink: boolean;
}

/** struct fib_rule, reduced to the selectors `ip rule` offers. */
export interface FibRule {
  readonly priority: number;
  readonly not: boolean;
  readonly src: Ipv4Addr;
  readonly srcLen: number;
  readonly dst: Ipv4Addr;
  readonly dstLen: number;
  readonly iif: string | null;
  readonly oif: string | null;
  readonly mark: number;
  readonly markMask: number;
  readonly tos: number;
  readonly action: 'lookup' | 'blackhole' | 'unreachable' | 'prohibit';
  readonly table: number;
  /** FRA_IP_PROTO; 0 for any. */
  readonly ipproto?: number;
  readonly sport?: { readonly start: number; readonly end: number };
  readonly dport?: { readonly start: number; readonly end: number };
  readonly uidrange?: { readonly start: number; readonly end: number };
  /** FRA_SUPPRESS_PREFIXLEN (-1, unset, in the kernel). */
  readonly suppressPrefixlength?: number;
}

/** The flow key a lookup uses (struct flowi4). Output lookups have iif "lo", as Linux sets LOOPBACK_IFINDEX. */
export interface FlowKey {
  dst: Ipv4Addr;
  src: Ipv4Addr;
  iif: string | null;
  oif: string | null;
  mark: number;
  tos: number;
  /** flowi4_proto; fl4_sport / fl4_dport (an ICMP type and code share the port union); flowi4_uid. */
  proto?: number;
  sport?: number;
  dport?: number;
  uid?: number;
}

export type FibError = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL';

/** The netlink flags of RTM_NEWROUTE that `ip route add|change|replace|prepend|append` send. */
export interface RouteInsertFlags {
  create: boolean;
  excl: boolean;
  replace: boolean;
  append: boolean;
}

/**
 * What RTM_DELROUTE names: the key always, the rest only when given (fib_table_delete() treats an unset type,
 * scope (RT_SCOPE_NOWHERE), prefsrc, protocol, metric, device and gateway as wildcards).
 */
export interface RouteDeleteKey {
  dst: Ipv4Addr;
  len: number;
  table: number;
  type?: RouteType;
  scope?: number;
  prefsrc?: Ipv4Addr;
  proto?: string;
  metric?: number;
  dev?: string;
  gw?: Ipv4Addr;
}

/** What RTM_DELRULE names: fib_nl_delrule() -> rule_find() compares only the attributes given. */
export interface RuleDeleteKey {
  priority?: number;
  action?: FibRule['action'];
  table?: number;
  src?: { addr: Ipv4Addr; len: number };
  dst?: { addr: Ipv4Addr; len: number };
  iif?: string;
  oif?: string;
  mark?: number;
  markMask?: number;
  tos?: number;
}

/** fib_info equality as fib_table_insert() uses it to find an exact duplicate (fa_info == fi). */
function sameInfo(a: FibRoute, b: FibRoute): boolean {
  return a.type === b.type && a.dev === b.dev && a.gw === b.gw && a.prefsrc === b.prefsrc && a.metric === b.metric
    && a.scope === b.scope && a.proto === b.proto && a.onlink === b.onlink && a.mtu === b.mtu;
}

export type FibResult =
  | { ok: true; route: FibRoute; rule: FibRule }
  | { ok: false; error: FibError; rule: FibRule | null };

/** The netmask of a prefix length (the wire layer's prefixMask). */
export const maskOf = prefixMask;

function covers(prefix: Ipv4Addr, len: number, addr: Ipv4Addr): boolean {
  const m = maskOf(len);
  return ((addr & m) >>> 0) === ((prefix & m) >>> 0);
}

function inRange(range: { start: number; end: number } | undefined, v: number | undefined): boolean {
  return range === undefined || ((v ?? 0) >= range.start && (v ?? 0) <= range.end);
}

/** A rule ruleMatches() accepts for any flow: no selector, not inverted. */
function matchesEveryFlow(r: FibRule): boolean {
  return !r.not && r.srcLen === 0 && r.dstLen === 0 && r.iif === null && r.oif === null && r.markMask === 0 && r.uidrange === undefined &&
    r.tos === 0 && !r.ipproto && r.sport === undefined && r.dport === undefined;
}

/** The default rule set of a new namespace (fib4_rules_init()). */
function defaultRules(): FibRule[] {
  const base = { not: false, src: 0, srcLen: 0, dst: 0, dstLen: 0, iif: null, oif: null, mark: 0, markMask: 0, tos: 0, action: 'lookup' as const };
  return [
    { ...base, priority: 0, table: RT_TABLE_LOCAL },
    { ...base, priority: 32766, table: RT_TABLE_MAIN },
    { ...base, priority: 32767, table: RT_TABLE_DEFAULT },
  ];
}

const ROUTE_TEXT_MEMO_MAX = 4096;

/**
 * The IPv4 FIB of one namespace: routing tables by id, and the policy rules that pick among them.
 * Linux: net/ipv4/fib_trie.c (fib_table_lookup) and fib_rules.c (fib_rules_lookup).
 */
export class Fib {
  /**
   * The tables and the rules, written only by the methods below: each write also drops what is kept over them
   * (the prefix indexes, the route texts, the dst cache, the rule snapshot). Readers get read-only views.
   */
  readonly #tables = new Map<number, FibRoute[]>();
  readonly #rules: FibRule[] = defaultRules();
  /** #anyFlowRules()'s snapshot. */
  #anyFlow: AnyFlowRules | undefined = undefined;
  #customRules = false;
  #customLocalRoutes = false;
  /** The random multipath hash seed used while fib_multipath_hash_seed is 0, drawn on first use. */
  mpRandomSeed: number | null = null;
  /** Nexthop buckets the branch explorer decided, per route and flow (multipath.ts). */
  readonly mpDecided = new Map<string, number>();

  /** Prefix indexes of the tables, rebuilt after any route change (tableIndex()). */
  readonly #indexes = new Map<number, TableIndex>();

  /** routeText()'s memo: each route object's `ip route show` line (a route object never changes once in a table). */
  readonly #texts = new Map<FibRoute, string>();

  /**
   * lookup()'s answers by destination, for keys whose answer depends on nothing else: every rule matches every
   * flow, no output device, and the namespace's own device test (`#cachedUsable`, routeUsable()). The kernel keeps
   * a route per destination likewise (the dst cache) and drops them all on any change (rt_cache_flush(): a route,
   * a rule, a device going up or down); so does flushDstCache(). Multipath answers are not kept (a fresh nexthop
   * pick per lookup). Keyed by the signed destination, a small integer.
   */
  readonly #dsts = new Map<number, FibResult>();
  #cachedUsable: ((r: FibRoute) => boolean) | null = null;

  #changed(): void {
    this.#indexes.clear();
    this.#texts.clear();
    this.#dsts.clear();
  }

  /** A rule came or went: the snapshot of which rules match every flow is made again, and no kept answer holds. */
  #rulesChanged(): void {
    this.#anyFlow = undefined;
    this.#dsts.clear();
  }

  /** The device test whose answers lookup() may keep per destination (routeUsable(): one per namespace). */
  cacheLookupsFor(usable: (r: FibRoute) => boolean): void {
    this.#dsts.clear();
    this.#cachedUsable = usable;
  }

  /** rt_cache_flush(): a device came up or was added, so a route may have become usable. */
  flushDstCache(): void {
    this.#dsts.clear();
  }

  /**
   * describeRoute(r) with its default table word, printed once per route object: hops print the route of every
   * lookup. A multipath route or one of its nexthop picks (a fresh object per lookup) is printed each time.
   */
  routeText(r: FibRoute): string {
    if (r.nexthops !== undefined || r.nhSel !== undefined) return describeRoute(r);
    let text = this.#texts.get(r);
    if (text === undefined) {
      // Bounded whatever objects callers pass: a full memo starts again.
      if (this.#texts.size >= ROUTE_TEXT_MEMO_MAX) this.#texts.clear();
      text = describeRoute(r);
      this.#texts.set(r, text);
    }
    return text;
  }

  /** The routing tables by id, each in fib_table order (`ip route show table N` lists them). */
  get tables(): ReadonlyMap<number, readonly FibRoute[]> {
    return this.#tables;
  }

  /** The policy rules by priority (`ip rule show`). */
  get rules(): readonly FibRule[] {
    return this.#rules;
  }

  /** fib4_has_custom_rules(): set by the first `ip rule add`; it also unmerges the local table from main. */
  get customRules(): boolean {
    return this.#customRules;
  }

  /** fib_has_custom_local_routes: a `local` route added by hand. */
  get customLocalRoutes(): boolean {
    return this.#customLocalRoutes;
  }

  /** Either of the above: they make fib_validate_source() do a full lookup instead of the address check. */
  get custom(): boolean {
    return this.#customRules || this.#customLocalRoutes;
  }

  /**
   * The table a lookup reports (inet_rtm_getroute()'s table id). Until the first custom rule, fib_lookup()
   * searches main only, the local table's routes being merged into it (fib_trie's merged local table), so
   * they report main.
   */
  reportedTable(table: number): number {
    return table === RT_TABLE_LOCAL && !this.#customRules ? RT_TABLE_MAIN : table;
  }

  addRoute(r: FibRoute): void {
    this.#changed();
    if (r.type === 'local' && r.proto !== 'kernel') this.#customLocalRoutes = true;
    let t = this.#tables.get(r.table);
    if (!t) {
      t = [];
      this.#tables.set(r.table, t);
    }
    t.push(r);
  }

  /** fib_sync_down_dev() on NETDEV_UNREGISTER: a route with any nexthop on `dev` goes. */
  removeRoutesOf(dev: string): void {
    this.#changed();
    const uses = (r: FibRoute): boolean => r.dev === dev || (r.nexthops ?? []).some((nh) => nh.dev === dev);
    for (const [id, t] of this.#tables) this.#tables.set(id, t.filter((r) => !uses(r)));
  }

  /** Removes every route `drop` selects, in every table; returns how many went. */
  removeRoutesWhere(drop: (r: FibRoute) => boolean): number {
    this.#changed();
    let n = 0;
    for (const [id, t] of this.#tables) {
      const kept = t.filter((r) => !drop(r));
      n += t.length - kept.length;
      this.#tables.set(id, kept);
    }
    return n;
  }

  /**
   * fib_table_insert() with the flags `ip route` sends: an alias with the same prefix and metric makes `add`
   * (NLM_F_EXCL) fail with EEXIST; `replace`/`change` (NLM_F_REPLACE) take the first such alias's place; an
   * exact duplicate (same type and fib_info) is EEXIST otherwise; `append` goes after the aliases of that
   * metric, the rest before them; without NLM_F_CREATE nothing is created (ENOENT).
   */
  insertRoute(r: FibRoute, flags: RouteInsertFlags): 'EEXIST' | 'ENOENT' | null {
    this.#changed();
    const t = this.#tables.get(r.table) ?? [];
    const same = t.filter((x) => x.dst === r.dst && x.len === r.len && x.metric === r.metric);
    if (same.length > 0) {
      if (flags.excl) return 'EEXIST';
      const match = same.find((x) => sameInfo(x, r));
      if (flags.replace) {
        if (match === same[0]) return null;
        if (match !== undefined) return 'EEXIST';
        if (r.type === 'local' && r.proto !== 'kernel') this.#customLocalRoutes = true;
        t[t.indexOf(same[0])] = r;
        return null;
      }
      if (match !== undefined) return 'EEXIST';
    }
    if (!flags.create) return 'ENOENT';
    if (!this.#tables.has(r.table)) this.#tables.set(r.table, t);
    if (r.type === 'local' && r.proto !== 'kernel') this.#customLocalRoutes = true;
    if (same.length === 0 || flags.append) t.splice(same.length === 0 ? t.length : t.indexOf(same[same.length - 1]) + 1, 0, r);
    else t.splice(t.indexOf(same[0]), 0, r);
    return null;
  }

  /** fib_table_delete(): the first alias of the key that every given attribute matches, removed. */
  deleteRoute(k: RouteDeleteKey): FibRoute | undefined {
    this.#changed();
    const t = this.#tables.get(k.table);
    if (!t) return undefined;
    const at = t.findIndex((r) => r.dst === k.dst && r.len === k.len
      && (k.type === undefined || r.type === k.type)
      && (k.scope === undefined || r.scope === k.scope)
      && (k.prefsrc === undefined || r.prefsrc === k.prefsrc)
      && (k.proto === undefined || r.proto === k.proto)
      && (k.metric === undefined || r.metric === k.metric)
      && (k.dev === undefined || r.dev === k.dev)
      && (k.gw === undefined || r.gw === k.gw));
    if (at < 0) return undefined;
    return t.splice(at, 1)[0];
  }

  /** rule_find() for fib_nl_delrule(): the first rule every given attribute matches, removed. */
  deleteRule(k: RuleDeleteKey): FibRule | undefined {
    this.#rulesChanged();
    const at = this.#rules.findIndex((r) => (k.priority === undefined || r.priority === k.priority)
      && (k.action === undefined || r.action === k.action)
      && (k.table === undefined || r.table === k.table)
      && (k.src === undefined || (r.srcLen === k.src.len && r.src === k.src.addr))
      && (k.dst === undefined || (r.dstLen === k.dst.len && r.dst === k.dst.addr))
      && (k.iif === undefined || r.iif === k.iif)
      && (k.oif === undefined || r.oif === k.oif)
      && (k.mark === undefined || r.mark === k.mark)
      && (k.markMask === undefined || r.markMask === k.markMask)
      && (k.tos === undefined || r.tos === k.tos));
    if (at < 0) return undefined;
    return this.#rules.splice(at, 1)[0];
  }

  /**
   * fib_nl_newrule(): without a priority, fib_default_rule_pref() takes the second rule's priority minus one
   * (0 when that rule is at priority 0 too), so rules added in turn get 32765, 32764, ...
   */
  addRule(rule: Omit<FibRule, 'priority'> & { priority?: number }): FibRule {
    let priority = rule.priority;
    if (priority === undefined) {
      const second = this.#rules[1];
      priority = second && second.priority > 0 ? second.priority - 1 : 0;
    }
    const full: FibRule = { ...rule, priority };
    this.#rulesChanged();
    this.#customRules = true;
    let i = this.#rules.findIndex((r) => r.priority > priority!);
    if (i < 0) i = this.#rules.length;
    this.#rules.splice(i, 0, full);
    return full;
  }

  /** fib_rule_match() and fib4_rule_match(); the uid range defaults to all uids, a socket's is 0 (root). */
  ruleMatches(r: FibRule, key: FlowKey): boolean {
    // Each selector reads the flow only when the rule has it (most rules, the default three, have none).
    let ok = true;
    if (r.srcLen > 0 && !covers(r.src, r.srcLen, key.src)) ok = false;
    else if (r.dstLen > 0 && !covers(r.dst, r.dstLen, key.dst)) ok = false;
    else if (r.iif !== null && r.iif !== key.iif) ok = false;
    else if (r.oif !== null && r.oif !== key.oif) ok = false;
    else if (r.markMask !== 0 && (((r.mark ^ key.mark) & r.markMask) >>> 0) !== 0) ok = false;
    else if (r.uidrange !== undefined && !inRange(r.uidrange, key.uid)) ok = false;
    else if (r.tos !== 0 && r.tos !== key.tos) ok = false;
    else if (r.ipproto && r.ipproto !== (key.proto ?? 0)) ok = false;
    else if ((r.sport !== undefined && !inRange(r.sport, key.sport)) || (r.dport !== undefined && !inRange(r.dport, key.dport))) ok = false;
    return r.not ? !ok : ok;
  }

  /** fib_lookup() through the rules; `usable` says whether a route's device can carry traffic now. */
  lookup(key: FlowKey, usable: (r: FibRoute) => boolean): FibResult {
    const any = this.#anyFlowRules();
    if (!any.all || key.oif !== null || usable !== this.#cachedUsable) return this.#lookup(key, usable, any);
    const dst = key.dst | 0;
    let res = this.#dsts.get(dst);
    if (res === undefined) {
      res = this.#lookup(key, usable, any);
      if (!res.ok || (res.route.nexthops === undefined && res.route.nhSel === undefined)) this.#dsts.set(dst, res);
    }
    return res;
  }

  #lookup(key: FlowKey, usable: (r: FibRoute) => boolean, any: AnyFlowRules): FibResult {
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      // A rule without selectors (the default three) matches every flow: ruleMatches() is not asked.
      if (!(any.rules[i] === rule && any.matchesAll[i]) && !this.ruleMatches(rule, key)) continue;
      switch (rule.action) {
        case 'blackhole':
          return { ok: false, error: 'EINVAL', rule };
        case 'unreachable':
          // fib4_rule_action(): FR_ACT_UNREACHABLE is ENETUNREACH, unlike an unreachable route (EHOSTUNREACH).
          return { ok: false, error: 'ENETUNREACH', rule };
        case 'prohibit':
          return { ok: false, error: 'EACCES', rule };
        case 'lookup': {
          const route = this.tableLookup(rule.table, key, usable);
          if (!route || route.type === 'throw') continue;
          if (route.type === 'blackhole') return { ok: false, error: 'EINVAL', rule };
          if (route.type === 'unreachable') return { ok: false, error: 'EHOSTUNREACH', rule };
          if (route.type === 'prohibit') return { ok: false, error: 'EACCES', rule };
          // fib4_rule_suppress(): a successful answer this narrow (or narrower) is refused; go on with the next rule.
          if (rule.suppressPrefixlength !== undefined && route.len <= rule.suppressPrefixlength) continue;
          return { ok: true, route, rule };
        }
      }
    }
    return { ok: false, error: 'ENETUNREACH', rule: null };
  }

  /**
   * fib_table_lookup(): longest prefix, then lowest metric, then first added. The trie's walk is an index here:
   * the table's prefix lengths, longest first, each a map from the masked destination to its routes in the
   * order added; the first length with a usable route decides, as the longest match of a full scan would.
   */
  tableLookup(table: number, key: FlowKey, usable: (r: FibRoute) => boolean): FibRoute | undefined {
    const idx = this.#tableIndex(table);
    if (idx === undefined) return undefined;
    for (const level of idx.levels) {
      const routes = level.byPrefix.get(key.dst & level.mask);
      if (routes === undefined) continue;
      let best: FibRoute | undefined;
      for (const route of routes) {
        const r = route.nexthops ? liveNexthops(route, key.oif, usable) : route;
        if (r === undefined) continue;
        if (key.oif !== null && r.dev !== null && r.dev !== key.oif && r.type === 'unicast') continue;
        if (r.dev !== null && !usable(r)) continue;
        if (!best || r.metric < best.metric) best = r;
      }
      if (best) return best;
    }
    return undefined;
  }

  /**
   * Which rules have no selector at all (and no `not`), so match every flow; a snapshot of the rule list,
   * made again when its length changes, and read only where its rule is the one at that index now. Rules are
   * never edited once in the list (`ip rule` builds a new one).
   */
  #anyFlowRules(): AnyFlowRules {
    const c = this.#anyFlow;
    if (c !== undefined && c.rules.length === this.#rules.length) return c;
    const rules = this.#rules.slice();
    const matchesAll = rules.map(matchesEveryFlow);
    const made = { rules, matchesAll, all: matchesAll.every(Boolean) };
    this.#anyFlow = made;
    return made;
  }

  #tableIndex(table: number): TableIndex | undefined {
    const routes = this.#tables.get(table);
    if (!routes) return undefined;
    let idx = this.#indexes.get(table);
    // #changed() empties the indexes on every write; the array and its length are a second guard.
    if (idx === undefined || idx.routes !== routes || idx.length !== routes.length) {
      idx = indexTable(routes);
      this.#indexes.set(table, idx);
    }
    return idx;
  }
}

/** Which rules match every flow (`all`: each of them, so a lookup's answer depends on the destination only). */
interface AnyFlowRules {
  rules: readonly FibRule[];
  matchesAll: readonly boolean[];
  all: boolean;
}

/** One routing table by prefix length (longest first), then by masked destination; routes in table order. */
interface TableIndex {
  routes: readonly FibRoute[];
  length: number;
  levels: Array<{ len: number; mask: number; byPrefix: Map<number, FibRoute[]> }>;
}

function indexTable(routes: readonly FibRoute[]): TableIndex {
  const byLen = new Map<number, Map<number, FibRoute[]>>();
  for (const r of routes) {
    let m = byLen.get(r.len);
    if (m === undefined) byLen.set(r.len, (m = new Map()));
    // Keyed by the signed 32-bit masked address (`&`'s result as it is): a small integer, where the unsigned
    // value of an address from 128.0.0.0 up would be a heap number made per lookup.
    const prefix = r.dst & maskOf(r.len);
    const list = m.get(prefix);
    if (list === undefined) m.set(prefix, [r]);
    else list.push(r);
  }
  const levels = Array.from(byLen, ([len, byPrefix]) => ({ len, mask: maskOf(len), byPrefix })).sort((a, b) => b.len - a.len);
  return { routes, length: routes.length, levels };
}

/**
 * A multipath route as a lookup sees it: gone when no nexthop's device can carry traffic (fib_sync_down_dev()
 * kills the route with its last nexthop); with an output device, fib_table_lookup() takes the first nexthop on
 * it (and fib_select_path() then keeps it); otherwise the first live nexthop until fib_select_multipath().
 */
function liveNexthops(route: FibRoute, oif: string | null, usable: (r: FibRoute) => boolean): FibRoute | undefined {
  const nhs = route.nexthops ?? [];
  const pick = (i: number): FibRoute => ({ ...route, dev: nhs[i].dev, gw: nhs[i].gw, onlink: nhs[i].onlink, nhSel: i });
  const alive = nhs.map((_, i) => usable(pick(i)));
  if (!alive.some(Boolean)) return undefined;
  if (oif !== null) {
    const i = nhs.findIndex((nh, j) => alive[j] && nh.dev === oif);
    return i < 0 ? undefined : pick(i);
  }
  return pick(alive.indexOf(true));
}
