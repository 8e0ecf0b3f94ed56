// Checks of a namespace's routes, neighbours, fdb entries, sockets and sysctls against its devices and
// addresses: the errors `ip route add`, `ip neigh add`, `bridge fdb add`, bind() and sysctl would give.

import type { Ipv4Addr } from '../wire/headers.js';
import type { Prefix, RouteSpec } from '../kernel/netns/world-spec.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from '../kernel/netns/world-spec.js';
import { isKnownSysctl, neighDefaultRefusal, parseSysctlName } from '../kernel/netns/sysctl-names.js';
import { didYouMean, splitWords, wordAfter } from '../kernel/syntax-words.js';
import { formatIpv4, formatPrefix, inPrefix, prefixNetwork } from '../wire/ipv4-addr.js';
import { LOOPBACK } from './read-link.js';
import type { LinkDraft, Located, NetnsDraft } from './topology-draft.js';
import type { ScenarioSource } from './yaml-source.js';

/** Route types whose packets go nowhere: the kernel refuses a gateway, device or nexthop on them. */
const ERROR_ROUTE_TYPES: ReadonlySet<string> = new Set(['blackhole', 'unreachable', 'prohibit', 'throw']);

/** What a namespace's devices give its routes: on-link subnets and local addresses. */
interface Reach {
  connected: { prefix: Prefix; dev: string }[];
  isLocal(addr: Ipv4Addr): boolean;
}

export function validateNetns(src: ScenarioSource, ns: NetnsDraft, links: ReadonlyMap<string, LinkDraft>): void {
  const reach = reachOf(ns);
  checkSysctlDevices(src, ns, links);
  checkRoutes(src, ns, links, reach);
  checkNeigh(src, ns, links);
  checkFdb(src, ns, links);
  checkListen(src, ns, reach);
}

/**
 * Connected subnets are those of the addresses on up devices (fib_add_ifaddr() adds no subnet route for a
 * /32) and of the device routes the scenario adds; local addresses are those of up devices and 127/8 on lo.
 */
function reachOf(ns: NetnsDraft): Reach {
  const up = ns.links.filter((l) => l.spec.up !== false);
  // lo's subnets are local routes (table local), not on-link ones: no gateway lies on them.
  const connected = up
    .filter((l) => l.spec.type !== 'loopback')
    .flatMap((l) => l.spec.addresses.filter((a) => a.len < 32).map((a) => ({ prefix: a, dev: l.spec.name })));
  for (const r of ns.routes) {
    const s = r.spec;
    if (s.type === 'unicast' && s.via === undefined && s.dev !== undefined) connected.push({ prefix: s.dst, dev: s.dev });
  }
  const local = new Set(up.flatMap((l) => l.spec.addresses.map((a) => a.addr)));
  return { connected, isLocal: (addr) => local.has(addr) || inPrefix(addr, LOOPBACK) };
}

/**
 * Whether bind() takes `addr` as a source in this namespace (inet_bind(): inet_addr_valid_or_nonlocal()): an
 * address of an up device, 127/8, an address a `local` route covers, or any with ip_nonlocal_bind=1.
 */
export function canBindSource(ns: NetnsDraft, addr: Ipv4Addr): boolean {
  if (ns.sysctls['net.ipv4.ip_nonlocal_bind'] === 1 || reachOf(ns).isLocal(addr)) return true;
  return ns.routes.some((r) => r.spec.type === 'local' && inPrefix(addr, r.spec.dst));
}

/** The route keys the kernel adds for each address of an up device: its subnet in main, itself in local. */
function kernelRouteKeys(ns: NetnsDraft): Map<string, string> {
  const keys = new Map<string, string>();
  for (const link of ns.links) {
    if (link.spec.up === false) continue;
    for (const a of link.spec.addresses) {
      const why = `the kernel adds it for address ${formatPrefix(a)} on ${link.spec.name}`;
      // fib_add_ifaddr(): lo's subnet route is a local route in table local.
      const table = link.spec.type === 'loopback' ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
      if (a.len < 32) keys.set(routeKey(table, { addr: prefixNetwork(a), len: a.len }, 0), why);
      keys.set(routeKey(RT_TABLE_LOCAL, { addr: a.addr, len: 32 }, 0), why);
    }
  }
  return keys;
}

