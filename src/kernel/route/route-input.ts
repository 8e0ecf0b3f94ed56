import type { Ipv4Addr } from '../../wire/headers.js';
import type { DropReason } from '../events.js';
import type { Netns } from '../netns/netns.js';
import type { FibError, FibResult, FibRoute, FibRule } from './fib.js';
import { maskOf } from './fib.js';
import { routeUsable } from './route-output.js';
import { selectPath } from './multipath.js';

export interface InputRequest {
  src: Ipv4Addr;
  dst: Ipv4Addr;
  iif: string;
  mark: number;
  tos: number;
  /** The packet's protocol and ports, as fib4_rules_early_flow_dissect() and the L4 multipath hash read them. */
  proto?: number;
  sport?: number;
  dport?: number;
  /** false: the skb has no L4 hash of a sending socket (inet_rtm_getroute()'s own skb). */
  socketHash?: boolean;
}

export type InputResult =
  | { kind: 'local'; route: FibRoute; rule: FibRule; broadcast: boolean; facts: string[] }
  /** `redirect`: IPSKB_DOREDIRECT, the packet leaves by its input device toward a source on that link. */
  | { kind: 'forward'; route: FibRoute; rule: FibRule; dev: string; nexthop: Ipv4Addr; redirect: boolean; facts: string[]; multipath?: string }
  /** ip_error(): `icmpCode` is the ICMP_DEST_UNREACH code to send, or null for a silent drop. */
  | { kind: 'error'; error: FibError; reason: DropReason; icmpCode: number | null; rule: FibRule | null; facts: string[] }
  | { kind: 'martian'; reason: DropReason; detail: string; facts: string[] };

const isMulticast = (a: Ipv4Addr): boolean => a >>> 28 === 0xe;
const isLbcast = (a: Ipv4Addr): boolean => a === 0xffffffff;
// ipv4_is_zeronet() is `addr == 0` since Linux 5.3 ("Allow 0.0.0.0/8 as a valid address range").
const isZeronet = (a: Ipv4Addr): boolean => a === 0;
const isLoopback = (a: Ipv4Addr): boolean => a >>> 24 === 127;

function martian(reason: DropReason, detail: string, facts: string[]): InputResult {
  return { kind: 'martian', reason, detail, facts };
}

/** fib_lookup() as ip_route_input_slow() asks it: flowi4_uid is the namespace's root uid for a packet from outside. */
function inputLookup(ns: Netns, req: InputRequest, flow: { proto: number; sport: number; dport: number }): FibResult {
  return ns.fib.lookup({ dst: req.dst, src: req.src, iif: req.iif, oif: null, mark: req.mark, tos: req.tos, proto: flow.proto, sport: flow.sport, dport: flow.dport, uid: 0 }, routeUsable(ns));
}

/**
 * Whether ipRouteInput() can answer `kind: 'local'` for `req`: false when its FIB lookup finds no `local`
 * route. A caller that reads only a local answer (arp_process() without proxy ARP) asks this first and skips
 * the rest of ip_route_input_slow(), which for such a packet reads state and changes none: fib_validate_source()
 * and the forward path's lookups are pure. A multipath route answers true, so a full route input still draws
 * fib_select_multipath()'s seed (or asks the branch explorer) exactly when the kernel would.
 */
export function mayRouteLocal(ns: Netns, req: InputRequest): boolean {
  const res = inputLookup(ns, req, { proto: req.proto ?? 0, sport: req.sport ?? 0, dport: req.dport ?? 0 });
  return res.ok && (res.route.type === 'local' || res.route.nexthops !== undefined);
}

