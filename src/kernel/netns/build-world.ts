import type { PathSink } from '../events.js';
import { NetDevice, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, VethDevice, scopeValue } from '../link/device.js';
import { BridgeDevice } from '../link/bridge-device.js';
import { VxlanDevice } from '../link/vxlan-device.js';
import type { FibRoute, FibRule } from '../route/fib.js';
import { maskOf } from '../route/fib.js';
import type { KernelEnv } from './env.js';
import { RuleParseCache, formatRestoreError, restore } from '../netfilter/index.js';
import { netfilterEngine, netfilterState } from '../netfilter/hook-engine.js';
import type { Netns } from './netns.js';
import { World } from './world.js';
import { neighAdminAdd } from '../neigh/neigh-state.js';
import type { IpsetSpec, IpsetType, LinkSpec, NetnsSpec, RouteSpec, RuleSpec, WorldSpec } from './world-spec.js';
import type { MatchState } from '../netfilter/index.js';
import { formatIpv4, parseIpv4 } from '../../wire/ipv4-addr.js';

const LOOPBACK_MTU = 65536;
const ETH_MTU = 1500;
const VXLAN_OVERHEAD = 50;

/** An environment for static questions (`ip route get`, `net show`): no time passes, nothing is reported. */
export function staticEnv(): KernelEnv {
  const sink: PathSink = {
    event: () => {},
    fate: () => {},
    delivered: () => {},
    answer: () => 0,
    errorSeen: () => {},
  };
  return { timers: { now: () => 0, after: () => {} }, random: () => 0, sink, hopBudget: 256 };
}

/**
 * Builds a World the way the commands would on a fresh machine: `ip netns add` and the sysctls that name no
 * device, `ip link add`, `ip addr add`, the per-device sysctls, `ip route add`, `ip rule add`, `ip neigh add`,
 * `bridge fdb add`, then sockets. The spec is valid (the scenario loader checked it); anything inconsistent
 * here is a bug and throws.
 */
export function buildWorld(spec: WorldSpec, env: KernelEnv = staticEnv()): World {
  const world = new World(spec, env);
  // The namespaces of a cluster load near-identical rule texts: each line is parsed once for all of them.
  const parses = new RuleParseCache();
  for (const nsSpec of spec.namespaces) {
    const ns = world.addNetns(nsSpec.name);
    const lo = new NetDevice(ns, 'lo', ns.nextIfindex(), 'loopback', '00:00:00:00:00:00', LOOPBACK_MTU);
    ns.attach(lo);
    ns.addAddress(lo, 0x7f000001, 8, RT_SCOPE_HOST);
    // Keys that name no device are written before any device exists (as the oracle realizes them), so every
    // device starts from conf.default (inetdev_init()); lo, already up with 127.0.0.1, keeps its own values.
    for (const [k, v] of Object.entries(nsSpec.sysctls)) if (!isPerDeviceSysctl(k)) ns.sysctls.set(k, v, ns.deviceNames());
  }
  for (const nsSpec of spec.namespaces) createLinks(world, nsSpec);
  for (const nsSpec of spec.namespaces) pairVeths(world, nsSpec);
  for (const nsSpec of spec.namespaces) {
    const ns = need(world.netns(nsSpec.name), nsSpec.name);
    enslave(ns, nsSpec);
    for (const l of nsSpec.links) {
      const dev = need(ns.device(l.name), l.name);
      for (const a of l.addresses) {
        ns.addAddress(dev, a.addr, a.len, a.scope ? scopeValue(a.scope) : a.addr >>> 24 === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE);
      }
    }
    for (const [k, v] of Object.entries(nsSpec.sysctls)) if (isPerDeviceSysctl(k)) ns.sysctls.set(k, v, ns.deviceNames());
    for (const r of nsSpec.routes) ns.fib.addRoute(fibRouteOf(ns, r));
    for (const r of nsSpec.rules) ns.fib.addRule(fibRuleOf(r));
    for (const n of nsSpec.neigh) {
      const state = n.nud === 'permanent' ? 'PERMANENT' : n.nud === 'noarp' ? 'NOARP' : n.nud === 'reachable' ? 'REACHABLE' : n.nud === 'stale' ? 'STALE' : 'FAILED';
      neighAdminAdd(need(ns.device(n.dev), n.dev), n.addr, n.lladdr ?? null, state);
    }
    for (const f of nsSpec.fdb) {
      const dev = need(ns.device(f.dev), f.dev);
      const table = dev instanceof VxlanDevice ? dev.fdb : f.self ? undefined : dev.master instanceof BridgeDevice ? dev.master.fdb : undefined;
      // fdb_add_entry(): on a bridge NUD_PERMANENT (`permanent`, `local`) makes the entry local: frames to that
      // MAC are delivered to the bridge itself, not forwarded to the port (measured).
      // On a vxlan device NUD_PERMANENT only means never aged nor moved, which `local` also means here.
      const local = f.permanent;
      table?.add({ mac: f.mac, dev: f.dev, local, static: true, updated: 0, dst: f.dst });
    }
    for (const s of nsSpec.listen) ns.sockets.listeners.push({ proto: s.proto, addr: s.addr, port: s.port });
    if (nsSpec.iptables !== undefined) {
      // A caller that builds many Worlds from one text (branch runs) may hand in its parse, done once.
      const loaded: ReturnType<NonNullable<KernelEnv['restore']>> = (env.restore ?? ((text: string) => restore(text, undefined, { cache: parses })))(nsSpec.iptables);
      const { ruleset, errors, index } = loaded;
      if (errors.length > 0) throw new Error(`invariant: iptables of ${ns.name} did not load: ${errors.map(formatRestoreError).join('; ')}`);
      ns.nf = netfilterState(ruleset, (k) => ns.sysctls.get(k), ipsetState(nsSpec.ipsets ?? []), index);
      ns.netfilter = netfilterEngine(ns, ns.nf);
    }
    seedConntrack(ns, nsSpec);
  }
  return world;
}

