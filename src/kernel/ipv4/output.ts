import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Skb } from '../../packet/skb.js';
import { ipPacketLength } from '../../packet/codec.js';
import type { Netns } from '../netns/netns.js';
import { nfHook } from '../netfilter/hooks.js';
import { neighOutput } from '../neigh/arp.js';
import { fate, report } from '../report.js';
import { ipRcv } from './input.js';
import { applyNfVerdict } from './nf-verdict.js';
import { ipRouteOutput } from '../route/route-output.js';
import { packetFlowPorts } from '../route/flow-ports.js';

/** Where an skb goes after routing: device, next hop, and the route's MTU if it sets one. */
export interface NextHop {
  dev: string;
  nexthop: number;
  local: boolean;
  broadcast: boolean;
  mtu: number | null;
}

/** Linux: __ip_local_out(): the OUTPUT hook, then dst_output(). */
export function ipLocalOut(ns: Netns, skb: Skb, nh: NextHop): void {
  const dst = skb.packet.ip.dst;
  const mark = skb.mark;
  const v = nfHook(ns, skb, { hook: 'OUTPUT', family: 'ipv4', in: null, out: nh.dev });
  if (!applyNfVerdict(ns, skb, v, 'OUTPUT', nh.dev)) return;
  if (skb.packet.ip.dst !== dst || skb.mark !== mark) {
    // ip_route_me_harder(): nat OUTPUT changed the destination (or mangle the mark): route again.
    const fp = packetFlowPorts(skb.packet, true);
    const rt = ipRouteOutput(ns, {
      dst: skb.packet.ip.dst, src: skb.packet.ip.src, mark: skb.mark, tos: skb.packet.ip.tos, freebind: true,
      proto: fp.proto, sport: fp.sport, dport: fp.dport,
    });
    if (!rt.ok) {
      // The hook's own verdict becomes NF_DROP_ERR(err) (nf_nat_ipv4_local_fn(), ipt_mangle_out()), so
      // nf_hook_slow() frees the packet as a netfilter drop; a TCP connect() just retransmits its SYN.
      fate(ns, skb.leg, 'DROPPED', 'NETFILTER_DROP', `rerouting after OUTPUT (ip_route_me_harder): no route to ${formatIpv4(skb.packet.ip.dst)} (${rt.error})`, { dev: nh.dev });
      return;
    }
    report(ns, skb.leg, { dev: rt.rt.dev, stage: 'output-route', detail: `rerouted after OUTPUT: ${ns.fib.routeText(rt.rt.route)}` });
    nh = { dev: rt.rt.dev, nexthop: rt.rt.nexthop, local: rt.rt.local, broadcast: rt.rt.broadcast, mtu: rt.rt.route.mtu };
  }
  ipOutput(ns, skb, nh);
}

/** Linux: ip_output(): the POSTROUTING hook, then ip_finish_output(). */
export function ipOutput(ns: Netns, skb: Skb, nh: NextHop): void {
  const v = nfHook(ns, skb, { hook: 'POSTROUTING', family: 'ipv4', in: skb.iif, out: nh.dev, nexthop: nh.nexthop });
  if (!applyNfVerdict(ns, skb, v, 'POSTROUTING', nh.dev)) return;
  ipFinishOutput(ns, skb, nh);
}

/**
 * Linux: ip_finish_output() / ip_finish_output2(). Local packets loop back through lo; others are checked
 * against the MTU and handed to the neighbour layer. A locally generated packet larger than the MTU with
 * DF set fails in the sender (EMSGSIZE); without DF it is fragmented (shown, not split).
 */
export function ipFinishOutput(ns: Netns, skb: Skb, nh: NextHop): void {
  const dev = ns.device(nh.dev);
  if (!dev) {
    fate(ns, skb.leg, 'DROPPED', 'IP_OUTNOROUTES', `no device ${nh.dev}`);
    return;
  }
  if (nh.local || dev.kind === 'loopback') {
    report(ns, skb.leg, { dev: 'lo', stage: 'xmit', detail: 'loopback: back into this namespace\'s stack', minor: true });
    skb.dstLocal = nh.local;
    skb.iif = 'lo';
    ns.env.timers.after(0, () => ipRcv(dev, skb));
    return;
  }
  const mtu = nh.mtu ?? dev.mtu;
  const len = ipPacketLength(skb.packet);
  if (len > mtu) {
    if (skb.pmtudisc === 'do') {
      fate(ns, skb.leg, 'DROPPED', 'PKT_TOO_BIG', `message too long: ${len} bytes, ${nh.dev} mtu ${mtu}, socket in IP_PMTUDISC_DO (EMSGSIZE)`, { dev: nh.dev });
      return;
    }
    if (skb.pmtudisc === 'want') skb.packet.ip.df = false; // ip_fragment(): the fragments go without DF
    report(ns, skb.leg, { dev: nh.dev, stage: 'xmit', detail: `ip_fragment: ${len} bytes over mtu ${mtu}, sent in ${Math.ceil((len - 20) / ((mtu - 20) & ~7))} fragments` });
  }
  report(ns, skb.leg, { dev: nh.dev, stage: 'neigh', detail: `next hop ${formatIpv4(nh.nexthop)} dev ${nh.dev}`, minor: true });
  neighOutput(dev, nh.nexthop, skb, nh.broadcast);
}
