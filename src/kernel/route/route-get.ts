import type { Ipv4Addr } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
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
}

export type RouteGetResult = { ok: true; text: string } | { ok: false; error: string };

const ERRNO_TEXT: Record<FibError | 'EINVAL_SRC' | 'EXDEV' | 'ENODEV', string> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
  EINVAL_SRC: 'Invalid argument',
  EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device',
};

function fail(errno: keyof typeof ERRNO_TEXT): RouteGetResult {
  return { ok: false, error: `RTNETLINK answers: ${ERRNO_TEXT[errno]}` };
}

/** `ip route get DST [from SRC] [iif DEV] [mark M]` in namespace `netns`, printed as iproute2 prints it. */
export function routeGet(world: World, netns: string, dst: Ipv4Addr, opts: RouteGetOptions = {}): RouteGetResult {
  const ns = world.netns(netns);
  if (!ns) return { ok: false, error: `Cannot open network namespace "${netns}": No such file or directory` };
  return opts.iif !== undefined ? inputGet(ns, dst, opts.iif, opts) : outputGet(ns, dst, opts);
}

/** inet_rtm_getroute() without iif: ip_route_output_key(); uid is printed, the table only for uncached routes. */
function outputGet(ns: Netns, dst: Ipv4Addr, opts: RouteGetOptions): RouteGetResult {
  const res = ipRouteOutput(ns, { dst, src: opts.from ?? 0, mark: opts.mark ?? 0, tos: 0 });
  if (!res.ok) return fail(res.error);
  const { rt } = res;
  const parts: string[] = [];
  if (rt.local) parts.push('local');
  else if (rt.broadcast) parts.push('broadcast');
  parts.push(formatIpv4(dst));
  if (opts.from !== undefined) parts.push('from', formatIpv4(opts.from));
  if (!rt.local && rt.route.gw !== null) parts.push('via', formatIpv4(rt.route.gw));
  parts.push('dev', rt.dev);
  // Local output routes are cached on the nexthop and report no table; broadcast ones are not cached.
  if (!rt.local && rt.route.table !== RT_TABLE_MAIN) parts.push('table', tableName(rt.route.table));
  if (opts.from === undefined || opts.from !== rt.src) parts.push('src', formatIpv4(rt.src));
  if (opts.mark) parts.push('mark', `0x${opts.mark.toString(16)}`);
  parts.push('uid', '0');
  const cache = ['cache'];
  if (rt.local) cache.push('<local>');
  else if (rt.broadcast) cache.push('<local,brd>');
  if (!rt.local && rt.route.mtu !== null) cache.push('mtu', String(rt.route.mtu));
  return { ok: true, text: `${parts.join(' ')}\n    ${cache.join(' ')}` };
}

/** inet_rtm_getroute() with iif: ip_route_input_rcu() as if the packet had arrived on `iif`. */
function inputGet(ns: Netns, dst: Ipv4Addr, iif: string, opts: RouteGetOptions): RouteGetResult {
  if (!ns.device(iif)) return fail('ENODEV');
  const src = opts.from ?? 0;
  const res = ipRouteInput(ns, { src, dst, iif, mark: opts.mark ?? 0, tos: 0 });
  const from = ['from', formatIpv4(src)];
  switch (res.kind) {
    case 'error':
      return fail(res.error);
    case 'martian':
      return fail(res.reason === 'IP_RPFILTER' ? 'EXDEV' : 'EINVAL');
    case 'local': {
      const head = [res.broadcast ? 'broadcast' : 'local', formatIpv4(dst), ...from, 'dev', 'lo', 'table', tableName(res.route.table)];
      return { ok: true, text: `${head.join(' ')}\n    cache ${res.broadcast ? '<local,brd>' : '<local>'} iif ${iif}` };
    }
    case 'forward': {
      const head = [formatIpv4(dst), ...from];
      if (res.route.gw !== null) head.push('via', formatIpv4(res.route.gw));
      head.push('dev', res.dev);
      if (res.route.table !== RT_TABLE_MAIN) head.push('table', tableName(res.route.table));
      const cache = ['cache'];
      if (res.dev === iif) cache.push('<redirect>');
      if (res.route.mtu !== null) cache.push('mtu', String(res.route.mtu));
      cache.push('iif', iif);
      return { ok: true, text: `${head.join(' ')}\n    ${cache.join(' ')}` };
    }
  }
}
