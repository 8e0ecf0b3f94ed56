import type { Ipv4Addr } from '../../wire/headers.js';
import type { NetDevice, IfAddr } from '../link/device.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../link/device.js';
import { Fib, maskOf } from '../route/fib.js';
import type { FibRoute } from '../route/fib.js';
import { NeighTable } from '../neigh/neigh-table.js';
import { SocketTable } from '../ipv4/sockets.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from './world-spec.js';
import { Sysctls } from './sysctls.js';
import type { KernelEnv } from './env.js';
import type { World } from './world.js';
import type { NetfilterEngine } from '../netfilter/hooks.js';
import type { NetfilterState } from '../netfilter/hook-engine.js';

/** struct net: one network namespace with its devices, FIB, neighbours, sockets and sysctls. */
export class Netns {
  readonly devices = new Map<string, NetDevice>();
  readonly sysctls = new Sysctls();
  readonly fib = new Fib();
  readonly neigh = new NeighTable();
  readonly sockets = new SocketTable();
  #nextIfindex = 1;
  /** The rule engine behind the netfilter hooks; none means every hook accepts. */
  netfilter: NetfilterEngine | null = null;
  /** Tables, conntrack and match state, when the namespace has iptables rules. */
  nf: NetfilterState | null = null;
  /** The IPv4 ID counter for packets this namespace originates (per-destination in Linux; one is enough here). */
  ipId = 1;

  constructor(readonly name: string, readonly world: World) {}

  get env(): KernelEnv {
    return this.world.env;
  }

  nextIfindex(): number {
    return this.#nextIfindex++;
  }

  device(name: string): NetDevice | undefined {
    return this.devices.get(name);
  }

  loopback(): NetDevice {
    const lo = this.devices.get('lo');
    if (!lo) throw new Error(`invariant: netns ${this.name} has no lo`);
    return lo;
  }

  attach(dev: NetDevice): void {
    this.devices.set(dev.name, dev);
    this.sysctls.addDevice(dev.name);
  }

  /** inet_insert_ifa() + fib_add_ifaddr(): the address and the kernel routes that come with it. */
  addAddress(dev: NetDevice, addr: Ipv4Addr, len: number, scope: number): IfAddr {
    const mask = maskOf(len);
    const secondary = dev.addrs.some((a) => a.len === len && ((a.addr & mask) >>> 0) === ((addr & mask) >>> 0));
    const ifa: IfAddr = { addr, len, scope, secondary };
    dev.addrs.push(ifa);
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
    this.fib.addRoute(kernel({ type: 'local', dst: ifa.addr, len: 32, table: RT_TABLE_LOCAL, scope: RT_SCOPE_HOST }));
    if (!dev.up) return;
    const mask = maskOf(ifa.len);
    const prefix = (ifa.addr & mask) >>> 0;
    if (!ifa.secondary && prefix !== 0 && (prefix !== ifa.addr || ifa.len < 32)) {
      // The loopback's prefix is a local route (127.0.0.0/8 in table local); others a link route in main.
      if (dev.kind === 'loopback') {
        this.fib.addRoute(kernel({ type: 'local', dst: prefix, len: ifa.len, table: RT_TABLE_LOCAL, scope: RT_SCOPE_HOST }));
      } else {
        this.fib.addRoute(kernel({ type: 'unicast', dst: prefix, len: ifa.len, table: RT_TABLE_MAIN, scope: RT_SCOPE_LINK }));
      }
      if (ifa.len < 31) {
        const brd = (prefix | ~mask) >>> 0;
        this.fib.addRoute(kernel({ type: 'broadcast', dst: brd, len: 32, table: RT_TABLE_LOCAL, scope: RT_SCOPE_LINK }));
      }
    }
  }

  #primaryFor(dev: NetDevice, ifa: IfAddr): Ipv4Addr {
    const mask = maskOf(ifa.len);
    const p = dev.addrs.find((a) => !a.secondary && a.len === ifa.len && ((a.addr & mask) >>> 0) === ((ifa.addr & mask) >>> 0));
    return p ? p.addr : ifa.addr;
  }

  /** inet_lookup_ifaddr_rcu(): is `addr` configured on any device here? */
  ownsAddr(addr: Ipv4Addr): NetDevice | undefined {
    for (const d of this.devices.values()) if (d.addrs.some((a) => a.addr === addr)) return d;
    return undefined;
  }

  fibHasCustomRules(): boolean {
    return this.fib.custom;
  }

  deviceNames(): string[] {
    return [...this.devices.keys()];
  }
}
