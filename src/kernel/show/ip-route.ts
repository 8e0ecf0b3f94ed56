// `ip route show [table X]` (iproute2 6.1 ip/iproute.c, print_route()) for one namespace.

import { RT_SCOPE_HOST } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../netns/world-spec.js';
import type { FibRoute } from '../route/fib.js';
import { describeRoute, describeRouteLines } from '../route/route-text.js';
import { carrierOk } from './link-state.js';

/** What `ip route show table X` accepts: a table name, `all`, or a table id. */
export type RouteTableSelector = 'main' | 'local' | 'all' | number;

/** FIB_TABLE_HASHSZ with CONFIG_IP_MULTIPLE_TABLES: inet_dump_fib() walks the table hash bucket by bucket. */
const FIB_TABLE_HASHSZ = 256;

/**
 * Does table `id` exist? `ip route show table 100` on a table no route was ever added to fails with
 * "Error: ipv4: FIB table does not exist." and "Dump terminated" (fib_get_table() in inet_dump_fib());
 * main and local exist from the namespace's start.
 */
export function routeTableExists(ns: Netns, id: number): boolean {
  return id === RT_TABLE_MAIN || id === RT_TABLE_LOCAL || ns.fib.tables.has(id);
}

/**
 * The routes of one table in dump order: fib_table_dump() walks the trie by key (the prefix, ascending); the
 * aliases of one key are ordered longest prefix first, then by priority (metric); kernel routes are
 * appended (fib_magic() uses NLM_F_APPEND), so ties stay in the order they were added.
 */
export function tableDumpOrder(routes: readonly FibRoute[]): FibRoute[] {
  return [...routes].sort((a, b) => (a.dst >>> 0) - (b.dst >>> 0) || b.len - a.len || a.metric - b.metric);
}

/**
 * The table ids in the order `table all` dumps them: by hash bucket (id mod 256), and within a bucket newest
 * first (hlist_add_head in fib_new_table()); main and local are the namespace's first tables.
 */
function tablesInDumpOrder(ns: Netns): number[] {
  const created = [...ns.fib.tables.keys()];
  const age = (id: number): number => (id === RT_TABLE_MAIN || id === RT_TABLE_LOCAL ? -1 : created.indexOf(id));
  return [...created].sort((a, b) => (a % FIB_TABLE_HASHSZ) - (b % FIB_TABLE_HASHSZ) || age(b) - age(a));
}

/**
 * RTNH_F_LINKDOWN: set on a nexthop whose device has no carrier (fib_check_nh(), fib_sync_down_dev() on
 * NETDEV_CHANGE), except for host-scope routes, whose nexthop scope is RT_SCOPE_NOWHERE.
 */
function linkdown(ns: Netns, r: FibRoute): boolean {
  if (r.dev === null || r.scope === RT_SCOPE_HOST) return false;
  const dev = ns.device(r.dev);
  return dev !== undefined && !carrierOk(dev);
}

/**
 * One route line: describeRoute()'s words, with `linkdown` among the flags (after `onlink`, before the metrics
 * such as `mtu`), and the trailing space print_route() leaves before the newline.
 */
function routeLine(ns: Netns, r: FibRoute, withTable: boolean): string {
  // print_rta_multipath(): each nexthop on its own tab-indented line (per-nexthop linkdown is not shown).
  if (r.nexthops) return describeRouteLines(r, withTable).map((l) => `${l} \n`).join('');
  let text = describeRoute(r, withTable);
  if (linkdown(ns, r)) {
    const metrics = r.mtu !== null ? ` mtu ${r.mtu}` : '';
    text = `${text.slice(0, text.length - metrics.length)} linkdown${metrics}`;
  }
  return `${text} \n`;
}

/**
 * `ip route show` for one table, or `table all`: every table in dump order, each route marked `table X`
 * unless it is in main (print_route() names the table only when no table filter was given).
 */
export function showRoute(ns: Netns, table: RouteTableSelector = 'main'): string {
  if (table === 'all') {
    return tablesInDumpOrder(ns)
      .flatMap((id) => tableDumpOrder(ns.fib.tables.get(id) ?? []).map((r) => routeLine(ns, r, id !== RT_TABLE_MAIN)))
      .join('');
  }
  const id = table === 'main' ? RT_TABLE_MAIN : table === 'local' ? RT_TABLE_LOCAL : table;
  return tableDumpOrder(ns.fib.tables.get(id) ?? []).map((r) => routeLine(ns, r, false)).join('');
}
