import { isMulticastMac } from '../../wire/ethernet.js';
import type { NetDevice } from './device.js';
import type { BridgeDevice } from './bridge-device.js';
import type { L2Frame } from './l2-frame.js';
import { cloneFrame, frameLeg } from './l2-frame.js';
import { devQueueXmit, ethRcv } from './xmit.js';
import { nfHook } from '../netfilter/hooks.js';
import type { NfHook } from '../netfilter/hooks.js';
import { fate, report } from '../report.js';
import { applyNfVerdict } from '../ipv4/nf-verdict.js';
import { neighOutput } from '../neigh/arp.js';
import { ipRouteInput } from '../route/route-input.js';
import { packetFlowPorts } from '../route/flow-ports.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';


/**
 * Linux: br_netfilter. With net.bridge.bridge-nf-call-iptables=1 bridged IPv4 frames walk the iptables
 * PREROUTING, FORWARD and POSTROUTING hooks, with `-i`/`-o` the bridge and `-m physdev` the ports. ARP is not
 * IPv4 and is not seen by iptables. Returns false when the frame went no further.
 */
function brNf(br: BridgeDevice, frame: L2Frame, hook: NfHook, inPort: string | null, outPort: string | null): boolean {
  if (frame.kind !== 'ipv4') return true;
  const ns = br.netns;
  if (ns.sysctls.get('net.bridge.bridge-nf-call-iptables') === 0) return true;
  const v = nfHook(ns, frame.skb, {
    hook,
    family: 'bridge',
    in: hook === 'POSTROUTING' ? null : br.name,
    out: hook === 'PREROUTING' ? null : br.name,
    physIn: inPort,
    physOut: outPort,
    nexthop: frame.skb.packet.ip.dst,
  });
  return applyNfVerdict(ns, frame.skb, v, `bridge ${hook}`, br.name);
}

/**
 * Linux: br_nf_pre_routing() and br_nf_pre_routing_finish(). After PREROUTING, a DNAT that moved the
 * destination is routed: when the new route leads back out of this same bridge the frame stays bridged
 * (toward the new destination's MAC, no TTL decrement, which is what makes same-node ClusterIPs work);
 * otherwise it is addressed to the bridge itself and goes up to be routed. Returns false when the frame
 * was dropped or is waiting for ARP.
 */
function brNfPreRouting(br: BridgeDevice, port: NetDevice, frame: L2Frame, resume: (f: L2Frame) => void): boolean {
  if (frame.kind !== 'ipv4' || br.netns.sysctls.get('net.bridge.bridge-nf-call-iptables') === 0) return true;
  const ns = br.netns;
  const skb = frame.skb;
  const dstBefore = skb.packet.ip.dst;
  if (!brNf(br, frame, 'PREROUTING', port.name, null)) return false;
  skb.brNfDone = true;
  const ip = skb.packet.ip;
  if (ip.dst === dstBefore) return true;
  const fp = packetFlowPorts(skb.packet, false);
  const r = ipRouteInput(ns, { src: ip.src, dst: ip.dst, iif: br.name, mark: skb.mark, tos: ip.tos, proto: fp.proto, sport: fp.sport, dport: fp.dport });
  if (r.kind !== 'forward' || r.dev !== br.name) {
    report(ns, skb.leg, { dev: br.name, stage: 'bridge', detail: `${br.name}: NAT moved the destination to ${formatIpv4(ip.dst)}, off this bridge: up the stack to be routed` });
    frame.eth.dst = br.mac;
    return true;
  }
  report(ns, skb.leg, { dev: br.name, stage: 'bridge', detail: `${br.name}: NAT moved the destination to ${formatIpv4(ip.dst)}, which is on this bridge: stays bridged (no routing, TTL kept)` });
  neighOutput(br, r.nexthop, skb, false, (mac) => {
    frame.eth.dst = mac;
    resume(frame);
  });
  return false;
}

/** Linux: br_handle_frame() / br_handle_frame_finish(): learn, filter, then forward, flood or pass up. */
export function brHandleFrame(br: BridgeDevice, port: NetDevice, frame: L2Frame): void {
  const ns = br.netns;
  const leg = frameLeg(frame);
  const now = ns.env.timers.now();
  const facts: string[] = [];
  if (!br.up) {
    fate(ns, leg, 'DROPPED', 'DEV_READY', `bridge ${br.name} is down`, { dev: port.name });
    return;
  }
  if (port.port?.learning && !isMulticastMac(frame.eth.src)) {
    const what = br.fdb.learn(frame.eth.src, port.name, now);
    if (what === 'learned' || what === 'moved') facts.push(`fdb: ${what} ${frame.eth.src} on ${port.name}`);
  }
  if (!brNfPreRouting(br, port, frame, (f) => brDeliver(br, port, f, []))) return;
  brDeliver(br, port, frame, facts);
}

