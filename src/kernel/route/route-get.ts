import type { Ipv4Addr } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { IPPROTO_UDP } from '../../wire/headers.js';
import type { World } from '../netns/world.js';
import type { Netns } from '../netns/netns.js';
import { RT_TABLE_MAIN } from '../netns/world-spec.js';
import { ipRouteOutput } from './route-output.js';
import { ipRouteInput } from './route-input.js';
import type { FibError } from './fib.js';
import { tableName } from './route-text.js';

export interface RouteGetOptions {
  from?: Ipv4Addr;
  iif?: string;
  mark?: number;
  /** `ipproto P sport N dport N`: the flow's protocol and ports (ip rule selectors, the L4 multipath hash). */
  proto?: number;
  sport?: number;
  dport?: number;
  /** `uid N` (flowi4_uid, for uidrange rules); printed back as `uid N`. */
  uid?: number;
}

export type RouteGetResult = { ok: true; text: string } | { ok: false; error: string };

const ERRNO_TEXT: Record<FibError, string> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
};

function fail(errno: FibError): RouteGetResult {
  return { ok: false, error: `RTNETLINK answers: ${ERRNO_TEXT[errno]}` };
}

/** `ip route get DST [from SRC] [iif DEV] [mark M]` in namespace `netns`, printed as iproute2 prints it. */
export function routeGet(world: World, netns: string, dst: Ipv4Addr, given: RouteGetOptions = {}): RouteGetResult {
  // inet_rtm_getroute(): without RTA_IP_PROTO the flow (and the skb it builds) is UDP, which ipproto rules and
  // the L4 multipath hash see.
  const opts = { ...given, proto: given.proto ?? IPPROTO_UDP };
  const ns = world.netns(netns);
  if (!ns) return { ok: false, error: `Cannot open network namespace "${netns}": No such file or directory` };
  return opts.iif !== undefined ? inputGet(ns, dst, opts.iif, opts) : outputGet(ns, dst, opts);
}

/** print_route(): a mark below 16 in decimal, others in hex. */
function markText(mark: number): string {
  return mark >= 16 ? `0x${mark.toString(16)}` : String(mark);
}

/** The table part of the first line: none for main (and for the local table while it is merged into main). */
function tableWords(ns: Netns, table: number): string[] {
  const id = ns.fib.reportedTable(table);
  return id === RT_TABLE_MAIN ? [] : ['table', tableName(id)];
}

/**
 * Why ip_route_output_key_hash_rcu() refused a given source: EINVAL for a multicast, broadcast or loopback
 * one (the last may not leave by another device than lo), ENETUNREACH for one that is not ours.
 */
function badSourceErrno(src: Ipv4Addr): FibError {
  const top = src >>> 24;
  return top >= 224 || top === 127 ? 'EINVAL' : 'ENETUNREACH';
}

/** inet_rtm_getroute() without iif: ip_route_output_key(); uid is printed, src only when not asked for. */
function outputGet(ns: Netns, dst: Ipv4Addr, opts: RouteGetOptions): RouteGetResult {
  const res = ipRouteOutput(ns, {
    dst, src: opts.from ?? 0, mark: opts.mark ?? 0, tos: 0, proto: opts.proto ?? 0, sport: opts.sport ?? 0, dport: opts.dport ?? 0, uid: opts.uid ?? 0,
  });
  if (!res.ok) return fail(res.error === 'EINVAL_SRC' ? badSourceErrno(opts.from ?? 0) : res.error);
  const { rt } = res;
  const parts: string[] = [];
  if (rt.local) parts.push('local');
  else if (rt.broadcast) parts.push('broadcast');
  parts.push(formatIpv4(dst));
  if (opts.from !== undefined) parts.push('from', formatIpv4(opts.from));
  if (!rt.local && rt.route.gw !== null) parts.push('via', formatIpv4(rt.route.gw));
  parts.push('dev', rt.dev);
  for (const w of tableWords(ns, rt.route.table)) parts.push(w);
  if (opts.from === undefined || opts.from !== rt.src) parts.push('src', formatIpv4(rt.src));
  if (opts.mark) parts.push('mark', markText(opts.mark));
  parts.push('uid', String(opts.uid ?? 0));
  const cache = ['cache'];
  if (rt.local) cache.push('<local>');
  else if (rt.broadcast) cache.push('<local,brd>');
  if (!rt.local && rt.route.mtu !== null) cache.push('mtu', String(rt.route.mtu));
  return { ok: true, text: `${parts.join(' ')}\n    ${cache.join(' ')}` };
}

/**
 * inet_rtm_getroute() with iif: ip_route_input_rcu() as if the packet had arrived on `iif`. Since Linux 6.13
 * any drop reason (martian source or destination, rp_filter) is reported as EINVAL; a route error (no route,
 * forwarding off, blackhole, prohibit, unreachable) as its own errno.
 */
function inputGet(ns: Netns, dst: Ipv4Addr, iif: string, opts: RouteGetOptions): RouteGetResult {
  // iproute2 resolves the name itself (ll_name_to_index()) and stops before asking the kernel.
  if (!ns.device(iif)) return { ok: false, error: `Cannot find device "${iif}"` };
  const src = opts.from ?? 0;
  // The input path dissects the skb inet_rtm_getroute_build_skb() made: an ICMP header gives no ports.
  const ports = opts.proto === 1 ? { sport: 0, dport: 0 } : { sport: opts.sport ?? 0, dport: opts.dport ?? 0 };
  const res = ipRouteInput(ns, { src, dst, iif, mark: opts.mark ?? 0, tos: 0, proto: opts.proto ?? 0, ...ports, socketHash: false });
  const from = src !== 0 ? ['from', formatIpv4(src)] : [];
  switch (res.kind) {
    case 'error':
      return fail(res.error);
    case 'martian':
      return fail('EINVAL');
    case 'local': {
      const head = [res.broadcast ? 'broadcast' : 'local', formatIpv4(dst), ...from, 'dev', 'lo', ...tableWords(ns, res.route.table)];
      return { ok: true, text: `${head.join(' ')}\n    cache ${res.broadcast ? '<local,brd>' : '<local>'} iif ${iif}` };
    }
    case 'forward': {
      const head = [formatIpv4(dst), ...from];
      if (res.route.gw !== null) head.push('via', formatIpv4(res.route.gw));
      head.push('dev', res.dev);
      for (const w of tableWords(ns, res.route.table)) head.push(w);
      const cache = ['cache'];
      if (res.redirect) cache.push('<redirect>');
      if (res.route.mtu !== null) cache.push('mtu', String(res.route.mtu));
      cache.push('iif', iif);
      return { ok: true, text: `${head.join(' ')}\n    ${cache.join(' ')}` };
    }
  }
}