/** fib_table_insert() finds an existing alias by table, prefix, tos and priority; the nexthop does not count. */
function routeKey(table: number, dst: Prefix, metric: number): string {
  return `${table} ${formatPrefix(dst)} ${metric}`;
}

function checkRoutes(src: ScenarioSource, ns: NetnsDraft, links: ReadonlyMap<string, LinkDraft>, reach: Reach): void {
  const existing = kernelRouteKeys(ns);
  for (const r of ns.routes) {
    const s = r.spec;
    const fail = (keywords: readonly string[] | string, message: string) => {
      src.errorInString(r.node, columnOf(s.text, keywords), `${r.label}: ${message}`);
    };
    const dev = s.dev === undefined ? undefined : links.get(s.dev);
    const unknownDev = s.dev !== undefined && dev === undefined && s.dev !== 'lo' ? s.dev : undefined;
    if (unknownDev !== undefined) {
      fail(['dev', 'oif'], `no device "${unknownDev}" in namespace "${ns.name}"${didYouMean(unknownDev, links.keys())}`);
    } else if (dev?.spec.up === false) {
      // fib_check_nh_nongw() / fib_check_nh_v4_gw(): routes go on up devices only.
      fail(['dev', 'oif'], `Nexthop device is not up: ${s.dev} has "up: false"`);
    }
    // fib_create_info(): blackhole, unreachable, prohibit and throw routes take no nexthop at all.
    if (ERROR_ROUTE_TYPES.has(s.type)) {
      const words = splitWords(s.text);
      const nexthop = words.find((w) => w.text === 'via' || w.text === 'dev' || w.text === 'oif' || w.text === 'nexthop');
      if (nexthop !== undefined) {
        src.errorInString(r.node, nexthop.column, `${r.label}: Error: Gateway, device and multipath can not be specified for this route type (a ${s.type} route has no "${nexthop.text}")`);
        continue;
      }
    }
    const needsNexthop = s.type === 'unicast' || s.type === 'local' || s.type === 'broadcast';
    if (s.nexthops !== undefined) {
      checkNexthops(src, r, ns, links, reach);
    } else if (needsNexthop && s.dev === undefined && s.via === undefined) {
      fail([], `a ${s.type} route needs "dev" or "via" (RTNETLINK answers: No such device)`);
    }
    if (s.onlink && s.dev === undefined) fail('onlink', 'Nexthop device required for onlink');
    // With an unknown device the gateway check would only repeat that mistake.
    const loSubnet = s.via === undefined ? undefined : loopbackSubnetOf(ns, s.via);
    if (s.via !== undefined && loSubnet !== undefined && !s.onlink && s.type === 'unicast') {
      fail(['via'], `gateway ${formatIpv4(s.via)} is in ${formatPrefix(loSubnet)} on lo, which is local to this namespace: a local next hop is not modelled`);
    } else if (s.via !== undefined && !s.onlink && s.type === 'unicast' && unknownDev === undefined && !onLink(reach, s)) {
      const of = s.dev === undefined ? 'any device' : s.dev;
      fail(['via'], `Nexthop has invalid gateway: ${formatIpv4(s.via)} is not on a connected subnet of ${of} (add "onlink" if it is reachable there anyway)`);
    }
    if (s.src !== undefined && !reach.isLocal(s.src)) {
      fail(['src'], `Invalid prefsrc address: ${formatIpv4(s.src)} is not an address of namespace "${ns.name}"`);
    }
    const key = routeKey(s.table, s.dst, s.metric);
    const first = existing.get(key);
    if (first !== undefined) fail([], `RTNETLINK answers: File exists: this route is already there (${first})`);
    else existing.set(key, `${r.label} adds it`);
  }
}

/** The subnet of one of lo's addresses holding `addr` (lo's subnets are local routes). */
function loopbackSubnetOf(ns: NetnsDraft, addr: Ipv4Addr): Prefix | undefined {
  const lo = ns.links.find((l) => l.spec.type === 'loopback');
  const a = lo?.spec.addresses.find((x) => inPrefix(addr, { addr: prefixNetwork(x), len: x.len }));
  return a === undefined ? undefined : { addr: prefixNetwork(a), len: a.len };
}

