import type { PathSink } from '../events.js';
import { NetDevice, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, VethDevice, scopeValue } from '../link/device.js';
import { BridgeDevice } from '../link/bridge-device.js';
import { VxlanDevice } from '../link/vxlan-device.js';
import type { FibRoute } from '../route/fib.js';
import { maskOf } from '../route/fib.js';
import type { KernelEnv } from './env.js';
import { formatRestoreError, restore } from '../netfilter/index.js';
import { netfilterEngine, netfilterState } from '../netfilter/hook-engine.js';
import type { Netns } from './netns.js';
import { World } from './world.js';
import type { LinkSpec, NetnsSpec, RouteSpec, WorldSpec } from './world-spec.js';

const LOOPBACK_MTU = 65536;
const ETH_MTU = 1500;
const VXLAN_MTU = 1450;

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
    for (const r of nsSpec.rules) {
      ns.fib.addRule({
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
      });
    }
    for (const n of nsSpec.neigh) {
      const state = n.nud === 'permanent' ? 'PERMANENT' : n.nud === 'noarp' ? 'NOARP' : n.nud === 'reachable' ? 'REACHABLE' : n.nud === 'stale' ? 'STALE' : 'FAILED';
      ns.neigh.set(n.dev, n.addr, n.lladdr ?? null, state, 0);
    }
    for (const f of nsSpec.fdb) {
      const dev = need(ns.device(f.dev), f.dev);
      const table = dev instanceof VxlanDevice ? dev.fdb : f.self ? undefined : dev.master instanceof BridgeDevice ? dev.master.fdb : undefined;
      // fdb_add_entry(): on a bridge NUD_PERMANENT (`permanent`, `local`) makes the entry local: frames to that
      // MAC are delivered to the bridge itself, not forwarded to the port (measured).
      const local = !(dev instanceof VxlanDevice) && f.permanent;
      table?.add({ mac: f.mac, dev: f.dev, local, static: true, updated: 0, dst: f.dst });
    }
    for (const s of nsSpec.listen) ns.sockets.listeners.push({ proto: s.proto, addr: s.addr, port: s.port });
    if (nsSpec.iptables !== undefined) {
      const { ruleset, errors } = restore(nsSpec.iptables);
      if (errors.length > 0) throw new Error(`invariant: iptables of ${ns.name} did not load: ${errors.map(formatRestoreError).join('; ')}`);
      ns.nf = netfilterState(ruleset, (k) => ns.sysctls.get(k));
      ns.netfilter = netfilterEngine(ns, ns.nf);
    }
  }
  return world;
}

/** `net.ipv4.conf.DEV.*` for a real device (not `all` or `default`). */
function isPerDeviceSysctl(key: string): boolean {
  const m = /^net\.ipv4\.conf\.([^.]+)\./.exec(key);
  return m !== null && m[1] !== 'all' && m[1] !== 'default';
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`invariant: ${what} missing after validation`);
  return v;
}

function createLinks(world: World, nsSpec: NetnsSpec): void {
  const ns = need(world.netns(nsSpec.name), nsSpec.name);
  for (const l of nsSpec.links) {
    const mac = l.mac ?? world.macFor(ns.name, l.name);
    const dev = makeDevice(ns, l, mac);
    dev.up = l.up ?? true;
    ns.attach(dev);
  }
}

function makeDevice(ns: Netns, l: LinkSpec, mac: string): NetDevice {
  const ifindex = ns.nextIfindex();
  switch (l.type) {
    case 'veth':
      return new VethDevice(ns, l.name, ifindex, 'veth', mac, l.mtu ?? ETH_MTU);
    case 'bridge':
      return new BridgeDevice(ns, l.name, ifindex, mac, l.mtu ?? ETH_MTU, l.ageingTime ?? 300, l.mac !== undefined);
    case 'vxlan':
      return new VxlanDevice(ns, l.name, ifindex, mac, l.mtu ?? VXLAN_MTU, l.vxlan ?? { id: 0, dstport: 8472, learning: true });
    case 'dummy':
      return new NetDevice(ns, l.name, ifindex, 'dummy', mac, l.mtu ?? ETH_MTU);
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
  };
}

function connectedDevFor(ns: Netns, gw: number): string | null {
  for (const d of ns.devices.values()) {
    for (const a of d.addrs) {
      const m = maskOf(a.len);
      if (((a.addr & m) >>> 0) === ((gw & m) >>> 0)) return d.name;
    }
  }
  return null;
}
