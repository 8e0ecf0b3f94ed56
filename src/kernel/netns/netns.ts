import type { Ipv4Addr } from '../../wire/headers.js';
import type { NetDevice, IfAddr } from '../link/device.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, VethDevice } from '../link/device.js';
import { Fib, maskOf } from '../route/fib.js';
import type { FibRoute } from '../route/fib.js';
import { NeighTable } from '../neigh/neigh-table.js';
import { Fdb } from '../link/fdb.js';
import { SocketTable } from '../ipv4/sockets.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from './world-spec.js';
import { Sysctls } from './sysctls.js';
import type { KernelEnv } from './env.js';
import type { World } from './world.js';
import type { NetfilterEngine } from '../netfilter/hooks.js';
import type { NetfilterState, NsServices } from '../netfilter/hook-engine.js';

/**
 * What Netns alone writes of a device: NetDevice declares its link state and addresses read-only, so every other
 * writer must go through attach(), linkUp(), linkDown(), addAddress() or removeAddress(), which also drop what
 * is kept over them (the address index, the FIB's dst cache).
 */
interface DeviceState {
  up: boolean;
  readonly addrs: IfAddr[];
}

const stateOf = (dev: NetDevice): DeviceState => dev as unknown as DeviceState;

/** struct net: one network namespace with its devices, FIB, neighbours, sockets and sysctls. */
export class Netns {
  /** By name, in the order attached; written only by attach() (the caches below follow it). */
  readonly #devices = new Map<string, NetDevice>();
  readonly sysctls = new Sysctls();
  readonly fib = new Fib();
  readonly neigh = new NeighTable();
  readonly sockets = new SocketTable();
  #nextIfindex = 1;
  /** fdbs(), made on first use after a device is attached. */
  #fdbs: Fdb[] | null = null;
  /**
   * ownsAddr()'s index: each address to the first device (in `devices` order) that holds it, made on first use
   * after a device or an address comes or goes (only attach(), addAddress() and removeAddress() change them).
   */
  #owners: Map<Ipv4Addr, NetDevice> | null = null;
  /** The rule engine behind the netfilter hooks; none means every hook accepts. */
  netfilter: NetfilterEngine | null = null;
  #nf: NetfilterState | null = null;
  /** The IPv4 ID counter for packets this namespace originates (per-destination in Linux; one is enough here). */
  ipId = 1;
  /**
   * Memos of pure per-namespace functions, made on first use (they read the namespace live, so they never go
   * stale and are no kernel state: checkpoints and digests leave them out). routeUsable() in route-output.ts.
   */
  usableRoute: ((r: FibRoute) => boolean) | undefined = undefined;
  /** nsServices() in hook-engine.ts: the services a rule walk asks the namespace for. */
  nfServices: NsServices | undefined = undefined;
  /**
   * The open checkpoint that has saved this namespace (world-checkpoint.ts), so that every later touch in the
   * run (one per frame received) is one comparison; null when none has.
   */
  savedBy: object | null = null;

  constructor(readonly name: string, readonly world: World) {}

  get env(): KernelEnv {
    return this.world.env;
  }

  /** The devices by name, in the order attached (`ip link` lists them so). */
  get devices(): ReadonlyMap<string, NetDevice> {
    return this.#devices;
  }

  /** Tables, conntrack and match state, when the namespace has iptables rules. */
  get nf(): NetfilterState | null {
    return this.#nf;
  }

  set nf(nf: NetfilterState | null) {
    this.#nf = nf;
    this.world.netfilterChanged();
  }

  /**
   * A packet is entering this namespace (received on one of its devices, or sent from one of its sockets): a
   * checkpoint in progress saves the namespace before anything in it changes. Every change a run makes to a
   * namespace happens while the namespace handles a packet or a timer it armed, so this is the one gate.
   */
  touch(): void {
    this.world.touch(this);
  }

  nextIfindex(): number {
    return this.#nextIfindex++;
  }

  device(name: string): NetDevice | undefined {
    return this.#devices.get(name);
  }