/** Linux: ip_route_input_slow(). */
export function ipRouteInput(ns: Netns, req: InputRequest): InputResult {
  const facts: string[] = [];
  const s = ns.sysctls;
  if (isMulticast(req.src) || isLbcast(req.src)) return martian('IP_INVALID_SOURCE', 'martian source (multicast or broadcast)', facts);
  if (isZeronet(req.src)) return martian('IP_INVALID_SOURCE', 'martian source (0.0.0.0)', facts);
  if (isZeronet(req.dst)) return martian('IP_INVALID_DEST', 'martian destination (0.0.0.0)', facts);
  const conf = s.inputConf(req.iif);
  const localnet = conf.routeLocalnet;
  if (isLoopback(req.dst) && !localnet) {
    facts.push(`net.ipv4.conf.${req.iif}.route_localnet = 0`);
    return martian('IP_INVALID_DEST', 'martian destination (127.0.0.0/8 with route_localnet=0)', facts);
  }
  if (!isLoopback(req.dst) && isLoopback(req.src) && !localnet) {
    return martian('IP_INVALID_SOURCE', 'martian source (127.0.0.0/8 with route_localnet=0)', facts);
  }

  const forwarding = conf.forwarding;
  const flow = { proto: req.proto ?? 0, sport: req.sport ?? 0, dport: req.dport ?? 0 };
  const res = inputLookup(ns, req, flow);
  if (!res.ok) {
    facts.push(`net.ipv4.conf.${req.iif}.forwarding = ${forwarding ? 1 : 0}`);
    return ipError(forwarding ? res.error : 'EHOSTUNREACH', forwarding, res.rule, facts);
  }
  const { route, rule } = res;
  if (route.type === 'broadcast') {
    const v = validateSource(ns, req, null);
    if (v) return martian(v.reason, v.detail, facts);
    return { kind: 'local', route, rule, broadcast: true, facts };
  }
  if (route.type === 'local') {
    const v = validateSource(ns, req, null);
    if (v) return martian(v.reason, v.detail, facts);
    return { kind: 'local', route, rule, broadcast: false, facts };
  }
  if (!forwarding) {
    facts.push(`net.ipv4.conf.${req.iif}.forwarding = 0`);
    return ipError('EHOSTUNREACH', false, rule, facts);
  }
  if (route.type !== 'unicast') return martian('IP_INVALID_DEST', `martian destination (route type ${route.type})`, facts);
  // ip_mkroute_input(): a multipath route is hashed on the packet (fib_multipath_hash() with the skb).
  const path = selectPath(ns, res.route, { src: req.src, dst: req.dst, proto: flow.proto, sport: flow.sport, dport: flow.dport }, null, { socketHash: req.socketHash !== false });
  const fwd = path.route;
  const dev = fwd.dev ?? req.iif;
  const v = validateSource(ns, req, dev);
  if (v) return martian(v.reason, v.detail, facts);
  const rpf = conf.rpFilter;
  if (rpf) facts.push(`rp_filter = ${rpf} (max of all and ${req.iif})`);
  const out: InputResult = { kind: 'forward', route: fwd, rule, dev, nexthop: fwd.gw ?? req.dst, redirect: doRedirect(ns, req, fwd, dev), facts };
  if (path.fact !== null) out.multipath = path.fact;
  return out;
}

/**
 * __mkroute_input(): IPSKB_DOREDIRECT when the packet goes back out its input device, send_redirects is on,
 * fib_validate_source() found the source directly connected there (a nexthop of host scope: no gateway), and
 * the source and the gateway share a subnet of that device (inet_addr_onlink()).
 */
function doRedirect(ns: Netns, req: InputRequest, route: FibRoute, dev: string): boolean {
  if (dev !== req.iif || !ns.sysctls.inputConf(dev).sendRedirects) return false;
  const back = ns.fib.lookup({ dst: req.src, src: req.dst, iif: dev, oif: null, mark: 0, tos: req.tos }, routeUsable(ns));
  if (!back.ok || back.route.type !== 'unicast' || back.route.dev !== req.iif || back.route.gw !== null) return false;
  const onlink = (a: { addr: Ipv4Addr; len: number }, x: Ipv4Addr): boolean => ((a.addr ^ x) & maskOf(a.len)) >>> 0 === 0;
  const addrs = ns.device(dev)?.primaryAddrs() ?? [];
  return addrs.some((a) => onlink(a, req.src) && (route.gw === null || onlink(a, route.gw)));
}

