import type { Skb } from '../../packet/skb.js';
import { ipPacketLength } from '../../packet/codec.js';
import type { Netns } from '../netns/netns.js';
import { nfHook } from '../netfilter/hooks.js';
import type { InputResult } from '../route/route-input.js';
import { fate, report } from '../report.js';
import { icmpSend } from './icmp.js';
import { ipOutput } from './output.js';
import { applyNfVerdict } from './nf-verdict.js';

/**
 * Linux: ip_forward(). TTL is checked and decremented only here, where a packet is routed through; a DF
 * packet over the next hop's MTU draws ICMP frag needed; then the FORWARD hook and ip_output().
 */
export function ipForward(ns: Netns, skb: Skb, iif: string, r: InputResult & { kind: 'forward' }): void {
  const ip = skb.packet.ip;
  if (skb.pktType !== 'host') {
    fate(ns, skb.leg, 'DROPPED', 'OTHERHOST', 'not addressed to this host at layer 2', { dev: iif, bystander: true });
    return;
  }
  if (ip.ttl <= 1) {
    report(ns, skb.leg, { dev: iif, stage: 'forward', detail: `ttl ${ip.ttl}: time exceeded in transit` });
    fate(ns, skb.leg, 'TTL_EXCEEDED', 'IP_INHDR', `ttl ${ip.ttl} would reach 0 here`, { dev: iif });
    icmpSend(ns, skb, 11, 0, 0);
    return;
  }
  const out = ns.device(r.dev);
  const mtu = r.route.mtu ?? out?.mtu ?? 1500;
  const len = ipPacketLength(skb.packet);
  if (len > mtu && ip.df) {
    report(ns, skb.leg, { dev: r.dev, stage: 'forward', detail: `${len} bytes with DF set over ${r.dev} mtu ${mtu}` });
    fate(ns, skb.leg, 'DROPPED', 'PKT_TOO_BIG', `needs fragmentation but DF is set (mtu ${mtu})`, { dev: r.dev });
    icmpSend(ns, skb, 3, 4, mtu);
    return;
  }
  ip.ttl -= 1;
  // TTL bounds routed hops; the emulator's hop budget only has to bound what lies between two of them.
  skb.hops = 0;
  report(ns, skb.leg, { dev: r.dev, stage: 'forward', detail: `forward ${iif} -> ${r.dev}, ttl ${ip.ttl + 1} -> ${ip.ttl}` });
  const v = nfHook(ns, skb, { hook: 'FORWARD', family: 'ipv4', in: iif, out: r.dev });
  if (!applyNfVerdict(ns, skb, v, 'FORWARD', r.dev)) return;
  ipOutput(ns, skb, { dev: r.dev, nexthop: r.nexthop, local: false, broadcast: false, mtu: r.route.mtu });
}
