// `ip link show` (iproute2 6.1 ip/ipaddress.c, print_linkinfo()) for one namespace.

import type { NetDevice } from '../link/device.js';
import { VethDevice } from '../link/device.js';
import type { Netns } from '../netns/netns.js';
import { linkFlags, operState } from './link-state.js';

/** dev->tx_queue_len: ether_setup() and loopback_setup() both set DEFAULT_TX_QUEUE_LEN. */
const TX_QUEUE_LEN = 1000;

/** The devices of a namespace in the order a link dump returns them: by ifindex. */
export function devicesByIfindex(ns: Netns): NetDevice[] {
  return [...ns.devices.values()].sort((a, b) => a.ifindex - b.ifindex);
}

/**
 * The two lines print_linkinfo() writes for a device. `mode` adds `mode DEFAULT` (IFLA_LINKMODE), which
 * `ip link` prints and `ip addr` does not.
 */
export function linkLines(dev: NetDevice, mode: boolean): string[] {
  // Devices that are up have the noqueue qdisc (all modelled kinds are IFF_NO_QUEUE); until their first
  // dev_activate() they sit on noop.
  const qdisc = dev.up ? 'noqueue' : 'noop';
  const master = dev.master ? ` master ${dev.master.name}` : '';
  const header =
    `${dev.ifindex}: ${dev.name}${iflinkSuffix(dev)}: ${linkFlags(dev)} mtu ${dev.mtu} qdisc ${qdisc}${master} ` +
    `state ${operState(dev)}${mode ? ' mode DEFAULT' : ''} group default qlen ${TX_QUEUE_LEN}`;
  return [header, `    ${linkLayerLine(dev)}`];
}

/**
 * `@peer` after the name (IFLA_LINK): the peer's name when it is in this namespace, `@ifN` when the kernel
 * adds IFLA_LINK_NETNSID because it is not, `@NONE` for a veth without a peer (veth_get_iflink() returns 0).
 */
function iflinkSuffix(dev: NetDevice): string {
  if (!(dev instanceof VethDevice)) return '';
  const peer = dev.peer;
  if (peer === null) return '@NONE';
  return peer.netns === dev.netns ? `@${peer.name}` : `@if${peer.ifindex}`;
}

/**
 * `link/ether MAC brd ff:ff:ff:ff:ff:ff`, and `link-netns NAME` for a peer in another namespace: iproute2
 * resolves IFLA_LINK_NETNSID to a name through /run/netns (get_name_from_nsid()), falling back to
 * `link-netnsid N` only for namespaces without one, which a World never has.
 */
function linkLayerLine(dev: NetDevice): string {
  if (dev.kind === 'loopback') return `link/loopback ${dev.mac} brd 00:00:00:00:00:00`;
  const peer = dev instanceof VethDevice ? dev.peer : null;
  const netns = peer !== null && peer.netns !== dev.netns ? ` link-netns ${peer.netns.name}` : '';
  return `link/ether ${dev.mac} brd ff:ff:ff:ff:ff:ff${netns}`;
}

/** `ip link show`: every device of the namespace, two lines each. */
export function showLink(ns: Netns): string {
  return devicesByIfindex(ns)
    .flatMap((dev) => linkLines(dev, true))
    .map((line) => `${line}\n`)
    .join('');
}