/**
 * `conntrack -I` of each stated entry, at time 0. A namespace without iptables gets an empty netfilter state
 * to hold them and no hooks: as in Linux, they are listed but steer nothing until some rule hooks conntrack in.
 */
function seedConntrack(ns: Netns, nsSpec: NetnsSpec): void {
  const entries = nsSpec.conntrack ?? [];
  if (entries.length === 0) return;
  // No hooks are registered for it (no ns.netfilter): the table only holds the entries.
  ns.nf ??= netfilterState(restore('').ruleset, (k) => ns.sysctls.get(k), ipsetState(nsSpec.ipsets ?? []));
  for (const e of entries) {
    if (ns.nf.conntrack.seed(e, 0) === undefined) throw new Error(`invariant: conntrack entry of ${ns.name} clashes: ${e.text}`);
  }
}

/** The sets as `-m set` reads them: each canonical member as the elements `ipset add` puts in the set. */
function ipsetState(specs: readonly IpsetSpec[]): MatchState['ipsets'] {
  return new Map(specs.map((s) => [s.name, { type: s.type, members: new Set(s.members.flatMap((m) => ipsetElements(s.type, m))) }]));
}

/**
 * What a canonical member puts in the set: `hash:ip` and `hash:ip,port` a prefix as each of its addresses
 * (hash_ip4_uadt() walks the range), the other types the member itself.
 */
export function ipsetElements(type: IpsetType, member: string): string[] {
  if (type !== 'hash:ip' && type !== 'hash:ip,port') return [member];
  const comma = member.indexOf(',');
  const addrText = comma < 0 ? member : member.slice(0, comma);
  const suffix = comma < 0 ? '' : member.slice(comma);
  const slash = addrText.indexOf('/');
  if (slash < 0) return [member];
  const base = parseIpv4(addrText.slice(0, slash));
  const len = Number(addrText.slice(slash + 1));
  if (base === undefined) throw new Error(`invariant: ipset member ${member} is not canonical`);
  return Array.from({ length: 2 ** (32 - len) }, (_, i) => `${formatIpv4((base + i) >>> 0)}${suffix}`);
}

/** `net.ipv4.conf.DEV.*` or `net.ipv4.neigh.DEV.*` for a real device (not `all` or `default`). */
function isPerDeviceSysctl(key: string): boolean {
  const m = /^net\.ipv4\.(?:conf|neigh)\.([^.]+)\./.exec(key);
  return m !== null && m[1] !== 'all' && m[1] !== 'default';
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`invariant: ${what} missing after validation`);
  return v;
}

function createLinks(world: World, nsSpec: NetnsSpec): void {
  const ns = need(world.netns(nsSpec.name), nsSpec.name);
  for (const l of nsSpec.links) {
    if (l.type === 'loopback') {
      // Every namespace has lo already: a listed lo only sets its MTU (its addresses come with the others').
      ns.loopback().mtu = l.mtu ?? LOOPBACK_MTU;
      continue;
    }
    const mac = l.mac ?? world.macFor(ns.name, l.name);
    const dev = makeDevice(ns, l, mac, nsSpec);
    ns.attach(dev, l.up ?? true);
  }
}

/** vxlan_config_apply(): without `mtu`, the underlay's MTU less the 50 bytes of headers, or 1500 without one. */
function vxlanMtu(l: LinkSpec, nsSpec: NetnsSpec): number {
  if (l.mtu !== undefined) return l.mtu;
  const under = l.vxlan?.dev === undefined ? undefined : nsSpec.links.find((x) => x.name === l.vxlan?.dev);
  return under ? (under.mtu ?? ETH_MTU) - VXLAN_OVERHEAD : ETH_MTU;
}

