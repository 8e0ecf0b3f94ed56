import type { NetDevice } from './device.js';
import type { BridgeDevice } from './bridge-device.js';
import type { L2Frame } from './l2-frame.js';
import { cloneFrame, frameLeg } from './l2-frame.js';
import { devQueueXmit, ethRcv } from './xmit.js';
import { nfHook } from '../netfilter/hooks.js';
import type { NfHook } from '../netfilter/hooks.js';
import { fate, report } from '../report.js';

const isGroup = (mac: string): boolean => (parseInt(mac.slice(0, 2), 16) & 1) === 1;

/**
 * Linux: br_netfilter. With net.bridge.bridge-nf-call-iptables=1 bridged IPv4 frames walk the iptables
 * PREROUTING, FORWARD and POSTROUTING hooks. ARP is not IPv4 and is not seen by iptables.
 */
function brNf(br: BridgeDevice, frame: L2Frame, hook: NfHook, inDev: string | null, outDev: string | null): boolean {
  if (frame.kind !== 'ipv4') return true;
  const ns = br.netns;
  if (ns.sysctls.get('net.bridge.bridge-nf-call-iptables') === 0) return true;
  const v = nfHook(ns, frame.skb, { hook, family: 'bridge', in: inDev, out: outDev });
  if (v.verdict === 'DROP') {
    fate(ns, frame.skb.leg, 'DROPPED', 'NETFILTER_DROP', `br_netfilter ${hook} dropped it`, { dev: br.name });
    return false;
  }
  return true;
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
  if (port.port?.learning && !isGroup(frame.eth.src)) {
    const what = br.fdb.learn(frame.eth.src, port.name, now);
    if (what === 'learned' || what === 'moved') facts.push(`fdb: ${what} ${frame.eth.src} on ${port.name}`);
  }
  if (!brNf(br, frame, 'PREROUTING', port.name, null)) return;
  const dst = frame.eth.dst;
  if (isGroup(dst)) {
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

/** Linux: br_forward() -> __br_forward(): FORWARD and POSTROUTING hooks, then the port transmits. */
function brForward(br: BridgeDevice, inPort: NetDevice | null, out: NetDevice, frame: L2Frame): void {
  if (inPort && !brNf(br, frame, 'FORWARD', inPort.name, out.name)) return;
  if (!brNf(br, frame, 'POSTROUTING', null, out.name)) return;
  devQueueXmit(out, frame);
}

/** Linux: br_flood(): every port but the ingress one (unless hairpin), and the bridge itself for group frames. */
function brFlood(br: BridgeDevice, inPort: NetDevice | null, frame: L2Frame, facts: string[], localToo: boolean): void {
  const ns = br.netns;
  const leg = frameLeg(frame);
  const outs = br.ports.filter((p) => p.up && (p !== inPort || p.port?.hairpin));
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
  const entry = isGroup(dst) ? undefined : br.fdb.lookup(dst, now);
  const out = entry ? ns.device(entry.dev) : undefined;
  if (!out || entry?.local) {
    brFlood(br, null, frame, isGroup(dst) ? [] : [`fdb: ${dst} unknown`], false);
    return;
  }
  report(ns, frameLeg(frame), { dev: br.name, stage: 'bridge', detail: `${br.name}: send ${dst} via ${out.name} (fdb)`, minor: frame.kind === 'arp' });
  brForward(br, null, out, frame);
}