/** fib_check_nh_v4_gw(): the gateway must be reachable by a link-scope route, through `dev` when given. */
function onLink(reach: Reach, route: { via?: Ipv4Addr; dev?: string }): boolean {
  return reach.connected.some((c) => inPrefix(route.via!, c.prefix) && (route.dev === undefined || c.dev === route.dev));
}

/** fib_get_nhs() -> fib_check_nh(): each nexthop's device exists and is up, its gateway on-link (or `onlink`). */
function checkNexthops(src: ScenarioSource, r: Located<RouteSpec>, ns: NetnsDraft, links: ReadonlyMap<string, LinkDraft>, reach: Reach): void {
  const words = splitWords(r.spec.text);
  const groups = words.filter((w) => w.text === 'nexthop');
  (r.spec.nexthops ?? []).forEach((nh, i) => {
    const start = groups[i]?.column ?? 1;
    const within = (kw: string): number => {
      const j = words.findIndex((w) => w.column > start && w.text === kw && (groups[i + 1] === undefined || w.column < groups[i + 1].column));
      return (j >= 0 ? words[j + 1]?.column : undefined) ?? start;
    };
    const fail = (col: number, message: string) => src.errorInString(r.node, col, `${r.label}: nexthop ${i + 1}: ${message}`);
    const dev = nh.dev === undefined ? undefined : links.get(nh.dev);
    if (nh.dev !== undefined && dev === undefined && nh.dev !== 'lo') {
      fail(within('dev'), `no device "${nh.dev}" in namespace "${ns.name}"${didYouMean(nh.dev, links.keys())}`);
      return;
    }
    if (dev?.spec.up === false) fail(within('dev'), `Nexthop device is not up: ${nh.dev} has "up: false"`);
    if (nh.via !== undefined && !nh.onlink && !onLink(reach, nh)) {
      fail(within('via'), `Nexthop has invalid gateway: ${formatIpv4(nh.via)} is not on a connected subnet of ${nh.dev ?? 'any device'} (add "onlink" if it is reachable there anyway)`);
    }
  });
}

function checkNeigh(src: ScenarioSource, ns: NetnsDraft, links: ReadonlyMap<string, LinkDraft>): void {
  const seen = new Set<string>();
  for (const n of ns.neigh) {
    if (!links.has(n.spec.dev)) {
      failAt(src, n, ['dev'], `no device "${n.spec.dev}" in namespace "${ns.name}"${didYouMean(n.spec.dev, links.keys())}`);
    }
    const key = `${n.spec.addr} ${n.spec.dev}`;
    if (seen.has(key)) failAt(src, n, [], `RTNETLINK answers: File exists: ${formatIpv4(n.spec.addr)} on ${n.spec.dev} is already given`);
    seen.add(key);
  }
}

function checkFdb(src: ScenarioSource, ns: NetnsDraft, links: ReadonlyMap<string, LinkDraft>): void {
  const seen = new Set<string>();
  for (const f of ns.fdb) {
    const dev = links.get(f.spec.dev);
    if (dev === undefined) {
      failAt(src, f, ['dev'], `no device "${f.spec.dev}" in namespace "${ns.name}"${didYouMean(f.spec.dev, links.keys())}`);
      continue;
    }
    // rtnl_fdb_add(): the master's table exists only for a bridge port.
    if (!f.spec.self && dev.spec.master === undefined) {
      failAt(src, f, [], `"master" needs a bridge port, and ${f.spec.dev} has no master (RTNETLINK answers: Operation not supported)`);
    }
    // Only vxlan_fdb_add() reads NDA_DST; the bridge ignores it.
    if (f.spec.dst !== undefined && !(f.spec.self && dev.spec.type === 'vxlan')) {
      failAt(src, f, ['dst'], `"dst" is only for a vxlan device's own table ("self"), and this entry goes to ${f.spec.self ? `a ${dev.spec.type}` : 'a bridge'}`);
    }
    const key = `${f.spec.mac} ${f.spec.dev} ${f.spec.self}`;
    if (seen.has(key)) failAt(src, f, [], `RTNETLINK answers: File exists: ${f.spec.mac} on ${f.spec.dev} is already given`);
    seen.add(key);
  }
}

