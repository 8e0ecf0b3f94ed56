import type { MacAddr } from '../../wire/headers.js';
import { ARPOP_REPLY, ARPOP_REQUEST, ETH_P_ARP, ETH_P_IP } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Skb } from '../../packet/skb.js';
import type { PktType } from '../../packet/skb.js';
import type { NetDevice } from '../link/device.js';
import { RT_SCOPE_LINK } from '../link/device.js';
import type { L2Frame } from '../link/l2-frame.js';
import { devQueueXmit } from '../link/xmit.js';
import { inetSelectAddr } from '../route/source-select.js';
import { icmpSend } from '../ipv4/icmp.js';
import { ipRouteInput } from '../route/route-input.js';
import { fate, report } from '../report.js';
import { NEIGH_MCAST_PROBES, NEIGH_RETRANS_MS } from './neigh-table.js';
import type { Neighbour } from './neigh-table.js';

const BROADCAST: MacAddr = 'ff:ff:ff:ff:ff:ff';
const USABLE = new Set(['REACHABLE', 'PERMANENT', 'NOARP', 'STALE', 'DELAY', 'PROBE']);

/** Sends an IPv4 skb to `mac` out of `dev`. */
function xmitIp(dev: NetDevice, skb: Skb, mac: MacAddr): void {
  const frame: L2Frame = { eth: { dst: mac, src: dev.mac, ethertype: ETH_P_IP }, kind: 'ipv4', skb };
  devQueueXmit(dev, frame);
}

/**
 * Linux: ip_finish_output2() -> neigh_output(): a resolved neighbour gets the frame at once; otherwise the
 * skb waits in the arp_queue while ARP asks (mcast_solicit=3 probes, retrans_time 1 s), and on failure
 * every queued packet draws ICMP host unreachable (ipv4_link_failure()).
 */
export function neighOutput(dev: NetDevice, nexthop: number, skb: Skb, broadcast: boolean, onResolved?: (mac: MacAddr) => void): void {
  const ns = dev.netns;
  const send = onResolved ?? ((mac: MacAddr) => xmitIp(dev, skb, mac));
  if (broadcast || nexthop === 0xffffffff) return send(BROADCAST);
  if (dev.kind === 'external') {
    // Beyond an external link the world is not modelled: the packet leaves by it, toward its next hop.
    fate(ns, skb.leg, 'EXITS_NETWORK', null, `leaves the modelled world by ${dev.name}, next hop ${formatIpv4(nexthop)} (${dev.name} is an external link)`, { dev: dev.name });
    return;
  }
  const now = ns.env.timers.now();
  const n = ns.neigh.get(dev.name, nexthop);
  if (n && n.lladdr && USABLE.has(n.state)) {
    report(ns, skb.leg, { dev: dev.name, stage: 'neigh', detail: `neigh ${formatIpv4(nexthop)} lladdr ${n.lladdr} ${n.state}`, minor: true });
    return send(n.lladdr);
  }
  const entry = ns.neigh.create(dev.name, nexthop, now);
  const waiting = entry.state === 'INCOMPLETE' && entry.queue.length > 0;
  if (entry.state === 'FAILED') {
    entry.state = 'INCOMPLETE';
    entry.probes = 0;
  }
  entry.queue.push({ skb, send });
  report(ns, skb.leg, {
    dev: dev.name,
    stage: 'neigh',
    detail: waiting
      ? `neigh ${formatIpv4(nexthop)} INCOMPLETE: queued behind a pending ARP request`
      : `neigh ${formatIpv4(nexthop)} dev ${dev.name} unknown: ARP who-has, packet queued`,
  });
  if (!waiting) {
    entry.probes = 0;
    solicit(dev, entry, skb);
  }
}

/**
 * Linux: arp_solicit(). The sender address of the request, by arp_announce (the maximum of all and the
 * device): 0 the queued packet's own source when it is local; 1 that source only when it shares a subnet of
 * the device with the target (inet_addr_onlink()); 2 never. Otherwise inet_select_addr(dev, target, link).
 */
function arpSolicitSource(dev: NetDevice, target: number, skb: Skb): number {
  const ns = dev.netns;
  const announce = Math.max(ns.sysctls.get('net.ipv4.conf.all.arp_announce'), ns.sysctls.get(`net.ipv4.conf.${dev.name}.arp_announce`));
  const saddr = skb.packet.ip.src;
  const local = ns.ownsAddr(saddr) !== undefined;
  if (announce === 0 && local) return saddr;
  if (announce === 1 && local && dev.addrs.some((a) => sameSubnet(a.addr, target, a.len) && sameSubnet(a.addr, saddr, a.len))) return saddr;
  return inetSelectAddr(ns, dev.name, target, RT_SCOPE_LINK);
}

