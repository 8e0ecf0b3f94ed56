import type { MacAddr } from '../../wire/headers.js';
import type { Netns } from '../netns/netns.js';
import { NetDevice } from './device.js';
import { Fdb } from './fdb.js';

/** A Linux bridge (net/bridge/): the master device, its ports and its forwarding database. */
export class BridgeDevice extends NetDevice {
  readonly ports: NetDevice[] = [];
  readonly fdb: Fdb;
  /** Set with `address`: then the bridge keeps it instead of taking the lowest port MAC. */
  macFixed: boolean;

  constructor(netns: Netns, name: string, ifindex: number, mac: MacAddr, mtu: number, ageingTimeS: number, macFixed: boolean) {
    super(netns, name, ifindex, 'bridge', mac, mtu);
    this.fdb = new Fdb(ageingTimeS * 1000);
    this.macFixed = macFixed;
  }

  /** br_add_if(): the port's own MAC becomes a local fdb entry; br_stp_recalculate_bridge_id() picks the lowest MAC. */
  addPort(dev: NetDevice, flags: { hairpin: boolean; learning: boolean }): void {
    dev.master = this;
    dev.port = flags;
    this.ports.push(dev);
    this.fdb.add({ mac: dev.mac, dev: dev.name, local: true, static: true, updated: 0 });
    if (!this.macFixed) {
      const lowest = this.ports.map((p) => p.mac).sort()[0];
      this.mac = lowest;
    }
  }

  /** The bridge device's own MAC is local too (frames to it go up the stack). */
  isLocalMac(mac: MacAddr, now: number): boolean {
    if (mac === this.mac) return true;
    const e = this.fdb.lookup(mac, now);
    return e !== undefined && e.local;
  }
}