function makeDevice(ns: Netns, l: LinkSpec, mac: string, nsSpec: NetnsSpec): NetDevice {
  const ifindex = ns.nextIfindex();
  switch (l.type) {
    case 'veth':
      return new VethDevice(ns, l.name, ifindex, 'veth', mac, l.mtu ?? ETH_MTU);
    case 'bridge':
      return new BridgeDevice(ns, l.name, ifindex, mac, l.mtu ?? ETH_MTU, l.ageingTime ?? 300, l.mac !== undefined);
    case 'vxlan':
      return new VxlanDevice(ns, l.name, ifindex, mac, vxlanMtu(l, nsSpec), l.vxlan ?? { id: 0, dstport: 8472, learning: true });
    case 'dummy':
      return new NetDevice(ns, l.name, ifindex, 'dummy', mac, l.mtu ?? ETH_MTU);
    case 'loopback':
      throw new Error(`invariant: lo of ${ns.name} is never created from the spec`);
    case 'external':
      return new NetDevice(ns, l.name, ifindex, 'external', mac, l.mtu ?? ETH_MTU);
  }
}

function pairVeths(world: World, nsSpec: NetnsSpec): void {
  const ns = need(world.netns(nsSpec.name), nsSpec.name);
  for (const l of nsSpec.links) {
    if (l.type !== 'veth' || !l.peer) continue;
    const dev = ns.device(l.name);
    const peer = world.netns(l.peer.netns)?.device(l.peer.dev);
    if (dev instanceof VethDevice && peer instanceof VethDevice) {
      dev.peer = peer;
      peer.peer = dev;
    }
  }
}

function enslave(ns: Netns, nsSpec: NetnsSpec): void {
  for (const l of nsSpec.links) {
    if (!l.master) continue;
    const br = ns.device(l.master);
    const dev = need(ns.device(l.name), l.name);
    if (br instanceof BridgeDevice) br.addPort(dev, { hairpin: l.hairpin ?? false, learning: l.learning ?? true });
  }
}

/** fib_create_info(): default scope by type, and the device of a gateway found through the connected routes. */
function fibRouteOf(ns: Netns, r: RouteSpec): FibRoute {
  let dev = r.dev ?? null;
  if (dev === null && r.via !== undefined) dev = connectedDevFor(ns, r.via);
  const scope = r.scope
    ? scopeValue(r.scope)
    : r.type === 'local'
      ? RT_SCOPE_HOST
      : r.type === 'broadcast' || (r.type === 'unicast' && r.via === undefined)
        ? RT_SCOPE_LINK
        : RT_SCOPE_UNIVERSE;
  return {
    type: r.type,
    dst: r.dst.addr,
    len: r.dst.len,
    table: r.table,
    dev,
    gw: r.via ?? null,
    prefsrc: r.src ?? null,
    metric: r.metric,
    scope,
    proto: r.proto ?? 'boot',
    onlink: r.onlink,
    mtu: r.mtu ?? null,
    ...(r.nexthops ? multipathOf(ns, r) : {}),
  };
}

/** fib_get_nhs(): each nexthop's device, found through the connected routes when only a gateway is given. */
function multipathOf(ns: Netns, r: RouteSpec): Pick<FibRoute, 'nexthops' | 'dev' | 'gw' | 'onlink' | 'scope'> {
  const nexthops = (r.nexthops ?? []).map((nh) => ({
    gw: nh.via ?? null,
    dev: nh.dev ?? (nh.via !== undefined ? connectedDevFor(ns, nh.via) : null),
    weight: nh.weight,
    onlink: nh.onlink,
  }));
  // fib_create_info(): a route with a gateway in any nexthop is universe scope unless told.
  const scope = r.scope ? scopeValue(r.scope) : nexthops.some((nh) => nh.gw !== null) ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  return { nexthops, dev: nexthops[0].dev, gw: nexthops[0].gw, onlink: nexthops[0].onlink, scope };
}

/** fib_check_nh(): the gateway's device is the one whose connected prefix holds it, longest prefix first. */
function connectedDevFor(ns: Netns, gw: number): string | null {
  let best: { dev: string; len: number } | null = null;
  for (const d of ns.devices.values()) {
    for (const a of d.addrs) {
      const m = maskOf(a.len);
      if (((a.addr & m) >>> 0) === ((gw & m) >>> 0) && (best === null || a.len > best.len)) best = { dev: d.name, len: a.len };
    }
  }
  return best?.dev ?? null;
}

/** `ip rule add`'s rule (fib_nl_newrule()) as the FIB keeps it; the selectors not written are absent. */
export function fibRuleOf(r: RuleSpec): Omit<FibRule, 'priority'> & { priority?: number } {
  return {
    priority: r.priority,
    not: r.not,
    src: r.from?.addr ?? 0,
    srcLen: r.from?.len ?? 0,
    dst: r.to?.addr ?? 0,
    dstLen: r.to?.len ?? 0,
    iif: r.iif ?? null,
    oif: r.oif ?? null,
    mark: r.fwmark?.value ?? 0,
    markMask: r.fwmark ? r.fwmark.mask : 0,
    tos: r.tos ?? 0,
    action: r.action,
    table: r.table ?? 254,
    ...(r.ipproto !== undefined ? { ipproto: r.ipproto } : {}),
    ...(r.sport !== undefined ? { sport: r.sport } : {}),
    ...(r.dport !== undefined ? { dport: r.dport } : {}),
    ...(r.uidrange !== undefined ? { uidrange: r.uidrange } : {}),
    ...(r.suppressPrefixlength !== undefined ? { suppressPrefixlength: r.suppressPrefixlength } : {}),
  };
}