function sameSubnet(a: number, b: number, len: number): boolean {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

function solicit(dev: NetDevice, n: Neighbour, skb: Skb): void {
  const ns = dev.netns;
  const spa = arpSolicitSource(dev, n.addr, skb);
  n.probes++;
  const frame: L2Frame = {
    eth: { dst: BROADCAST, src: dev.mac, ethertype: ETH_P_ARP },
    kind: 'arp',
    arp: { op: ARPOP_REQUEST, sha: dev.mac, spa, tha: '00:00:00:00:00:00', tpa: n.addr },
    leg: skb.leg,
    hops: 0,
  };
  devQueueXmit(dev, frame);
  ns.env.timers.after(NEIGH_RETRANS_MS, () => neighTimer(dev, n, skb));
}

/** Linux: neigh_timer_handler(): probe again, or give up and fail the queue. */
function neighTimer(dev: NetDevice, n: Neighbour, skb: Skb): void {
  if (n.state !== 'INCOMPLETE') return;
  if (n.probes < NEIGH_MCAST_PROBES) return solicit(dev, n, skb);
  const ns = dev.netns;
  n.state = 'FAILED';
  n.updated = ns.env.timers.now();
  const queued = n.queue.splice(0);
  for (const q of queued) {
    fate(ns, q.skb.leg, 'NEIGH_FAILED', 'NEIGH_FAILED', `no ARP reply from ${formatIpv4(n.addr)} on ${dev.name} after ${NEIGH_MCAST_PROBES} probes`, { dev: dev.name });
    // ipv4_link_failure(): the sender learns through ICMP host unreachable.
    icmpSend(ns, q.skb, 3, 1, 0);
  }
}

/** Linux: arp_process(): answer requests for our addresses (arp_ignore=0: any of them), learn from replies. */
export function arpRcv(dev: NetDevice, frame: L2Frame & { kind: 'arp' }, pktType: PktType): void {
  const ns = dev.netns;
  const a = frame.arp;
  const now = ns.env.timers.now();
  if (pktType === 'otherhost') return;
  if (a.op === ARPOP_REQUEST) {
    if (!ns.ownsAddr(a.tpa)) return;
    // arp_process(): the request is routed as if it were an IP packet from the asker to the target
    // (ip_route_input_noref), so rp_filter and martian checks apply: a sender that fails them gets no answer.
    const r = ipRouteInput(ns, { src: a.spa, dst: a.tpa, iif: dev.name, mark: 0, tos: 0 });
    if (r.kind !== 'local') {
      report(ns, frame.leg, {
        dev: dev.name,
        stage: 'arp',
        detail: `ARP who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}: not answered (${r.kind === 'martian' ? r.detail : 'the asker does not route here'})`,
      });
      return;
    }
    // neigh_event_ns(): the asker is learned (STALE) so the reply and the answer to come need no ARP.
    const n = ns.neigh.get(dev.name, a.spa);
    if (!n || n.state !== 'PERMANENT') {
      const e = ns.neigh.set(dev.name, a.spa, a.sha, 'STALE', now);
      flush(e);
    }
    report(ns, frame.leg, { dev: dev.name, stage: 'arp', detail: `ARP who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}: answered ${dev.mac}`, minor: true });
    const reply: L2Frame = {
      eth: { dst: a.sha, src: dev.mac, ethertype: ETH_P_ARP },
      kind: 'arp',
      arp: { op: ARPOP_REPLY, sha: dev.mac, spa: a.tpa, tha: a.sha, tpa: a.spa },
      leg: frame.leg,
      hops: 0,
    };
    devQueueXmit(dev, reply);
    return;
  }
  const n = ns.neigh.get(dev.name, a.spa);
  if (!n || n.state === 'PERMANENT' || n.state === 'NOARP') return;
  ns.neigh.set(dev.name, a.spa, a.sha, 'REACHABLE', now);
  report(ns, frame.leg, { dev: dev.name, stage: 'arp', detail: `ARP reply: ${formatIpv4(a.spa)} is-at ${a.sha}, neigh REACHABLE`, minor: true });
  flush(n);
}

function flush(n: Neighbour): void {
  const mac = n.lladdr;
  if (!mac) return;
  for (const q of n.queue.splice(0)) q.send(mac);
}
