import type { MacAddr } from '../../wire/headers.js';
import { ARPOP_REQUEST, ETH_P_ARP } from '../../wire/headers.js';
import { formatIpv4, prefixMask } from '../../wire/ipv4-addr.js';
import type { Skb } from '../../packet/skb.js';
import type { NetDevice } from '../link/device.js';
import { RT_SCOPE_LINK } from '../link/device.js';
import type { L2Frame } from '../link/l2-frame.js';
import { devQueueXmit } from '../link/xmit.js';
import { inetSelectAddr } from '../route/source-select.js';
import { report } from '../report.js';
import type { NeighParms } from './neigh-parms.js';
import type { Neighbour } from './neigh-table.js';

const BROADCAST: MacAddr = 'ff:ff:ff:ff:ff:ff';

/**
 * Linux: arp_solicit(), called with the probe count before it is incremented. The first ucast_solicit counts
 * are unicast probes to the known address (PROBE starts at 0; INCOMPLETE starts past them); the next
 * app_solicit go to a user-space daemon over netlink (neigh_app_ns(): nothing on the wire); the rest are
 * broadcast requests. The sender address follows arp_announce (arpSolicitSource()).
 */
export function arpSolicit(dev: NetDevice, n: Neighbour, skb: Skb | null, p: NeighParms): void {
  const ns = dev.netns;
  let probes = n.probes - p.ucastSolicit;
  let dst = BROADCAST;
  if (probes < 0) {
    if (n.lladdr !== null) dst = n.lladdr;
  } else {
    probes -= p.appSolicit;
    if (probes < 0) {
      report(ns, n.leg, {
        dev: dev.name,
        stage: 'neigh',
        detail: `neigh ${formatIpv4(n.addr)} probe ${n.probes - p.ucastSolicit + 1} of ${p.appSolicit} to arpd (app_solicit): a netlink request to user space, nothing on the wire`,
      });
      return;
    }
  }
  const spa = arpSolicitSource(dev, n.addr, skb);
  // Each probe shows in the trace with its time; the first broadcast is the "ARP who-has" of the queuing hop.
  const unicast = dst !== BROADCAST;
  const number = unicast ? n.probes + 1 : n.probes - p.ucastSolicit - p.appSolicit + 1;
  const of = unicast ? p.ucastSolicit : p.mcastSolicit;
  report(ns, n.leg, {
    dev: dev.name,
    stage: 'neigh',
    detail: `neigh ${formatIpv4(n.addr)} probe ${number} of ${of}: ARP who-has ${formatIpv4(n.addr)} tell ${formatIpv4(spa)}, ${unicast ? `unicast to ${dst} (ucast_solicit)` : 'broadcast (mcast_solicit)'}`,
    minor: unicast || (number === 1 && p.appSolicit === 0),
  });
  const frame: L2Frame = {
    eth: { dst, src: dev.mac, ethertype: ETH_P_ARP },
    kind: 'arp',
    arp: { op: ARPOP_REQUEST, sha: dev.mac, spa, tha: '00:00:00:00:00:00', tpa: n.addr },
    leg: skb?.leg ?? n.leg,
    hops: 0,
  };
  devQueueXmit(dev, frame);
}

/**
 * Linux: arp_solicit()'s sender address, by arp_announce (the larger of all and the device): 0 the queued
 * packet's own source when it is local; 1 that source only when it shares a subnet of the device with the
 * target (inet_addr_onlink()); 2 never. Otherwise inet_select_addr(dev, target, RT_SCOPE_LINK).
 */
function arpSolicitSource(dev: NetDevice, target: number, skb: Skb | null): number {
  const ns = dev.netns;
  const announce = Math.max(ns.sysctls.conf('all', 'arp_announce'), ns.sysctls.conf(dev.name, 'arp_announce'));
  const saddr = skb?.packet.ip.src;
  if (saddr !== undefined && ns.ownsAddr(saddr) !== undefined) {
    if (announce === 0) return saddr;
    if (announce === 1 && dev.addrs.some((a) => sameSubnet(a.addr, target, a.len) && sameSubnet(a.addr, saddr, a.len))) return saddr;
  }
  return inetSelectAddr(ns, dev.name, target, RT_SCOPE_LINK);
}

function sameSubnet(a: number, b: number, len: number): boolean {
  const mask = prefixMask(len);
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}
