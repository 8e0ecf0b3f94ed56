import { isBroadcastMac, isMulticastMac } from '../../wire/ethernet.js';
import { ETH_P_ARP } from '../../wire/headers.js';
import { describeArp, describeSkb } from '../../packet/describe.js';
import type { NetDevice } from './device.js';
import { VethDevice } from './device.js';
import { BridgeDevice } from './bridge-device.js';
import type { L2Frame } from './l2-frame.js';
import { toFrame } from './l2-frame.js';
import { countHop, frameLeg } from './l2-frame.js';
import { brDevXmit, brHandleFrame } from './bridge-input.js';
import { VxlanDevice } from './vxlan-device.js';
import { vxlanXmit } from './vxlan.js';
import { arpRcv } from '../neigh/arp.js';
import { ipRcv } from '../ipv4/input.js';
import { fate, report } from '../report.js';

export function describeFrame(f: L2Frame): string {
  return f.kind === 'ipv4' ? describeSkb(f.skb) : describeArp(f.arp);
}

/** A frame as a packet socket on `dev` sees it (dev_queue_xmit_nit() on transmit, __netif_receive_skb() taps). */
function captureOn(dev: NetDevice, frame: L2Frame): void {
  dev.netns.env.sink.capture?.(frameLeg(frame), { netns: dev.netns.name, dev: dev.name, frame: toFrame(frame) });
}

/** Linux: dev_queue_xmit() -> ndo_start_xmit of the device's kind. */
export function devQueueXmit(dev: NetDevice, frame: L2Frame): void {
  const ns = dev.netns;
  const leg = frameLeg(frame);
  if (!dev.up) {
    fate(ns, leg, 'DROPPED', 'DEV_READY', `${dev.name} is down`, { dev: dev.name, bystander: frame.kind === 'arp' });
    return;
  }
  // A bridge or VXLAN device's own transmit is seen by `tcpdump -i br0` / `-i vx0` (veth's is, in vethXmit()).
  if (dev instanceof BridgeDevice || dev instanceof VxlanDevice) captureOn(dev, frame);
  if (dev instanceof VethDevice) return vethXmit(dev, frame);
  if (dev instanceof BridgeDevice) return brDevXmit(dev, frame);
  if (dev instanceof VxlanDevice) return vxlanXmit(dev, frame);
  if (dev.kind === 'external') {
    // The frame leaves the modelled world; an ARP probe that does decides nothing (no answer comes back in).
    const to = frame.kind === 'ipv4' ? ` (to ${frame.eth.dst})` : '';
    fate(ns, leg, 'EXITS_NETWORK', null, `leaves the modelled world by ${dev.name}${to}: ${dev.name} is an external link`, { dev: dev.name, bystander: frame.kind === 'arp' });
    return;
  }
  if (dev.kind === 'dummy') {
    // dummy_xmit() frees every frame.
    fate(ns, leg, 'DROPPED', null, `${dev.name} is a dummy device: it discards what it sends`, { dev: dev.name });
    return;
  }
  fate(ns, leg, 'DROPPED', null, `transmit on ${dev.kind} device ${dev.name} is not modelled yet`, { dev: dev.name });
}

/** Linux: veth_xmit(): the frame is received by the peer, in the peer's namespace. */
function vethXmit(dev: VethDevice, frame: L2Frame): void {
  const ns = dev.netns;
  const leg = frameLeg(frame);
  const peer = dev.peer;
  if (!peer || !peer.up) {
    // A lost ARP probe does not decide the packet's fate: it waits in the arp_queue until resolution fails.
    fate(ns, leg, 'DROPPED', 'NO_CARRIER', `${dev.name}: peer is down (NO-CARRIER)`, { dev: dev.name, bystander: frame.kind === 'arp' });
    return;
  }
  report(ns, leg, {
    dev: dev.name,
    stage: 'xmit',
    detail: `${dev.name} > ${peer.netns.name}/${peer.name}  ${frame.eth.src} > ${frame.eth.dst}`,
    packet: describeFrame(frame),
    minor: frame.kind === 'arp',
  });
  ns.env.sink.capture?.(leg, { netns: ns.name, dev: dev.name, frame: toFrame(frame) });
  if (frame.kind === 'ipv4' && peer.netns !== ns) {
    // skb_scrub_packet(skb, xnet): crossing into another namespace drops the conntrack reference and the mark.
    frame.skb.ct = null;
    frame.skb.mark = 0;
    frame.skb.brNfDone = false;
  }
  ns.env.timers.after(0, () => netifReceive(peer, frame));
}

/** Linux: __netif_receive_skb(): a bridge port hands the frame to the bridge (rx_handler), others to the stack. */
export function netifReceive(dev: NetDevice, frame: L2Frame): void {
  const ns = dev.netns;
  ns.touch();
  if (countHop(frame, ns.env.hopBudget)) {
    fate(ns, frameLeg(frame), 'LOOP', 'EMULATOR_HOP_BUDGET', `the emulator's limit: ${ns.env.hopBudget} device crossings without a TTL decrement (a bridge loop?); the emulator stopped following it here, which is not a fate Linux gives a packet`, { dev: dev.name });
    return;
  }
  if (!dev.up) {
    fate(ns, frameLeg(frame), 'DROPPED', 'DEV_READY', `${dev.name} is down`, { dev: dev.name });
    return;
  }
  // The inner frame a VXLAN device decapsulated is seen on it, bridge port or not.
  if (dev instanceof VxlanDevice) captureOn(dev, frame);
  if (dev.master instanceof BridgeDevice) return brHandleFrame(dev.master, dev, frame);
  ethRcv(dev, frame);
}

/** Linux: eth_type_trans() then the protocol handler (arp_rcv / ip_rcv). */
export function ethRcv(dev: NetDevice, frame: L2Frame): void {
  // br_pass_frame_up(): what the bridge hands its own stack is seen on the bridge device.
  if (dev instanceof BridgeDevice) captureOn(dev, frame);
  const dst = frame.eth.dst;
  const pktType =
    isBroadcastMac(dst) ? 'broadcast' : isMulticastMac(dst) ? 'multicast' : dst === dev.mac ? 'host' : 'otherhost';
  if (frame.kind === 'arp' || frame.eth.ethertype === ETH_P_ARP) {
    if (frame.kind === 'arp') arpRcv(dev, frame, pktType);
    return;
  }
  frame.skb.pktType = pktType;
  frame.skb.iif = dev.name;
  ipRcv(dev, frame.skb);
}
