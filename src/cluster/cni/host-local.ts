// host-local IPAM on one node (plugins/ipam/host-local/backend/allocator): the range is the node's pod
// subnet from network+1 to broadcast-1, the gateway (network+1) is never handed out, and a fresh node's
// pods get .2, .3, ... in creation order. Addresses a pod's status already names are reserved first, the
// way the on-disk reservations of a running node are; the others take the lowest free address.

import type { Ipv4Addr, Ipv4Prefix } from '../../wire/headers.js';
import { prefixMask, prefixNetwork } from '../../wire/ipv4-addr.js';

export class HostLocalRange {
  private readonly used = new Set<Ipv4Addr>();
  private next: number;
  readonly gateway: Ipv4Addr;
  readonly first: Ipv4Addr;
  readonly last: Ipv4Addr;

  constructor(readonly subnet: Ipv4Prefix) {
    const net = prefixNetwork(subnet);
    const broadcast = (net | ~prefixMask(subnet.len)) >>> 0;
    this.gateway = net + 1;
    this.first = net + 1;
    this.last = broadcast - 1;
    this.next = this.first;
  }

  contains(addr: Ipv4Addr): boolean {
    return addr >= this.first && addr <= this.last && addr !== this.gateway;
  }

  /** Marks an address taken; false when it is outside the range or already taken. */
  reserve(addr: Ipv4Addr): boolean {
    if (!this.contains(addr) || this.used.has(addr)) return false;
    this.used.add(addr);
    return true;
  }

  /** The next free address, skipping the gateway; undefined when the range is full. */
  allocate(): Ipv4Addr | undefined {
    for (let a = this.next; a <= this.last; a++) {
      if (a === this.gateway || this.used.has(a)) continue;
      this.used.add(a);
      this.next = a + 1;
      return a;
    }
    return undefined;
  }
}
