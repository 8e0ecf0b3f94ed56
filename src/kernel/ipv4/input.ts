import type { Skb } from '../../packet/skb.js';
import { describeSkb } from '../../packet/describe.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { NetDevice } from '../link/device.js';
import { nfHook } from '../netfilter/hooks.js';
import { ipRouteInput } from '../route/route-input.js';
import { packetFlowPorts } from '../route/flow-ports.js';
import { fate, report } from '../report.js';
import { icmpSend } from './icmp.js';
import { ipForward } from './forward.js';
import { ipLocalDeliver } from './local-deliver.js';
import { applyNfVerdict } from './nf-verdict.js';

/** Linux: ip_rcv() / ip_rcv_core(): not-for-us frames go, then PREROUTING, then ip_rcv_finish(). */
export function ipRcv(dev: NetDevice, skb: Skb): void {
  const ns = dev.netns;
  if (dev.kind !== 'loopback') {
    report(ns, skb.leg, { dev: dev.name, stage: 'rcv', detail: `received on ${dev.name}`, packet: describeSkb(skb) });
  }
  if (skb.pktType === 'otherhost') {
    fate(ns, skb.leg, 'DROPPED', 'OTHERHOST', `frame for another host's MAC, ignored by ${dev.name}`, { dev: dev.name, bystander: true });
    return;
  }
  // br_netfilter ran PREROUTING already for a frame that came through a bridge port.
  if (!skb.brNfDone) {
    const v = nfHook(ns, skb, { hook: 'PREROUTING', family: 'ipv4', in: dev.name, out: null });
    if (!applyNfVerdict(ns, skb, v, 'PREROUTING', dev.name)) return;
  }
  ipRcvFinish(dev, skb);
}

/** Linux: ip_rcv_finish() -> ip_route_input_noref(), then dst_input(). */
function ipRcvFinish(dev: NetDevice, skb: Skb): void {
  const ns = dev.netns;
  if (skb.dstLocal) return ipLocalDeliver(ns, skb, dev.name);
  const ip = skb.packet.ip;
  const fp = packetFlowPorts(skb.packet, false);
  const r = ipRouteInput(ns, { src: ip.src, dst: ip.dst, iif: dev.name, mark: skb.mark, tos: ip.tos, proto: fp.proto, sport: fp.sport, dport: fp.dport });
  switch (r.kind) {
    case 'local':
      report(ns, skb.leg, {
        dev: dev.name,
        stage: 'input-route',
        detail: `${r.broadcast ? 'broadcast' : 'local'} ${formatIpv4(ip.dst)}: deliver here`,
        facts: [ns.fib.routeText(r.route), ...r.facts],
        minor: true,
      });
      return ipLocalDeliver(ns, skb, dev.name);
    case 'forward':
      report(ns, skb.leg, {
        dev: dev.name,
        stage: 'input-route',
        detail: `forward: ${ns.fib.routeText(r.route)}`,
        facts: r.multipath ? [r.multipath, ...r.facts] : r.facts,
      });
      return ipForward(ns, skb, dev.name, r);
    case 'error': {
      const detail =
        r.icmpCode === null
          ? r.reason === 'BLACKHOLE_ROUTE'
            ? `blackhole route for ${formatIpv4(ip.dst)}: silently discarded`
            : `not forwarded: forwarding is off on ${dev.name} (ip_forward=0), dropped without ICMP`
          : `no route to ${formatIpv4(ip.dst)} (${r.error})`;
      report(ns, skb.leg, { dev: dev.name, stage: 'input-route', detail, facts: r.facts });
      const disposition = r.reason === 'IP_INNOROUTES' || r.reason === 'UNREACHABLE_ROUTE' ? 'NO_ROUTE' : 'DROPPED';
      fate(ns, skb.leg, disposition, r.reason, detail, { dev: dev.name });
      if (r.icmpCode !== null) icmpSend(ns, skb, 3, r.icmpCode, 0);
      return;
    }
    case 'martian':
      report(ns, skb.leg, { dev: dev.name, stage: 'input-route', detail: r.detail, facts: r.facts });
      fate(ns, skb.leg, 'DROPPED', r.reason, r.detail, { dev: dev.name });
      return;
  }
}
