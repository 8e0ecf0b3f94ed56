import type { MacAddr } from '../../wire/headers.js';
import { ARPOP_REPLY, ARPOP_REQUEST, ETH_P_ARP, ETH_P_IP } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Skb } from '../../packet/skb.js';
import type { PktType } from '../../packet/skb.js';
import type { NetDevice } from '../link/device.js';
import type { L2Frame } from '../link/l2-frame.js';
import { devQueueXmit } from '../link/xmit.js';
import { ipRouteInput, mayRouteLocal } from '../route/route-input.js';
import { fate, report } from '../report.js';
import { arpIgnore } from './arp-ignore.js';
import { neighParms } from './neigh-parms.js';
import { NUD_VALID, neighCatchUp } from './neigh-table.js';
import { neighEventSend, neighUpdate } from './neigh-state.js';

const BROADCAST: MacAddr = 'ff:ff:ff:ff:ff:ff';

/** Sends an IPv4 skb to `mac` out of `dev`. */
function xmitIp(dev: NetDevice, skb: Skb, mac: MacAddr): void {
  const frame: L2Frame = { eth: { dst: mac, src: dev.mac, ethertype: ETH_P_IP }, kind: 'ipv4', skb };
  devQueueXmit(dev, frame);
}

/**
 * Linux: ip_finish_output2() -> neigh_output(): a resolved neighbour gets the frame at once; otherwise the
 * state machine (neigh-state.ts) decides: a STALE entry is used and moves to DELAY, an unresolved one queues
 * the skb in its arp_queue while ARP asks with the device's parameters (mcast_solicit, retrans_time_ms...),
 * and on failure every queued packet draws ICMP host unreachable (ipv4_link_failure()).
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
  const known = ns.neigh.get(dev.name, nexthop);
  const n = known ?? ns.neigh.create(dev.name, nexthop, now, neighParms(ns, dev.name).baseReachableMs);
  neighCatchUp(n, now);
  const before = n.state;
  const usable = n.lladdr !== null && NUD_VALID.has(n.state);
  const r = neighEventSend(dev, n, skb, send);
  if (r !== 'send' || n.lladdr === null) return;
  if (usable) report(ns, skb.leg, { dev: dev.name, stage: 'neigh', detail: `neigh ${formatIpv4(nexthop)} lladdr ${n.lladdr} ${before}`, minor: true });
  send(n.lladdr);
}

/**
 * Linux: arp_process(). A request for a local address (routed as an IP packet from the asker, so rp_filter
 * and martian checks apply) is answered unless arp_ignore says otherwise, and the asker is learned (STALE);
 * any other ARP message updates an entry that exists: a reply addressed to us confirms it (REACHABLE), a
 * broadcast reply or a request makes it STALE. Within locktime of its last change an entry keeps its address.
 */
export function arpRcv(dev: NetDevice, frame: L2Frame & { kind: 'arp' }, pktType: PktType): void {
  const ns = dev.netns;
  const a = frame.arp;
  if (pktType === 'otherhost') return;
  if (a.op === ARPOP_REQUEST) {
    const req = { src: a.spa, dst: a.tpa, iif: dev.name, mark: 0, tos: 0 };
    // arp_process() reads only a local answer (proxy ARP is not modelled), and the reason a target we own is not
    // answered: any other target (every host but one a flood reaches) needs no more than the FIB lookup.
    const r = mayRouteLocal(ns, req) || ns.ownsAddr(a.tpa) !== undefined ? ipRouteInput(ns, req) : null;
    if (r !== null && r.kind === 'local' && !r.broadcast) {
      answerRequest(dev, frame);
      return;
    }
    if (r !== null && ns.ownsAddr(a.tpa)) {
      report(ns, frame.leg, {
        dev: dev.name,
        stage: 'arp',
        detail: `ARP who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}: not answered (${r.kind === 'martian' ? r.detail : 'the asker does not route here'})`,
      });
    }
  }
  const n = ns.neigh.get(dev.name, a.spa);
  if (!n) return;
  const now = ns.env.timers.now();
  neighCatchUp(n, now);
  const override = now > n.updated + neighParms(ns, dev.name).locktimeMs;
  const state = a.op === ARPOP_REPLY && pktType === 'host' ? 'REACHABLE' : 'STALE';
  const valid = n.lladdr !== null && NUD_VALID.has(n.state);
  if (n.state === 'PERMANENT' || n.state === 'NOARP') return;
  if (valid && n.lladdr !== a.sha && !override) {
    report(ns, frame.leg, { dev: dev.name, stage: 'arp', detail: `ARP ${formatIpv4(a.spa)} is-at ${a.sha} ignored: the entry changed less than locktime ago and keeps ${n.lladdr}` });
    return;
  }
  if (a.op === ARPOP_REPLY) {
    // Reported before the update, which sends what waited for the answer.
    const next = valid && n.lladdr === a.sha && state === 'STALE' ? n.state : state;
    report(ns, frame.leg, { dev: dev.name, stage: 'arp', detail: `ARP reply: ${formatIpv4(a.spa)} is-at ${a.sha}, neigh ${next}`, minor: true });
  }
  neighUpdate(dev, n, a.sha, state, override);
}

/** The local branch of arp_process(): arp_ignore, then neigh_event_ns() (the asker, STALE) and the reply. */
function answerRequest(dev: NetDevice, frame: L2Frame & { kind: 'arp' }): void {
  const ns = dev.netns;
  const a = frame.arp;
  const ignored = arpIgnore(dev, a.spa, a.tpa);
  if (ignored.ignore) {
    report(ns, frame.leg, { dev: dev.name, stage: 'arp', detail: `ARP who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}: not answered (${ignored.why})` });
    return;
  }
  const now = ns.env.timers.now();
  const n = ns.neigh.get(dev.name, a.spa) ?? ns.neigh.create(dev.name, a.spa, now, neighParms(ns, dev.name).baseReachableMs);
  neighUpdate(dev, n, a.sha, 'STALE', true);
  report(ns, frame.leg, { dev: dev.name, stage: 'arp', detail: `ARP who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}: answered ${dev.mac}`, minor: true });
  const reply: L2Frame = {
    eth: { dst: a.sha, src: dev.mac, ethertype: ETH_P_ARP },
    kind: 'arp',
    arp: { op: ARPOP_REPLY, sha: dev.mac, spa: a.tpa, tha: a.sha, tpa: a.spa },
    leg: frame.leg,
    hops: 0,
  };
  devQueueXmit(dev, reply);
}
