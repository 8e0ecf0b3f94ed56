// `bridge fdb show` (iproute2 6.1 bridge/fdb.c, print_fdb()) for one namespace, in the order rtnl_fdb_dump()
// produces it: device by device in ifindex order; for a bridge port first its bridge's entries pointing at
// it (br_fdb_dump() with filter_dev), then the device's own address lists (ndo_dflt_fdb_dump()); for a bridge
// its own address lists, then the entries that point at no port; for a vxlan device its table of remotes
// (vxlan_fdb_dump()).

import type { MacAddr } from '../../wire/headers.js';
import { BridgeDevice } from '../link/bridge-device.js';
import type { NetDevice } from '../link/device.js';
import type { FdbEntry } from '../link/fdb.js';
import { VxlanDevice } from '../link/vxlan-device.js';
import type { Netns } from '../netns/netns.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { devicesByIfindex } from './ip-link.js';

export interface ShowFdbOptions {
  /**
   * Print the multicast addresses the kernel puts on every Ethernet device's address list (see
   * multicastList()); on by default, so the output matches a real namespace's. The model has no such lists,
   * so these lines are derived from the device's kind and state.
   */
  multicast?: boolean;
}

/** ff02::1 (all nodes), ff02::6a (all snoopers), 224.0.0.1 (all hosts), 224.0.0.106 (all snoopers). */
const MC_ALL_NODES6 = '33:33:00:00:00:01';
const MC_SNOOPERS6 = '33:33:00:00:00:6a';
const MC_ALL_HOSTS4 = '01:00:5e:00:00:01';
const MC_SNOOPERS4 = '01:00:5e:00:00:6a';

/**
 * dev->mc in the order the kernel fills it, as a namespace with IPv6 disabled (disable_ipv6=1 before its
 * devices exist) has it: ipv6_add_dev() joins ff02::1 at NETDEV_REGISTER whatever disable_ipv6 says; a bridge
 * joins the snoopers' groups when opened (br_multicast_open() with multicast_snooping on); ip_mc_up() joins
 * 224.0.0.1 at NETDEV_UP. With IPv6 enabled Linux would add more (solicited-node groups, ff02::2 when
 * forwarding); IPv6 is not modelled.
 */
export function multicastList(dev: NetDevice): MacAddr[] {
  const list = [MC_ALL_NODES6];
  if (dev.up && dev instanceof BridgeDevice) list.push(MC_SNOOPERS4, MC_SNOOPERS6);
  if (dev.up) list.push(MC_ALL_HOSTS4);
  return list;
}

/**
 * fdb_to_nud() as print_fdb() spells it: local entries are NUD_PERMANENT, static ones NUD_NOARP (`static`),
 * learned ones NUD_REACHABLE, which prints nothing but leaves the separator before the newline.
 */
function stateWord(e: FdbEntry): string {
  return e.local ? 'permanent' : e.static ? 'static' : '';
}

function masterLine(e: FdbEntry, br: BridgeDevice): string {
  return `${e.mac} dev ${e.dev} master ${br.name} ${stateWord(e)}\n`;
}

function selfLines(dev: NetDevice, opts: ShowFdbOptions): string[] {
  if (opts.multicast === false) return [];
  return multicastList(dev).map((mac) => `${mac} dev ${dev.name} self permanent\n`);
}

/** The bridge's entries for `dev`, newest first: fdb_create() adds to the head of br->fdb_list. */
function entriesFor(br: BridgeDevice, dev: string, now: number): FdbEntry[] {
  return br.fdb
    .entries(now)
    .filter((e) => e.dev === dev)
    .reverse();
}

/**
 * The entry for the bridge's own MAC, which points at no port. br_fdb_change_mac_address() adds it whenever
 * the bridge's address changes, unless a local entry for that MAC exists already (fdb_add_local()): a bridge
 * that took its lowest port's MAC has none; a bridge without ports or with a pinned MAC has one.
 */
function ownEntry(br: BridgeDevice, now: number): FdbEntry | null {
  const ports = new Set(br.ports.map((p) => p.name));
  const taken = br.fdb.entries(now).some((e) => e.local && e.mac === br.mac && ports.has(e.dev));
  return taken ? null : { mac: br.mac, dev: br.name, local: true, static: true, updated: 0 };
}

/**
 * vxlan_fdb_dump(): entries newest first (the kernel's fdb list takes new entries at its head), and an entry's
 * remotes in the order they were appended (`bridge fdb append` adds to the tail of f->remotes).
 */
function vxlanLines(dev: VxlanDevice, now: number): string[] {
  const byMac = new Map<MacAddr, FdbEntry[]>();
  for (const e of dev.fdb.entries(now)) byMac.set(e.mac, [...(byMac.get(e.mac) ?? []), e]);
  return [...byMac.values()].reverse().flat().map((e) => {
    const dst = e.dst !== undefined ? `dst ${formatIpv4(e.dst)} ` : '';
    return `${e.mac} dev ${dev.name} ${dst}self ${stateWord(e)}\n`;
  });
}

function deviceLines(dev: NetDevice, now: number, opts: ShowFdbOptions): string[] {
  // ndo_dflt_fdb_dump() answers only for ARPHRD_ETHER devices, so not for loopback.
  if (dev.kind === 'loopback') return [];
  const lines: string[] = [];
  if (dev.master instanceof BridgeDevice) {
    const br = dev.master;
    for (const e of entriesFor(br, dev.name, now)) lines.push(masterLine(e, br));
  }
  if (dev instanceof BridgeDevice) {
    for (const l of selfLines(dev, opts)) lines.push(l);
    const own = ownEntry(dev, now);
    const entries = [...entriesFor(dev, dev.name, now), ...(own ? [own] : [])];
    for (const e of entries) lines.push(masterLine(e, dev));
  } else if (dev instanceof VxlanDevice) {
    // A vxlan device has its own ndo_fdb_dump, so its address lists are not dumped.
    for (const l of vxlanLines(dev, now)) lines.push(l);
  } else {
    for (const l of selfLines(dev, opts)) lines.push(l);
  }
  return lines;
}

/** `bridge fdb show` for every device of the namespace. */
export function showFdb(ns: Netns, opts: ShowFdbOptions = {}): string {
  const now = ns.env.timers.now();
  return devicesByIfindex(ns)
    .flatMap((dev) => deviceLines(dev, now, opts))
    .join('');
}
