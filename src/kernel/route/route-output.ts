import type { Ipv4Addr } from '../../wire/headers.js';
import type { Netns } from '../netns/netns.js';
import type { FibError, FibResult, FibRoute, FibRule } from './fib.js';
import { fibResultPrefsrc } from './source-select.js';

export interface OutputRequest {
  dst: Ipv4Addr;
  /** 0: let the kernel choose. */
  src: Ipv4Addr;
  mark: number;
  tos: number;
  oif?: string;
}

/** A route for a locally generated packet (struct rtable from ip_route_output_key()). */
export interface OutputRoute {
  route: FibRoute;
  rule: FibRule;
  /** Outgoing device: lo for local destinations. */
  dev: string;
  /** Next hop: the gateway, or the destination itself when on-link. */
  nexthop: Ipv4Addr;
  src: Ipv4Addr;
  local: boolean;
  broadcast: boolean;
}

export type OutputResult = { ok: true; rt: OutputRoute } | { ok: false; error: FibError | 'EINVAL_SRC'; rule: FibRule | null };

/** Can a route's device carry traffic? Routes of a device that is down are gone in Linux (fib_disable_ip()). */
export function routeUsable(ns: Netns) {
  return (r: FibRoute): boolean => {
    const d = r.dev === null ? undefined : ns.device(r.dev);
    return d !== undefined && d.up;
  };
}

/** Linux: ip_route_output_key_hash_rcu(). */
export function ipRouteOutput(ns: Netns, req: OutputRequest): OutputResult {
  if (req.src !== 0 && !ns.ownsAddr(req.src) && ns.sysctls.get('net.ipv4.ip_nonlocal_bind') === 0) {
    // __ip_route_output_key: a source that is not ours fails with EINVAL (unless IP_FREEBIND/nonlocal_bind).
    return { ok: false, error: 'EINVAL_SRC', rule: null };
  }
  const res: FibResult = ns.fib.lookup(
    { dst: req.dst, src: req.src, iif: 'lo', oif: req.oif ?? null, mark: req.mark, tos: req.tos },
    routeUsable(ns),
  );
  if (!res.ok) return res;
  const { route, rule } = res;
  if (route.type === 'local') {
    // Local destinations leave through the loopback device; the source defaults to the destination.
    const src = req.src || route.prefsrc || req.dst;
    return { ok: true, rt: { route, rule, dev: 'lo', nexthop: req.dst, src, local: true, broadcast: false } };
  }
  const dev = route.dev ?? 'lo';
  const src = req.src || fibResultPrefsrc(ns, route);
  return {
    ok: true,
    rt: { route, rule, dev, nexthop: route.gw ?? req.dst, src, local: false, broadcast: route.type === 'broadcast' },
  };
}
