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

const FNV_PRIME = 0x01000193;
const BAR = 0x7c;
const COLON = 0x3a;

/** FNV-1a over the UTF-16 units of `s`. */
function fnvText(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME) >>> 0;
  return h;
}

/** fnvText(h, `${n}`) without printing `n` (a whole number up to 2^32; others are printed). */
function fnvNumber(h: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return fnvText(h, `${n}`);
  let div = 1;
  while (div * 10 <= n) div *= 10;
  for (; div >= 1; div /= 10) h = Math.imul(h ^ (0x30 + (Math.floor(n / div) % 10)), FNV_PRIME) >>> 0;
  return h;
}

/**
 * udp_flow_src_port(): a per-flow hash folded into the local port range 32768-60999. The hash is FNV-1a of
 * the text `src|dst|protocol|sport:dport` (ports only for TCP, UDP and SCTP) or `srcmac|dstmac`, fed unit by
 * unit without making the text.
 */
export function flowSourcePort(inner: L2Frame): number {
  let h = 0x811c9dc5;
  if (inner.kind === 'ipv4') {
    const p = inner.skb.packet;
    h = Math.imul(fnvNumber(h, p.ip.src) ^ BAR, FNV_PRIME) >>> 0;
    h = Math.imul(fnvNumber(h, p.ip.dst) ^ BAR, FNV_PRIME) >>> 0;
    h = Math.imul(fnvNumber(h, p.ip.protocol) ^ BAR, FNV_PRIME) >>> 0;
    const l4 = p.l4;
    const ports = l4.proto === 'tcp' ? l4.tcp : l4.proto === 'udp' ? l4.udp : l4.proto === 'sctp' ? l4.sctp : null;
    if (ports !== null) h = fnvNumber(Math.imul(fnvNumber(h, ports.sport) ^ COLON, FNV_PRIME) >>> 0, ports.dport);
  } else {
    h = fnvText(Math.imul(fnvText(h, inner.eth.src) ^ BAR, FNV_PRIME) >>> 0, inner.eth.dst);
  }
  return 32768 + (h % (60999 - 32768 + 1));
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
