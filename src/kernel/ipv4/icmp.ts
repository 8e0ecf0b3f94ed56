import type { Skb } from '../../packet/skb.js';
import { newSkb } from '../../packet/skb.js';
import type { IpPacket } from '../../packet/frame.js';
import { IPPROTO_ICMP } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { describePacket } from '../../packet/describe.js';
import type { Netns } from '../netns/netns.js';
import { ipRouteOutput } from '../route/route-output.js';
import { inetSelectAddr } from '../route/source-select.js';
import { RT_SCOPE_LINK } from '../link/device.js';
import { packetFlowPorts } from '../route/flow-ports.js';
import { report } from '../report.js';
import { ipLocalOut } from './output.js';
import type { SkbConntrack } from '../netfilter/hook-engine.js';

const ERROR_TYPES = new Set([3, 4, 5, 11, 12]);

export const ICMP_TYPE_NAMES: Record<string, string> = {
  '11/0': 'time-exceeded',
  '3/0': 'net-unreachable',
  '3/1': 'host-unreachable',
  '3/2': 'protocol-unreachable',
  '3/3': 'port-unreachable',
  '3/4': 'frag-needed',
  '3/9': 'net-prohibited',
  '3/10': 'host-prohibited',
  '3/13': 'admin-prohibited',
};

export function icmpTypeName(type: number, code: number): string {
  return ICMP_TYPE_NAMES[`${type}/${code}`] ?? `icmp-${type}-${code}`;
}

/**
 * Linux: __icmp_send(). Never about an ICMP error, a non-first fragment or a link-level broadcast. The
 * source is the offending packet's destination when that is ours; else, for a packet that came in
 * (rt_is_input_route()) with icmp_errors_use_inbound_ifaddr=1, inet_select_addr(inbound device, sender,
 * link); else what routing back to the sender picks. TOS gets IPTOS_PREC_INTERNETCONTROL; DF is clear.
 */
export function icmpSend(ns: Netns, skb: Skb, type: number, code: number, info: number): void {
  const orig = skb.packet;
  if (orig.l4.proto === 'icmp' && ERROR_TYPES.has(orig.l4.icmp.type)) return;
  if (orig.ip.fragOffset !== 0) return;
  if (skb.pktType === 'broadcast' || skb.pktType === 'multicast') return;
  const saddr = ns.ownsAddr(orig.ip.dst) ? orig.ip.dst : inboundSource(ns, skb);
  // icmp_route_lookup(): the flow is ICMP with the error's type and code.
  const rt = ipRouteOutput(ns, {
    dst: orig.ip.src, src: saddr, mark: 0, tos: 0, proto: 1, sport: 0, dport: (type << 8) | code,
    hashFlow: { src: orig.ip.src, dst: orig.ip.dst, ...packetFlowPorts(orig, false) },
  });
  if (!rt.ok) {
    report(ns, skb.leg, { dev: null, stage: 'icmp-send', detail: `no route back to ${formatIpv4(orig.ip.src)}: no ICMP sent` });
    return;
  }
  const packet: IpPacket = {
    ip: {
      tos: (orig.ip.tos & 0x1e) | 0xc0,
      totalLength: 0,
      id: ns.ipId++,
      df: false,
      mf: false,
      fragOffset: 0,
      ttl: ns.sysctls.get('net.ipv4.ip_default_ttl'),
      protocol: IPPROTO_ICMP,
      checksum: 0,
      src: rt.rt.src,
      dst: orig.ip.src,
    },
    l4: { proto: 'icmp', icmp: { type, code, checksum: 0, rest: info }, quoted: structuredClone(orig) },
    payloadLength: 0,
  };
  const leg = ns.env.sink.answer(skb.leg, 'icmp-error');
  const out = newSkb(packet, leg);
  out.pmtudisc = 'dont';
  // icmp_glue_bits(): nf_ct_attach() gives an error the offending packet's connection, RELATED in the other
  // direction (nf_conntrack_attach()), even while that entry is unconfirmed (a REJECT in FORWARD): so it
  // passes `--ctstate RELATED` rules and is un-NATed like any error about the connection.
  const ct = skb.ct as SkbConntrack | null;
  if (ct !== null && ct.netns === ns.name && ct.res !== null && ct.res.entry !== null) {
    out.ct = { res: { state: 'RELATED', entry: ct.res.entry, direction: ct.res.direction === 'ORIGINAL' ? 'REPLY' : 'ORIGINAL', created: false }, untracked: false, netns: ns.name } satisfies SkbConntrack;
  }
  report(ns, leg, { dev: rt.rt.dev, stage: 'icmp-send', detail: `send ICMP ${icmpTypeName(type, code)} to ${formatIpv4(orig.ip.src)}`, packet: describePacket(packet) });
  report(ns, skb.leg, { dev: null, stage: 'icmp-send', detail: `ICMP ${icmpTypeName(type, code)} sent back to ${formatIpv4(orig.ip.src)} from ${formatIpv4(rt.rt.src)}`, minor: true });
  ipLocalOut(ns, out, { dev: rt.rt.dev, nexthop: rt.rt.nexthop, local: rt.rt.local, broadcast: false, mtu: rt.rt.route.mtu });
}

/** The inbound device's address for the sender, when icmp_errors_use_inbound_ifaddr asks for it; else 0. */
function inboundSource(ns: Netns, skb: Skb): number {
  if (skb.iif === null || ns.sysctls.get('net.ipv4.icmp_errors_use_inbound_ifaddr') === 0) return 0;
  return inetSelectAddr(ns, skb.iif, skb.packet.ip.src, RT_SCOPE_LINK);
}