  /** The forwarding databases of the bridges and vxlan devices, in the order of `devices` (checkpoints save them). */
  fdbs(): readonly Fdb[] {
    let list = this.#fdbs;
    if (list === null) {
      list = [];
      for (const dev of this.#devices.values()) if ('fdb' in dev && dev.fdb instanceof Fdb) list.push(dev.fdb);
      this.#fdbs = list;
    }
    return list;
  }

  loopback(): NetDevice {
    const lo = this.#devices.get('lo');
    if (!lo) throw new Error(`invariant: netns ${this.name} has no lo`);
    return lo;
  }

  /** register_netdevice() here, with the device's IFF_UP as its spec gives it (`up: false`: created down). */
  attach(dev: NetDevice, up = true): void {
    stateOf(dev).up = up;
    this.#devices.set(dev.name, dev);
    this.#fdbs = null;
    this.#owners = null;
    this.fib.flushDstCache();
    this.sysctls.addDevice(dev.name);
  }

  /** inet_insert_ifa() + fib_add_ifaddr(): the address and the kernel routes that come with it. */
  addAddress(dev: NetDevice, addr: Ipv4Addr, len: number, scope: number): IfAddr {
    const mask = maskOf(len);
    const secondary = dev.addrs.some((a) => a.len === len && ((a.addr & mask) >>> 0) === ((addr & mask) >>> 0));
    const ifa: IfAddr = { addr, len, scope, secondary };
    stateOf(dev).addrs.push(ifa);
    this.#owners = null;
    // inet_rtm_newaddr() -> ipv4_devconf_setall(): from now on the device ignores writes to conf.default.
    this.sysctls.setAll(dev.name);
    this.#addAddressRoutes(dev, ifa);
    return ifa;
  }

  /**
   * fib_add_ifaddr(): the local route always (it outlives the device being down); then, only while the device
   * is up and only for a primary address whose prefix is not 0.0.0.0, the prefix route and the subnet's
   * broadcast route (for /30 and wider; none for the network address).
   */
  #addAddressRoutes(dev: NetDevice, ifa: IfAddr): void {
    const prim = ifa.secondary ? this.#primaryFor(dev, ifa) : ifa.addr;
    const kernel = (r: Partial<FibRoute> & Pick<FibRoute, 'type' | 'dst' | 'len' | 'table' | 'scope'>): FibRoute => ({
      dev: dev.name, gw: null, prefsrc: prim, metric: 0, proto: 'kernel', onlink: false, mtu: null, ...r,
    });
    const add = (r: FibRoute): void => {
      // fib_magic() adds with NLM_F_APPEND: an exact duplicate (the local route when the device comes back
      // up, a broadcast route two addresses share) is EEXIST and ignored.
      const t = this.fib.tables.get(r.table) ?? [];
      if (!t.some((x) => sameRoute(x, r))) this.fib.addRoute(r);
    };
    add(kernel({ type: 'local', dst: ifa.addr, len: 32, table: RT_TABLE_LOCAL, scope: RT_SCOPE_HOST }));
    if (!dev.up) return;
    const mask = maskOf(ifa.len);
    const prefix = (ifa.addr & mask) >>> 0;
    if (!ifa.secondary && prefix !== 0 && (prefix !== ifa.addr || ifa.len < 32)) {
      // The loopback's prefix is a local route (127.0.0.0/8 in table local); others a link route in main.
      if (dev.kind === 'loopback') {
        add(kernel({ type: 'local', dst: prefix, len: ifa.len, table: RT_TABLE_LOCAL, scope: RT_SCOPE_HOST }));
      } else {
        add(kernel({ type: 'unicast', dst: prefix, len: ifa.len, table: RT_TABLE_MAIN, scope: RT_SCOPE_LINK }));
      }
      if (ifa.len < 31) {
        const brd = (prefix | ~mask) >>> 0;
        add(kernel({ type: 'broadcast', dst: brd, len: 32, table: RT_TABLE_LOCAL, scope: RT_SCOPE_LINK }));
      }
    }
  }

  /**
   * __inet_del_ifa() + fib_del_ifaddr(): removes `addr/len` from `dev` with its kernel routes. Removing a
   * primary removes the secondaries of its subnet too, unless `promote_secondaries` is set on the device: then
   * the first of them becomes primary and the routes of the subnet come back with it as their source.
   * When the device is left without addresses, every route through it goes (fib_disable_ip(force)); routes
   * whose preferred source was the address go too (fib_sync_down_addr()). False when there is no such address.
   */
  removeAddress(dev: NetDevice, addr: Ipv4Addr, len: number | null): boolean {
    const ifa = dev.addrs.find((a) => a.addr === addr && (len === null || a.len === len));
    if (!ifa) return false;
    const mask = maskOf(ifa.len);
    const inSubnet = (a: IfAddr): boolean => a !== ifa && a.len === ifa.len && ((a.addr & mask) >>> 0) === ((ifa.addr & mask) >>> 0);
    const secondaries = ifa.secondary ? [] : dev.addrs.filter((a) => a.secondary && inSubnet(a));
    const promote = secondaries.length > 0 && this.sysctls.orConf(dev.name, 'promote_secondaries') ? secondaries[0] : null;
    const gone = promote ? [ifa] : [ifa, ...secondaries];
    const touched = ifa.secondary ? [ifa] : [ifa, ...secondaries];
    const prefix = (ifa.addr & mask) >>> 0;
    const brd = (prefix | ~mask) >>> 0;
    const touchedAddrs = new Set(touched.map((a) => a.addr));
    this.fib.removeRoutesWhere((r) => r.proto === 'kernel' && r.dev === dev.name && (
      (r.type === 'local' && r.len === 32 && touchedAddrs.has(r.dst))
      || (!ifa.secondary && r.dst === prefix && r.len === ifa.len && (r.type === 'unicast' || r.type === 'local'))
      || (!ifa.secondary && r.type === 'broadcast' && r.len === 32 && r.dst === brd)));
    const addrs = stateOf(dev).addrs;
    for (const a of gone) addrs.splice(addrs.indexOf(a), 1);
    this.#owners = null;
    for (const a of gone) {
      if (this.ownsAddr(a.addr) === undefined) this.fib.removeRoutesWhere((r) => r.prefsrc === a.addr);
    }
    if (promote) {
      // The promoted address moves after the last primary (inet_del_ifa()'s prev_prom), which ifaList() orders.
      const primary: IfAddr = { ...promote, secondary: false };
      addrs.splice(addrs.indexOf(promote), 1);
      addrs.push(primary);
      for (const a of [primary, ...secondaries.slice(1)]) this.#addAddressRoutes(dev, a);
    }
    if (dev.addrs.length === 0) this.fib.removeRoutesWhere((r) => r.dev === dev.name);
    return true;
  }

