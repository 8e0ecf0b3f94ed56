import type { Ipv4Addr } from '../../wire/headers.js';
import type { Netns } from '../netns/netns.js';
import type { FibError, FibResult, FibRoute, FibRule } from './fib.js';
import { RT_TABLE_LOCAL } from '../netns/world-spec.js';
import { fibResultPrefsrc } from './source-select.js';
import { selectPath } from './multipath.js';
import type { MultipathFlow } from './multipath-hash.js';

export interface OutputRequest {
  dst: Ipv4Addr;
  /** 0: let the kernel choose. */
  src: Ipv4Addr;
  mark: number;
  tos: number;
  oif?: string;
  /** IP_FREEBIND-like: the source need not be ours (nf_send_reset() spoofs the destination). */
  freebind?: boolean;
  /** The flow's protocol number and ports (fl4_sport / fl4_dport), for ip rule selectors and the L4 multipath hash. */
  proto?: number;
  sport?: number;
  dport?: number;
  /** The socket owner's uid (sk_uid); 0, root, unless given. */
  uid?: number;
  /**
   * A connecting socket (TCP, connected UDP): ip_route_connect() looks up once without a source to choose one,
   * then again with it, so a multipath route is hashed on the chosen source.
   */
  connect?: boolean;
  /**
   * The keys the multipath hash reads when the lookup carries an skb instead (icmp_route_lookup() passes the
   * offending packet: fib_multipath_hash() hashes its addresses, and under policy 1 its ports).
   */
  hashFlow?: MultipathFlow;
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
  /** How a multipath route's nexthop was chosen, for the trace. */
  multipath?: string;
}

export type OutputResult = { ok: true; rt: OutputRoute } | { ok: false; error: FibError | 'EINVAL_SRC'; rule: FibRule | null };

/**
 * Can a route's device carry traffic? Routes of a device that is down are gone in Linux (fib_disable_ip()),
 * except local ones: their nexthop has scope nowhere, which fib_sync_down_dev() spares, so an address on a
 * down device is still reachable from this namespace.
 */
export function routeUsable(ns: Netns): (r: FibRoute) => boolean {
  // One function per namespace (it reads the devices live, so it never goes stale): lookups are per packet.
  let f = ns.usableRoute;
  if (f === undefined) {
    f = (r: FibRoute): boolean => {
      const d = r.dev === null ? undefined : ns.device(r.dev);
      return d !== undefined && (d.up || r.type === 'local');
    };
    ns.usableRoute = f;
    ns.fib.cacheLookupsFor(f);
  }
  return f;
}

const isLoopback = (a: Ipv4Addr): boolean => a >>> 24 === 127;

/**
 * __ip_dev_find(): one of our addresses, or an address a `local` route in the local table covers (that is
 * how 127.0.0.5 counts as ours through 127.0.0.0/8).
 */
export function isLocalSource(ns: Netns, addr: Ipv4Addr): boolean {
  if (ns.ownsAddr(addr)) return true;
  const key = { dst: addr, src: 0, iif: 'lo', oif: null, mark: 0, tos: 0 };
  return ns.fib.tableLookup(RT_TABLE_LOCAL, key, routeUsable(ns))?.type === 'local';
}

/**
 * Linux: ip_route_output_key_hash_rcu(). A given source must be local, whatever ip_nonlocal_bind says (it
 * only lets bind() succeed; the send then fails with ENETUNREACH unless the socket is IP_TRANSPARENT).
 */
export function ipRouteOutput(ns: Netns, req: OutputRequest): OutputResult {
  if (req.src !== 0 && !req.freebind && !isLocalSource(ns, req.src)) return { ok: false, error: 'EINVAL_SRC', rule: null };
  const key = {
    dst: req.dst, src: req.src, iif: 'lo', oif: req.oif ?? null, mark: req.mark, tos: req.tos,
    proto: req.proto ?? 0, sport: req.sport ?? 0, dport: req.dport ?? 0, uid: req.uid ?? 0,
  };
  const res: FibResult = ns.fib.lookup(key, routeUsable(ns));
  if (!res.ok) return res;
  const { rule } = res;
  const flow = req.hashFlow ?? { src: req.src, dst: req.dst, proto: key.proto, sport: key.sport, dport: key.dport };
  let path = selectPath(ns, res.route, flow, key.oif, null, req.src);
  let chosenSrc = 0;
  if (res.route.nexthops && req.src === 0 && req.connect && key.oif === null) {
    // ip_route_connect(): the second lookup carries the source the first one chose, and keeps it.
    chosenSrc = fibResultPrefsrc(ns, path.route);
    path = selectPath(ns, res.route, { ...flow, src: chosenSrc }, null);
  }
  const route = path.route;
  if (route.type === 'local') {
    // Local destinations leave through the loopback device; the source defaults to the destination.
    const src = req.src || route.prefsrc || req.dst;
    return { ok: true, rt: { route, rule, dev: 'lo', nexthop: req.dst, src, local: true, broadcast: false } };
  }
  const dev = route.dev ?? 'lo';
  if (isLoopback(req.src) && dev !== 'lo' && !ns.sysctls.orConf(dev, 'route_localnet')) {
    // __mkroute_output(): a loopback source may leave only by lo, unless route_localnet.
    return { ok: false, error: 'EINVAL_SRC', rule };
  }
  const src = req.src || chosenSrc || fibResultPrefsrc(ns, route);
  const rt: OutputRoute = { route, rule, dev, nexthop: route.gw ?? req.dst, src, local: false, broadcast: route.type === 'broadcast' };
  // The multipath fact is a key only when there is one (as it has always been).
  if (path.fact !== null) rt.multipath = path.fact;
  return { ok: true, rt };
}
