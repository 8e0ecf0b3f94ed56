import { isMulticastMac } from '../../wire/ethernet.js';
import type { Skb } from '../../packet/skb.js';
import { newSkb } from '../../packet/skb.js';
import { VXLAN_FLAGS_VNI } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { ipSend } from '../ipv4/send.js';
import { fate, report } from '../report.js';
import type { L2Frame } from './l2-frame.js';
import { frameLeg, toFrame } from './l2-frame.js';
import type { VxlanDevice } from './vxlan-device.js';
import { netifReceive } from './xmit.js';

const ZERO_MAC = '00:00:00:00:00:00';

/** udp_flow_src_port(): a per-flow hash folded into the local port range 32768-60999. */
function flowSourcePort(inner: L2Frame): number {
  let h = 0x811c9dc5;
  const key = inner.kind === 'ipv4'
    ? `${inner.skb.packet.ip.src}|${inner.skb.packet.ip.dst}|${inner.skb.packet.ip.protocol}|${portsOf(inner.skb)}`
    : `${inner.eth.src}|${inner.eth.dst}`;
  // The key is ASCII (numbers, MACs, separators): one UTF-16 unit per character.
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return 32768 + (h % (60999 - 32768 + 1));
}

function portsOf(skb: Skb): string {
  const l4 = skb.packet.l4;
  return l4.proto === 'tcp' ? `${l4.tcp.sport}:${l4.tcp.dport}` : l4.proto === 'udp' ? `${l4.udp.sport}:${l4.udp.dport}` : l4.proto === 'sctp' ? `${l4.sctp.sport}:${l4.sctp.dport}` : '';
}


/**
 * Linux: vxlan_xmit(): the inner destination MAC picks a remote from the device's fdb (all-zero entries are
 * the default destinations, used for group frames and unknown MACs), then vxlan_xmit_one() wraps the frame in
 * UDP to `dstport` and sends it as the namespace's own packet: outer TTL 64, DF clear, through OUTPUT and
 * POSTROUTING like any local packet.
 */
export function vxlanXmit(dev: VxlanDevice, frame: L2Frame): void {
  const ns = dev.netns;
  const leg = frameLeg(frame);
  const now = ns.env.timers.now();
  const entry = isMulticastMac(frame.eth.dst) ? undefined : dev.fdb.lookup(frame.eth.dst, now);
  let remotes: number[];
  if (entry?.dst !== undefined) remotes = [entry.dst];
  else {
    remotes = dev.fdb.entries(now).filter((e) => e.mac === ZERO_MAC && e.dst !== undefined).map((e) => e.dst as number);
    if (remotes.length === 0 && dev.cfg.remote !== undefined) remotes = [dev.cfg.remote];
  }
  if (remotes.length === 0) {
    fate(ns, leg, 'DROPPED', 'VXLAN_NO_REMOTE', `${dev.name}: no fdb entry for ${frame.eth.dst} and no default remote`, { dev: dev.name });
    return;
  }
  const sport = flowSourcePort(frame);
  for (const remote of remotes) {
    report(ns, leg, {
      dev: dev.name,
      stage: 'vxlan-encap',
      detail: `${dev.name}: VNI ${dev.cfg.id}, ${frame.eth.src} > ${frame.eth.dst} in UDP ${sport} > ${formatIpv4(remote)}:${dev.cfg.dstport}${entry ? ' (fdb)' : ' (default remote)'}`,
    });
    ipSend(ns, leg, {
      src: dev.cfg.local ?? 0,
      dst: remote,
      oif: dev.cfg.dev,
      ttl: 64,
      pmtudisc: 'dont',
      l4: {
        proto: 'udp',
        udp: { sport, dport: dev.cfg.dstport, length: 0, checksum: 0 },
        vxlan: { header: { flags: VXLAN_FLAGS_VNI, vni: dev.cfg.id }, inner: toFrame(frame) },
      },
      payloadLength: 0,
      hops: frame.kind === 'ipv4' ? frame.skb.hops : frame.hops,
    });
  }
}

/**
 * Linux: vxlan_rcv(): the UDP socket on `dstport` hands the payload to the device with that VNI; with
 * learning on, the inner source MAC is remembered against the outer source address; the inner frame is
 * then received on the vxlan device.
 */
export function vxlanRcv(dev: VxlanDevice, skb: Skb): void {
  const ns = dev.netns;
  const l4 = skb.packet.l4;
  if (l4.proto !== 'udp' || !l4.vxlan) return;
  const { header, inner } = l4.vxlan;
  if (header.vni !== dev.cfg.id) {
    fate(ns, skb.leg, 'DROPPED', 'VXLAN_VNI_NOT_FOUND', `no vxlan device for VNI ${header.vni} on port ${dev.cfg.dstport}`);
    return;
  }
  const now = ns.env.timers.now();
  if (dev.cfg.learning && !isMulticastMac(inner.eth.src)) {
    // vxlan_snoop(): learned entries follow the sender; static and permanent ones are left as they are.
    if (dev.fdb.learn(inner.eth.src, dev.name, now) !== 'kept') {
      const e = dev.fdb.lookup(inner.eth.src, now);
      if (e) e.dst = skb.packet.ip.src;
    }
  }
  report(ns, skb.leg, {
    dev: dev.name,
    stage: 'vxlan-decap',
    detail: `${dev.name}: VNI ${header.vni} from ${formatIpv4(skb.packet.ip.src)}: inner ${inner.eth.src} > ${inner.eth.dst}`,
  });
  const frame: L2Frame =
    inner.body.kind === 'ipv4'
      ? { eth: inner.eth, kind: 'ipv4', skb: withHops(newSkb(inner.body.packet, skb.leg), skb.hops) }
      : { eth: inner.eth, kind: 'arp', arp: inner.body.arp, leg: skb.leg, hops: skb.hops };
  ns.env.timers.after(0, () => netifReceive(dev, frame));
}

/** `skb` with its hop count set (the decapsulated packet keeps the outer one's count of devices crossed). */
function withHops(skb: Skb, hops: number): Skb {
  skb.hops = hops;
  return skb;
}