  /**
   * `ip link set DEV down`: fib_disable_ip() -> fib_sync_down_dev() removes every route through the device
   * but host-scope ones (their nexthop scope is RT_SCOPE_NOWHERE), neigh_ifdown() flushes its neighbours
   * (permanent ones too), and a bridge port's learned fdb entries (br_fdb_delete_by_port()) or a vxlan
   * device's non-permanent ones (vxlan_flush()) go.
   */
  linkDown(dev: NetDevice): void {
    if (!dev.up) return;
    const peer = dev instanceof VethDevice ? dev.peer : null;
    const peerHadCarrier = peer !== null && peer.carrier;
    stateOf(dev).up = false;
    this.fib.flushDstCache();
    this.fib.removeRoutesWhere((r) => r.dev === dev.name && r.scope !== RT_SCOPE_HOST);
    this.neigh.removeWhere((n) => n.dev === dev.name);
    const fdbs = [(dev as { fdb?: unknown }).fdb, (dev.master as { fdb?: unknown } | null)?.fdb];
    for (const f of fdbs) {
      if (f instanceof Fdb) f.removeWhere((e) => e.dev === dev.name && !e.local && !e.static);
    }
    // veth_close(): the peer loses its carrier too.
    if (peer !== null && peerHadCarrier) peer.netns.carrierDown(peer);
  }

  /**
   * A device of this namespace lost its carrier (NETDEV_CHANGE): neigh_carrier_down() flushes its neighbours but
   * the permanent ones, and a bridge port is disabled (br_port_carrier_check() -> br_stp_disable_port()), losing
   * its learned fdb entries. Its routes stay, marked linkdown.
   */
  carrierDown(dev: NetDevice): void {
    this.neigh.removeWhere((n) => n.dev === dev.name && n.state !== 'PERMANENT');
    const f = (dev.master as { fdb?: unknown } | null)?.fdb;
    if (f instanceof Fdb) f.removeWhere((e) => e.dev === dev.name && !e.local && !e.static);
  }

  /** `ip link set DEV up`: fib_netdev_event(NETDEV_UP) -> fib_add_ifaddr() for each address; routes added by hand stay gone. */
  linkUp(dev: NetDevice): void {
    if (dev.up) return;
    stateOf(dev).up = true;
    this.fib.flushDstCache();
    for (const a of dev.addrs.filter((x) => !x.secondary)) this.#addAddressRoutes(dev, a);
    for (const a of dev.addrs.filter((x) => x.secondary)) this.#addAddressRoutes(dev, a);
  }

  #primaryFor(dev: NetDevice, ifa: IfAddr): Ipv4Addr {
    const mask = maskOf(ifa.len);
    const p = dev.addrs.find((a) => !a.secondary && a.len === ifa.len && ((a.addr & mask) >>> 0) === ((ifa.addr & mask) >>> 0));
    return p ? p.addr : ifa.addr;
  }

  /**
   * inet_lookup_ifaddr_rcu(): is `addr` configured on any device here? The kernel hashes its addresses
   * (inet_addr_lst); so does this, instead of walking every device (a node has one per pod).
   */
  ownsAddr(addr: Ipv4Addr): NetDevice | undefined {
    let owners = this.#owners;
    if (owners === null) {
      owners = new Map();
      for (const d of this.#devices.values()) {
        for (const a of d.addrs) if (!owners.has(a.addr)) owners.set(a.addr, d);
      }
      this.#owners = owners;
    }
    return owners.get(addr);
  }

  fibHasCustomRules(): boolean {
    return this.fib.custom;
  }

  deviceNames(): string[] {
    return [...this.#devices.keys()];
  }
}

/** Same key and fib_info: what fib_table_insert() calls a perfect match. */
function sameRoute(a: FibRoute, b: FibRoute): boolean {
  return a.type === b.type && a.dst === b.dst && a.len === b.len && a.table === b.table && a.dev === b.dev && a.gw === b.gw
    && a.prefsrc === b.prefsrc && a.metric === b.metric && a.scope === b.scope && a.proto === b.proto;
}
