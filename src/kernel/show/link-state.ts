// The link state `ip` reports (carrier, operstate, IFF_* flags), derived from a device the way the kernel would
// have it after the World's commands ran. The model keeps only what forwarding needs (`up`, a veth's peer);
// what iproute2 prints also depends on history the kernel keeps (linkwatch events, bridge port states), which
// is reconstructed here for a World built by buildWorld() and realized in the oracle's command order.

import { BridgeDevice } from '../link/bridge-device.js';
import type { NetDevice } from '../link/device.js';
import { VethDevice } from '../link/device.js';

/** IF_OPER_* (include/uapi/linux/if.h), as `ip link` names them after `state`. */
export type OperState = 'UP' | 'DOWN' | 'LOWERLAYERDOWN' | 'UNKNOWN';

/**
 * netif_carrier_ok(). A veth has carrier when both ends are up (veth_open()/veth_close()). A bridge with ports
 * has carrier when one of them forwards (br_port_state_selection()); a bridge without ports keeps the carrier
 * it was registered with, unless a port state selection ran with no port to count: br_stp_change_bridge_id()
 * runs one when `ip link set BR address` pins its MAC. Loopback, vxlan and dummy never lose carrier.
 */
export function carrierOk(dev: NetDevice): boolean {
  if (dev instanceof VethDevice) return dev.carrier;
  if (dev instanceof BridgeDevice) return dev.ports.length > 0 ? dev.ports.some(portForwards) : !dev.macFixed;
  return true;
}

/**
 * br_port_carrier_check(): a port is enabled when it is running and netif_oper_up(); without STP
 * (br_make_forwarding() with BR_NO_STP) an enabled port forwards at once. For every modelled port kind
 * netif_oper_up() holds exactly when the port is up with carrier.
 */
function portForwards(port: NetDevice): boolean {
  return port.up && carrierOk(port);
}

/**
 * dev->operstate after linkwatch ran (net/core/link_watch.c, rfc2863_policy() and default_operstate()).
 * Devices whose driver never reports a carrier change stay UNKNOWN (loopback, vxlan, dummy, a bridge that never
 * had a port or a pinned MAC).
 */
export function operState(dev: NetDevice): OperState {
  if (!dev.up) return 'DOWN';
  if (dev instanceof VethDevice) return carrierOk(dev) ? 'UP' : lowerState(dev);
  if (dev instanceof BridgeDevice) {
    if (!carrierOk(dev)) return 'DOWN';
    return dev.ports.length > 0 ? 'UP' : 'UNKNOWN';
  }
  return 'UNKNOWN';
}

/**
 * default_operstate() without carrier: DOWN when dev_get_iflink() (the peer's ifindex) equals the device's
 * own, or when the device with that ifindex *in this namespace* has carrier; LOWERLAYERDOWN otherwise. For a
 * peer in another namespace that local device is whichever happens to have the number. Linux evaluates this
 * when linkwatch handles the veth's carrier event, which it may defer by up to a second
 * (linkwatch_schedule_work()); this answers for a World that has settled by then.
 */
function lowerState(dev: VethDevice): OperState {
  const iflink = dev.peer?.ifindex ?? 0;
  if (iflink === dev.ifindex) return 'DOWN';
  const lower = [...dev.netns.devices.values()].find((d) => d.ifindex === iflink);
  return lower === undefined || carrierOk(lower) ? 'DOWN' : 'LOWERLAYERDOWN';
}

/** IFF_RUNNING as dev_get_flags() reports it: netif_oper_up(), i.e. operstate UP or UNKNOWN. */
function running(dev: NetDevice): boolean {
  const state = operState(dev);
  return dev.up && (state === 'UP' || state === 'UNKNOWN');
}

/**
 * The flag list `ip link` prints between angle brackets (iproute2 print_link_flags()): NO-CARRIER first when
 * up but not running, the IFF_* names in their bit order, then M-DOWN when a same-namespace peer is down.
 */
export function linkFlags(dev: NetDevice): string {
  const names: string[] = [];
  if (dev.up && !running(dev)) names.push('NO-CARRIER');
  if (dev.kind === 'loopback') names.push('LOOPBACK');
  else if (dev.kind === 'dummy') names.push('BROADCAST', 'NOARP'); // dummy_setup(): IFF_NOARP, no IFF_MULTICAST
  else names.push('BROADCAST', 'MULTICAST'); // ether_setup()
  if (dev.up) names.push('UP');
  // dev_get_flags(): IFF_LOWER_UP only while the device is running administratively.
  if (dev.up && carrierOk(dev)) names.push('LOWER_UP');
  const peer = dev instanceof VethDevice ? dev.peer : null;
  // print_linkinfo(): m_flag is the peer's IFF_UP, known only when IFLA_LINK names a device of this namespace.
  const mdown = peer !== null && peer.netns === dev.netns && !peer.up;
  return `<${names.join(',')}${mdown ? ',M-DOWN' : ''}>`;
}