/** bind(): a local address (or any with ip_nonlocal_bind=1), and a port no other socket holds. */
function checkListen(src: ScenarioSource, ns: NetnsDraft, reach: Reach): void {
  const nonlocal = ns.sysctls['net.ipv4.ip_nonlocal_bind'] === 1;
  // Sockets bound so far by protocol and port: the first of them, and the first per address. Linear in the
  // number of sockets (40,000 of them are a real node's worth).
  const bound = new Map<string, { first: string; byAddr: Map<Ipv4Addr, string> }>();
  // fib_add_ifaddr() adds an address's local route before it looks at IFF_UP: an address on a device that is
  // down (node-local-dns's dummy) is still local, and bind() takes it.
  const onAnyDevice = new Set(ns.links.flatMap((l) => l.spec.addresses.map((a) => a.addr)));
  for (const l of ns.listen) {
    const s = l.spec;
    if (s.addr !== 0 && !nonlocal && !reach.isLocal(s.addr) && !onAnyDevice.has(s.addr)) {
      src.error(l.node, `${l.label}: Cannot assign requested address: ${formatIpv4(s.addr)} is not an address of namespace "${ns.name}" (net.ipv4.ip_nonlocal_bind: 1 allows it)`);
    }
    const key = `${s.proto} ${s.port}`;
    const port = bound.get(key);
    if (port === undefined) {
      bound.set(key, { first: l.label, byAddr: new Map([[s.addr, l.label]]) });
      continue;
    }
    // A TCP listener on 0.0.0.0 and one on a specific address of the same port conflict (inet_csk_bind_conflict()).
    const clash = port.byAddr.get(s.addr) ?? (s.proto !== 'tcp' ? undefined : s.addr === 0 ? port.first : port.byAddr.get(0));
    if (clash !== undefined) src.error(l.node, `${l.label}: Address already in use: ${clash} already binds ${s.proto} port ${s.port}`);
    if (!port.byAddr.has(s.addr)) port.byAddr.set(s.addr, l.label);
  }
}

/** Per-device sysctls must name a device of the namespace (or all, default, lo). */
function checkSysctlDevices(src: ScenarioSource, ns: NetnsDraft, links: ReadonlyMap<string, LinkDraft>): void {
  const devices = [...links.keys()];
  for (const [key, node] of ns.sysctlKeys) {
    const name = parseSysctlName(key);
    if (name === undefined || name.kind === 'global' || isKnownSysctl(key, devices)) continue;
    if (name.kind === 'neigh' && name.dev === 'default') {
      src.error(node, `namespace "${ns.name}": ${neighDefaultRefusal(key)}`);
      continue;
    }
    if (name.kind === 'neigh' && name.dev === 'all') {
      src.error(node, `namespace "${ns.name}": sysctl ${key}: net.ipv4.neigh has no "all", only one entry per device (lo or a device of the namespace)`);
      continue;
    }
    const choices = name.kind === 'neigh' ? ['lo', ...devices] : ['all', 'default', 'lo', ...devices];
    src.error(node, `namespace "${ns.name}": sysctl ${key}: no device "${name.dev}"${didYouMean(name.dev, choices)}`);
  }
}

function failAt<T extends { text: string }>(src: ScenarioSource, line: Located<T>, keywords: readonly string[], message: string): void {
  src.errorInString(line.node, columnOf(line.spec.text, keywords), `${line.label}: ${message}`);
}

/** The column of the value after one of `keywords` (or of the flag word itself), else the line's start. */
function columnOf(text: string, keywords: readonly string[] | string): number {
  if (typeof keywords === 'string') return splitWords(text).find((w) => w.text === keywords)?.column ?? 1;
  return (keywords.length > 0 ? wordAfter(text, keywords)?.column : undefined) ?? splitWords(text)[0]?.column ?? 1;
}