/** br_handle_frame_finish() after the hooks: flood, pass up, or forward by the FDB. */
function brDeliver(br: BridgeDevice, port: NetDevice, frame: L2Frame, facts: string[]): void {
  const ns = br.netns;
  const leg = frameLeg(frame);
  const now = ns.env.timers.now();
  const dst = frame.eth.dst;
  if (isMulticastMac(dst)) {
    brFlood(br, port, frame, facts, true);
    return;
  }
  if (br.isLocalMac(dst, now)) {
    report(ns, leg, { dev: br.name, stage: 'bridge', detail: `${br.name}: ${dst} is the bridge's own address: up the stack`, facts, minor: frame.kind === 'arp' });
    ethRcv(br, frame);
    return;
  }
  const entry = br.fdb.lookup(dst, now);
  if (!entry) {
    brFlood(br, port, frame, [...facts, `fdb: ${dst} unknown`], false);
    return;
  }
  const out = ns.device(entry.dev);
  if (!out) return;
  if (out === port && !port.port?.hairpin) {
    // should_deliver(): never back out the ingress port unless it is in hairpin mode.
    report(ns, leg, { dev: br.name, stage: 'bridge', detail: `${br.name}: ${dst} is behind ${port.name}, the port it came in on`, facts });
    fate(ns, leg, 'DROPPED', 'BRIDGE_NO_HAIRPIN', `${br.name}: would go back out ${port.name}, which has hairpin off`, { dev: port.name });
    return;
  }
  report(ns, leg, {
    dev: br.name,
    stage: 'bridge',
    detail: `${br.name}: forward ${dst} via ${out.name} (fdb)${out === port ? ' (hairpin)' : ''}`,
    facts,
    minor: frame.kind === 'arp',
  });
  brForward(br, port, out, frame);
}

/**
 * A port forwards only in state forwarding: one whose device is down or has no carrier (a veth whose peer is
 * down) is disabled (br_port_carrier_check() -> br_stp_disable_port()), so should_deliver() skips it.
 */
function portForwarding(p: NetDevice): boolean {
  return p.carrier;
}

/** Linux: br_forward() -> __br_forward(): FORWARD and POSTROUTING hooks, then the port transmits. */
function brForward(br: BridgeDevice, inPort: NetDevice | null, out: NetDevice, frame: L2Frame): void {
  if (!portForwarding(out)) {
    fate(br.netns, frameLeg(frame), 'DROPPED', 'NO_CARRIER', `${br.name}: port ${out.name} is disabled (no carrier)`, {
      dev: out.name,
      bystander: frame.kind === 'arp',
    });
    return;
  }
  if (inPort && !brNf(br, frame, 'FORWARD', inPort.name, out.name)) return;
  if (!brNf(br, frame, 'POSTROUTING', null, out.name)) return;
  devQueueXmit(out, frame);
}

/** Linux: br_flood(): every port but the ingress one (unless hairpin), and the bridge itself for group frames. */
function brFlood(br: BridgeDevice, inPort: NetDevice | null, frame: L2Frame, facts: string[], localToo: boolean): void {
  const ns = br.netns;
  const leg = frameLeg(frame);
  const outs = br.ports.filter((p) => portForwarding(p) && (p !== inPort || p.port?.hairpin));
  report(ns, leg, {
    dev: br.name,
    stage: 'bridge',
    detail: `${br.name}: flood ${frame.eth.dst} to ${outs.map((p) => p.name).join(', ') || 'no other port'}${localToo ? ' and up the stack' : ''}`,
    facts,
  });
  for (const p of outs) brForward(br, inPort, p, cloneFrame(frame));
  if (localToo && inPort) ethRcv(br, cloneFrame(frame));
}

/** Linux: br_dev_xmit(): the host sends through the bridge device: fdb lookup, or flood. */
export function brDevXmit(br: BridgeDevice, frame: L2Frame): void {
  const ns = br.netns;
  const now = ns.env.timers.now();
  const dst = frame.eth.dst;
  const entry = isMulticastMac(dst) ? undefined : br.fdb.lookup(dst, now);
  const out = entry ? ns.device(entry.dev) : undefined;
  if (!out || entry?.local) {
    brFlood(br, null, frame, isMulticastMac(dst) ? [] : [`fdb: ${dst} unknown`], false);
    return;
  }
  report(ns, frameLeg(frame), { dev: br.name, stage: 'bridge', detail: `${br.name}: send ${dst} via ${out.name} (fdb)`, minor: frame.kind === 'arp' });
  brForward(br, null, out, frame);
}