/**
 * Linux: ip_error(). With forwarding off on the input device nothing is sent back: ip_route_input_slow() has
 * turned every lookup failure into EHOSTUNREACH, counted as Ip.InAddrErrors. Otherwise the FIB error picks
 * the ICMP code.
 */
function ipError(error: FibError, forwarding: boolean, rule: FibRule | null, facts: string[]): InputResult {
  if (!forwarding) {
    return { kind: 'error', error, reason: 'IP_INADDRERRORS', icmpCode: null, rule, facts };
  }
  switch (error) {
    case 'ENETUNREACH':
      return { kind: 'error', error, reason: 'IP_INNOROUTES', icmpCode: 0, rule, facts };
    case 'EHOSTUNREACH':
      return { kind: 'error', error, reason: 'UNREACHABLE_ROUTE', icmpCode: 1, rule, facts };
    case 'EACCES':
      return { kind: 'error', error, reason: 'PROHIBIT_ROUTE', icmpCode: 13, rule, facts };
    case 'EINVAL':
      return { kind: 'error', error, reason: 'BLACKHOLE_ROUTE', icmpCode: null, rule, facts };
  }
}

/**
 * Linux: fib_validate_source(). Without rp_filter only a source that is one of our own addresses is refused
 * (unless accept_local); with it, the route back to the source must use the input device (strict, 1) or
 * merely exist (loose, 2). `oif` is the output device for forwarded packets, null for local input.
 */
export function validateSource(
  ns: Netns,
  req: InputRequest,
  oif: string | null,
): { reason: DropReason; detail: string } | null {
  const s = ns.sysctls;
  const conf = s.inputConf(req.iif);
  const rpf = conf.rpFilter;
  const acceptLocal = conf.acceptLocal;
  if (!rpf) {
    if (acceptLocal) return null;
    if (!ns.fibHasCustomRules()) {
      if (ns.ownsAddr(req.src)) return { reason: 'IP_LOCAL_SOURCE', detail: 'martian source (one of our own addresses)' };
      return null;
    }
  }
  const back = ns.fib.lookup(
    { dst: req.src, src: req.dst, iif: oif ?? 'lo', oif: null, mark: 0, tos: req.tos },
    routeUsable(ns),
  );
  if (!back.ok) {
    return rpf ? { reason: 'IP_RPFILTER', detail: `rp_filter=${rpf}: no route back to the source` } : null;
  }
  if (back.route.type === 'local' && !acceptLocal) {
    return { reason: 'IP_LOCAL_SOURCE', detail: 'martian source (one of our own addresses)' };
  }
  if (back.route.type !== 'unicast' && back.route.type !== 'local') {
    return { reason: 'IP_INVALID_SOURCE', detail: `martian source (the route back is ${back.route.type})` };
  }
  // The route back uses the input device (for a local route, lo carrying our own traffic): the source is fine.
  // fib_info_nh_uses_dev(): any nexthop of a multipath route back will do.
  if (back.route.dev === req.iif || (back.route.type === 'local' && req.iif === 'lo')) return null;
  if ((back.route.nexthops ?? []).some((nh) => nh.dev === req.iif)) return null;
  if (!ns.device(req.iif)?.addrs.length) {
    // no_addr: a device without addresses goes to last_resort, which rp_filter refuses.
    return rpf ? { reason: 'IP_RPFILTER', detail: `rp_filter=${rpf}: ${req.iif} has no address` } : null;
  }
  if (rpf === 1) {
    return {
      reason: 'IP_RPFILTER',
      detail: `rp_filter=1 (strict): the route back to the source leaves by ${back.route.dev ?? '?'}, not ${req.iif}`,
    };
  }
  return null;
}
