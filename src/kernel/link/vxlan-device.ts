import type { MacAddr } from '../../wire/headers.js';
import type { Netns } from '../netns/netns.js';
import type { VxlanSpec } from '../netns/world-spec.js';
import { NetDevice } from './device.js';
import { Fdb } from './fdb.js';

/** A VXLAN device (drivers/net/vxlan/): its VNI, UDP port, underlay addresses and its own fdb of remotes. */
export class VxlanDevice extends NetDevice {
  /** Entries added with `bridge fdb add MAC dev vx0 dst IP self`, and learned ones when `learning` is on. */
  readonly fdb = new Fdb(300_000);

  constructor(netns: Netns, name: string, ifindex: number, mac: MacAddr, mtu: number, readonly cfg: VxlanSpec) {
    super(netns, name, ifindex, 'vxlan', mac, mtu);
  }
}
