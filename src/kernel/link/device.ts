import type { Ipv4Addr, MacAddr } from '../../wire/headers.js';
import type { Netns } from '../netns/netns.js';

export type DeviceKind = 'loopback' | 'veth' | 'bridge' | 'vxlan' | 'dummy' | 'external';

/** Linux route/address scopes (include/uapi/linux/rtnetlink.h): smaller is wider. */
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;

export type ScopeName = 'global' | 'link' | 'host';

export function scopeValue(s: ScopeName): number {
  return s === 'global' ? RT_SCOPE_UNIVERSE : s === 'link' ? RT_SCOPE_LINK : RT_SCOPE_HOST;
}

export function scopeName(v: number): string {
  return v === RT_SCOPE_UNIVERSE ? 'global' : v === RT_SCOPE_LINK ? 'link' : v === RT_SCOPE_HOST ? 'host' : String(v);
}

/** struct in_ifaddr: an address on a device. The first address of a subnet is primary, later ones secondary. */
export interface IfAddr {
  readonly addr: Ipv4Addr;
  readonly len: number;
  readonly scope: number;
  readonly secondary: boolean;
}

/** Per-port bridge flags (`bridge link`). */
export interface BridgePortFlags {
  hairpin: boolean;
  learning: boolean;
}

/** struct net_device, reduced. Kind-specific state lives in the subclasses. */
export class NetDevice {
  /**
   * IFF_UP and the addresses, read-only here: Netns writes them (attach(), linkUp(), linkDown(), addAddress(),
   * removeAddress()), because what it and its FIB keep (the address index, the dst cache) must follow each write.
   */
  readonly up: boolean = true;
  readonly addrs: readonly IfAddr[] = [];
  /** The bridge this device is a port of (`master`). */
  master: NetDevice | null = null;
  port: BridgePortFlags | null = null;

  constructor(
    readonly netns: Netns,
    readonly name: string,
    readonly ifindex: number,
    readonly kind: DeviceKind,
    public mac: MacAddr,
    public mtu: number,
  ) {}

  /** IFF_NOARP: loopback needs no neighbour resolution. */
  get noarp(): boolean {
    return this.kind === 'loopback';
  }

  /** netif_carrier_ok(): for a veth, both ends must be up. */
  get carrier(): boolean {
    return this.up;
  }

  /** The address of a subnet that comes first is primary (`ip addr` lists it first). */
  primaryAddrs(): IfAddr[] {
    return this.addrs.filter((a) => !a.secondary);
  }
}

export class VethDevice extends NetDevice {
  peer: VethDevice | null = null;

  override get carrier(): boolean {
    return this.up && this.peer !== null && this.peer.up;
  }
}
