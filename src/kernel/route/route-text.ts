import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { RT_SCOPE_UNIVERSE, scopeName } from '../link/device.js';
import { RT_TABLE_MAIN } from '../netns/world-spec.js';
import { formatNexthop, formatTableId } from './route-syntax.js';
import { formatIpProto } from './rule-syntax.js';
import type { FibRoute, FibRule } from './fib.js';

/** A table id as `ip` prints it (rtnl_rttable_n2a()). */
export const tableName = formatTableId;

function dstText(r: FibRoute): string {
  if (r.len === 0 && r.dst === 0) return 'default';
  return r.len === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.len}`;
}

/** One route as `ip route show` prints it; `withTable` adds `table X` as `ip route show table all` does. */
export function describeRoute(r: FibRoute, withTable = r.table !== RT_TABLE_MAIN): string {
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(dstText(r));
  if (r.nexthops && r.nhSel === undefined) {
    // A multipath route on one line, as `ip route add` takes it.
    const lines = describeRouteLines(r, withTable);
    return [lines[0], ...lines.slice(1).map((l) => l.trim())].join(' ');
  }
  if (r.gw !== null) parts.push('via', formatIpv4(r.gw));
  if (r.dev !== null && !['blackhole', 'unreachable', 'prohibit', 'throw'].includes(r.type)) parts.push('dev', r.dev);
  if (withTable) parts.push('table', tableName(r.table));
  if (r.proto !== 'boot') parts.push('proto', r.proto);
  if (r.scope !== RT_SCOPE_UNIVERSE) parts.push('scope', scopeName(r.scope));
  if (r.prefsrc !== null) parts.push('src', formatIpv4(r.prefsrc));
  if (r.metric !== 0) parts.push('metric', String(r.metric));
  if (r.onlink) parts.push('onlink');
  if (r.mtu !== null) parts.push('mtu', String(r.mtu));
  return parts.join(' ');
}

/**
 * One route as `ip route show` prints it (print_route() then print_rta_multipath()): a multipath route's
 * nexthops each on their own line after a tab; each line ends with the space print_route() leaves.
 */
export function describeRouteLines(r: FibRoute, withTable = r.table !== RT_TABLE_MAIN): string[] {
  if (!r.nexthops) return [describeRoute(r, withTable)];
  const head = describeRoute({ ...r, gw: null, dev: null, onlink: false, nexthops: undefined }, withTable);
  return [head, ...r.nexthops.map((nh) => `\t${formatNexthop({ via: nh.gw, dev: nh.dev, weight: nh.weight, onlink: nh.onlink })}`)];
}

/** One rule as `ip rule show` prints it. */
export function describeRule(r: FibRule): string {
  const parts: string[] = [`${r.priority}:`];
  if (r.not) parts.push('not');
  parts.push('from', r.srcLen === 0 ? 'all' : r.srcLen === 32 ? formatIpv4(r.src) : `${formatIpv4(r.src)}/${r.srcLen}`);
  if (r.dstLen > 0) parts.push('to', r.dstLen === 32 ? formatIpv4(r.dst) : `${formatIpv4(r.dst)}/${r.dstLen}`);
  if (r.tos !== 0) parts.push('tos', `0x${r.tos.toString(16).padStart(2, '0')}`);
  if (r.markMask !== 0) parts.push('fwmark', r.markMask === 0xffffffff ? `0x${r.mark.toString(16)}` : `0x${r.mark.toString(16)}/0x${r.markMask.toString(16)}`);
  if (r.iif !== null) parts.push('iif', r.iif);
  if (r.oif !== null) parts.push('oif', r.oif);
  const range = (x: { start: number; end: number }): string => (x.start === x.end ? String(x.start) : `${x.start}-${x.end}`);
  if (r.uidrange) parts.push('uidrange', `${r.uidrange.start}-${r.uidrange.end}`);
  if (r.ipproto) parts.push('ipproto', formatIpProto(r.ipproto));
  if (r.sport) parts.push('sport', range(r.sport));
  if (r.dport) parts.push('dport', range(r.dport));
  if (r.action === 'lookup') parts.push('lookup', tableName(r.table));
  else parts.push(r.action);
  // print_rule(): after the action, as `ip rule` shows it.
  if (r.suppressPrefixlength !== undefined) parts.push('suppress_prefixlength', String(r.suppressPrefixlength));
  return parts.join(' ');
}
