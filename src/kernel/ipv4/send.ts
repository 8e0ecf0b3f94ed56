import type { IpPacket, L4 } from '../../packet/frame.js';
import { newSkb } from '../../packet/skb.js';
import { describePacket } from '../../packet/describe.js';
import { IPPROTO_ICMP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Netns } from '../netns/netns.js';
import { ipRouteOutput } from '../route/route-output.js';
import type { OutputResult } from '../route/route-output.js';
import { flowPortsOf } from '../route/flow-ports.js';
import { fate, report } from '../report.js';
import { ipLocalOut } from './output.js';

export interface IpSendRequest {
  src: number;
  dst: number;
  l4: L4;
  payloadLength: number;
  ttl?: number;
  /** IP_MTU_DISCOVER: default `want` (DF set, but an oversized packet is fragmented here). */
  pmtudisc?: 'do' | 'want' | 'dont';
  tos?: number;
  mark?: number;
  /** Route only through this device (SO_BINDTODEVICE, a tunnel's underlay `dev`). */
  oif?: string;
  /** The source need not be local (a RST sent on behalf of the destination). */
  freebind?: boolean;
  /** Device crossings already made (an encapsulated frame keeps its count). */
  hops?: number;
  /** The socket owner's uid (flowi4_uid), for uidrange rules; 0 when omitted. */
  uid?: number;
}

function protoNumber(l4: L4): number {
  return l4.proto === 'tcp' ? IPPROTO_TCP : l4.proto === 'udp' ? IPPROTO_UDP : l4.proto === 'icmp' ? IPPROTO_ICMP : l4.proto === 'sctp' ? IPPROTO_SCTP : l4.number;
}

/** Why a local send fails, in the errno the application sees (ip_route_output_key() errors). */
function outputFailure(ns: Netns, leg: number, dst: number, res: OutputResult & { ok: false }): void {
  const to = formatIpv4(dst);
  switch (res.error) {
    case 'ENETUNREACH':
      return fate(ns, leg, 'NO_ROUTE', 'IP_OUTNOROUTES', `no route to ${to}: connect() fails with ENETUNREACH (Network is unreachable)`);
    case 'EHOSTUNREACH':
      return fate(ns, leg, 'NO_ROUTE', 'UNREACHABLE_ROUTE', `unreachable route for ${to}: EHOSTUNREACH (No route to host)`);
    case 'EACCES':
      return fate(ns, leg, 'DROPPED', 'PROHIBIT_ROUTE', `prohibit route for ${to}: EACCES (Permission denied)`);
    case 'EINVAL':
      return fate(ns, leg, 'DROPPED', 'BLACKHOLE_ROUTE', `blackhole route for ${to}: EINVAL (Invalid argument)`);
    case 'EINVAL_SRC':
      // bind() refuses a foreign address unless ip_nonlocal_bind; then the route lookup refuses it on send.
      return ns.sysctls.get('net.ipv4.ip_nonlocal_bind') === 0
        ? fate(ns, leg, 'DROPPED', 'IP_INVALID_SOURCE', 'source address is not local: EADDRNOTAVAIL (Cannot assign requested address)')
        : fate(ns, leg, 'DROPPED', 'IP_INVALID_SOURCE', 'source address is not local: bound with ip_nonlocal_bind=1, the send fails with ENETUNREACH');
  }
}

/**
 * Linux: ip_queue_xmit() / ip_send_skb() for a packet this namespace originates: output route (the kernel's
 * source address selection when `src` is 0), then OUTPUT, POSTROUTING and the device. Returns the source
 * used, or null when routing failed (the fate is recorded).
 */
export function ipSend(ns: Netns, leg: number, req: IpSendRequest): number | null {
  ns.touch();
  // A TCP SYN or a UDP datagram from a socket (the probe's are connected) routes as ip_route_connect() does.
  const connect = (req.l4.proto === 'tcp' && req.l4.tcp.flags.syn && !req.l4.tcp.flags.ack) || (req.l4.proto === 'udp' && req.l4.vxlan === undefined);
  const fp = flowPortsOf(req.l4, protoNumber(req.l4), true);
  const rt = ipRouteOutput(ns, {
    dst: req.dst, src: req.src, mark: req.mark ?? 0, tos: req.tos ?? 0, oif: req.oif, freebind: req.freebind,
    proto: fp.proto, sport: fp.sport, dport: fp.dport, connect, uid: req.uid ?? 0,
  });
  if (!rt.ok) {
    // Both refusals of the source are -EINVAL in ip_route_output_key_hash_rcu() and __mkroute_output().
    const why = rt.error !== 'EINVAL_SRC' ? rt.error
      : req.src >>> 24 === 127 ? `EINVAL: loopback source ${formatIpv4(req.src)} may leave only by lo (route_localnet=0)`
        : `EINVAL: source ${formatIpv4(req.src)} is not a local address`;
    report(ns, leg, { dev: null, stage: 'output-route', detail: `route lookup for ${formatIpv4(req.dst)} failed: ${why}` });
    outputFailure(ns, leg, req.dst, rt);
    return null;
  }
  const src = rt.rt.src;
  const packet: IpPacket = {
    ip: {
      tos: req.tos ?? 0,
      totalLength: 0,
      id: ns.ipId++,
      df: (req.pmtudisc ?? 'want') !== 'dont',
      mf: false,
      fragOffset: 0,
      ttl: req.ttl ?? ns.sysctls.get('net.ipv4.ip_default_ttl'),
      protocol: protoNumber(req.l4),
      checksum: 0,
      src,
      dst: req.dst,
    },
    l4: req.l4,
    payloadLength: req.payloadLength,
  };
  report(ns, leg, {
    dev: rt.rt.dev,
    stage: 'output-route',
    detail: `${ns.fib.routeText(rt.rt.route)}${req.src === 0 ? ` (source ${formatIpv4(src)} chosen)` : ''}`,
    facts: [`rule ${rt.rt.rule.priority}: lookup ${rt.rt.rule.table}`, ...(rt.rt.multipath ? [rt.rt.multipath] : [])],
    packet: describePacket(packet),
  });
  const skb = newSkb(packet, leg, req.mark ?? 0);
  skb.hops = req.hops ?? 0;
  skb.pmtudisc = req.pmtudisc ?? 'want';
  ipLocalOut(ns, skb, { dev: rt.rt.dev, nexthop: rt.rt.nexthop, local: rt.rt.local, broadcast: rt.rt.broadcast, mtu: rt.rt.route.mtu });
  return src;
}
