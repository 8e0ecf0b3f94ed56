import type { Skb } from '../../packet/skb.js';
import type { IpPacket } from '../../packet/frame.js';
import type { TcpFlags, TcpHeader } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Netns } from '../netns/netns.js';
import { nfHook } from '../netfilter/hooks.js';
import { fate, report } from '../report.js';
import { icmpSend, icmpTypeName } from './icmp.js';
import { ipSend } from './send.js';
import { applyNfVerdict } from './nf-verdict.js';
import { VxlanDevice } from '../link/vxlan-device.js';
import { vxlanRcv } from '../link/vxlan.js';
import { sctpRcv } from './sctp-rcv.js';

/**
 * The kernel UDP socket a vxlan device opened on its dstport (bound to `local` when set): the device of the
 * packet's VNI among those bound, else the first bound (in device order).
 */
function vxlanSocket(ns: Netns, dst: number, port: number, vni: number): VxlanDevice | undefined {
  let first: VxlanDevice | undefined;
  for (const d of ns.devices.values()) {
    if (!(d instanceof VxlanDevice) || !d.up || d.cfg.dstport !== port || (d.cfg.local !== undefined && d.cfg.local !== dst)) continue;
    if (d.cfg.id === vni) return d;
    first ??= d;
  }
  return first;
}

const NO_FLAGS: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false };

export function tcpHeader(sport: number, dport: number, seq: number, ack: number, flags: Partial<TcpFlags>): TcpHeader {
  return { sport, dport, seq: seq >>> 0, ack: ack >>> 0, flags: { ...NO_FLAGS, ...flags }, window: 64240, checksum: 0, urgent: 0 };
}

/** Linux: ip_local_deliver(): the INPUT hook, then the transport protocol. */
export function ipLocalDeliver(ns: Netns, skb: Skb, iif: string): void {
  const v = nfHook(ns, skb, { hook: 'INPUT', family: 'ipv4', in: iif, out: null });
  if (!applyNfVerdict(ns, skb, v, 'INPUT', iif)) return;
  const p = skb.packet;
  switch (p.l4.proto) {
    case 'tcp':
      return tcpRcv(ns, skb, p, p.l4.tcp);
    case 'udp':
      return udpRcv(ns, skb, p);
    case 'icmp':
      return icmpRcv(ns, skb, p);
    case 'sctp':
      if (sctpRcv(ns, skb, p, p.l4.sctp)) return;
      return protoUnreachable(ns, skb, p);
    default:
      return protoUnreachable(ns, skb, p);
  }
}

function protoUnreachable(ns: Netns, skb: Skb, p: IpPacket): void {
  {
      // ip_protocol_deliver_rcu(): no inet_protos[] handler. SCTP lands here in a namespace without an SCTP
      // stack (no `listen: sctp/PORT`; the machines it is checked on have no sctp module): protocol unreachable.
      fate(ns, skb.leg, 'REFUSED', 'NO_SOCKET', `no handler for IP protocol ${p.ip.protocol}`);
      icmpSend(ns, skb, 3, 2, 0);
  }
}

function at(addr: number, port: number): string {
  return `${formatIpv4(addr)}:${port}`;
}

/** Linux: tcp_v4_rcv(): a connected socket, else a listener (a SYN opens), else a reset (tcp_v4_send_reset()). */
function tcpRcv(ns: Netns, skb: Skb, p: IpPacket, t: TcpHeader): void {
  const { src, dst } = p.ip;
  const client = ns.sockets.client('tcp', dst, t.dport, src, t.sport);
  if (client) {
    const what = t.flags.rst ? 'RST: connection refused (ECONNREFUSED)' : t.flags.syn && t.flags.ack ? 'SYN-ACK: connection established' : 'segment';
    // tcp_rcv_synsent_state_process(): the SYN-ACK sets rcv_nxt; snd_nxt is what it acknowledges.
    if (t.flags.syn && t.flags.ack && !t.flags.rst) client.tcp = { sndNxt: t.ack, rcvNxt: (t.seq + 1) >>> 0 };
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `${what} at ${at(dst, t.dport)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, t.dport), peerSeen: at(src, t.sport) });
    return;
  }
  const listener = ns.sockets.listener('tcp', dst, t.dport);
  const req = listener ? ns.sockets.request(dst, t.dport, src, t.sport) : undefined;
  // tcp_check_req(): the ACK of our SYN-ACK completes the handshake; the listener accepts the connection.
  if (req && !t.flags.syn && !t.flags.rst && t.flags.ack && (req.state === 'ESTABLISHED' || t.ack === ((req.iss + 1) >>> 0))) {
    const what = req.state === 'SYN_RECV' ? 'ACK completes the handshake: the listener accepts the connection' : 'segment reaches the established connection';
    req.state = 'ESTABLISHED';
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `${what} on ${at(dst, t.dport)}; peer ${at(src, t.sport)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, t.dport), peerSeen: at(src, t.sport) });
    return;
  }
  if (listener && t.flags.syn && !t.flags.ack) {
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `SYN reaches the listener on ${at(listener.addr, listener.port)}; peer ${at(src, t.sport)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, t.dport), peerSeen: at(src, t.sport) });
    const leg = ns.env.sink.answer(skb.leg, 'syn-ack');
    const isn = Math.floor(ns.env.random() * 0xffffffff);
    if (req) Object.assign(req, { iss: isn, state: 'SYN_RECV' });
    else ns.sockets.requests.push({ local: dst, localPort: t.dport, remote: src, remotePort: t.sport, iss: isn, state: 'SYN_RECV' });
    ipSend(ns, leg, { src: dst, dst: src, l4: { proto: 'tcp', tcp: tcpHeader(t.dport, t.sport, isn, t.seq + 1, { syn: true, ack: true }) }, payloadLength: 0 });
    return;
  }
  if (t.flags.rst) {
    fate(ns, skb.leg, 'DROPPED', 'NO_SOCKET', 'RST for no socket: ignored');
    return;
  }
  report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `nothing listens on tcp ${at(dst, t.dport)}: reset` });
  fate(ns, skb.leg, 'REFUSED', 'NO_SOCKET', `no socket on tcp port ${t.dport}: RST sent`);
  const leg = ns.env.sink.answer(skb.leg, 'rst');
  const rst = t.flags.ack
    ? tcpHeader(t.dport, t.sport, t.ack, 0, { rst: true })
    : tcpHeader(t.dport, t.sport, 0, t.seq + (t.flags.syn ? 1 : 0) + (t.flags.fin ? 1 : 0) + p.payloadLength, { rst: true, ack: true });
  ipSend(ns, leg, { src: dst, dst: src, l4: { proto: 'tcp', tcp: rst }, payloadLength: 0 });
}

/** Linux: __udp4_lib_rcv(): a socket gets it (ours answer), else ICMP port unreachable. */
function udpRcv(ns: Netns, skb: Skb, p: IpPacket): void {
  if (p.l4.proto !== 'udp') return;
  const u = p.l4.udp;
  const { src, dst } = p.ip;
  const vx = p.l4.vxlan ? vxlanSocket(ns, dst, u.dport, p.l4.vxlan.header.vni) : undefined;
  if (vx) return vxlanRcv(vx, skb);
  const client = ns.sockets.client('udp', dst, u.dport, src, u.sport);
  if (client) {
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `UDP answer reaches the client at ${at(dst, u.dport)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, u.dport), peerSeen: at(src, u.sport) });
    return;
  }
  const listener = ns.sockets.listener('udp', dst, u.dport);
  if (listener) {
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `datagram reaches the socket on ${at(listener.addr, listener.port)}; peer ${at(src, u.sport)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, u.dport), peerSeen: at(src, u.sport) });
    const leg = ns.env.sink.answer(skb.leg, 'udp-answer');
    // A socket bound to 0.0.0.0 answers with sendto(): routing picks the source, as for any unbound send.
    ipSend(ns, leg, {
      src: listener.addr,
      dst: src,
      l4: { proto: 'udp', udp: { sport: u.dport, dport: u.sport, length: 8 + p.payloadLength, checksum: 0 } },
      payloadLength: p.payloadLength,
    });
    return;
  }
  report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `nothing listens on udp ${at(dst, u.dport)}: port unreachable` });
  fate(ns, skb.leg, 'REFUSED', 'NO_SOCKET', `no socket on udp port ${u.dport}: ICMP port unreachable sent`);
  icmpSend(ns, skb, 3, 3, 0);
}

/** Linux: icmp_rcv(): echo is answered by the kernel; errors go to the socket of the packet they quote. */
function icmpRcv(ns: Netns, skb: Skb, p: IpPacket): void {
  if (p.l4.proto !== 'icmp') return;
  const { type, code, rest } = p.l4.icmp;
  const { src, dst } = p.ip;
  if (type === 8) {
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `echo request answered by ${formatIpv4(dst)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: formatIpv4(dst), peerSeen: formatIpv4(src) });
    const leg = ns.env.sink.answer(skb.leg, 'echo-reply');
    ipSend(ns, leg, { src: dst, dst: src, l4: { proto: 'icmp', icmp: { type: 0, code: 0, checksum: 0, rest } }, payloadLength: p.payloadLength, pmtudisc: 'dont' });
    return;
  }
  if (type === 0) {
    const client = ns.sockets.client('icmp', dst, rest >>> 16, src, 0);
    if (client) {
      report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `echo reply from ${formatIpv4(src)} reaches ping` });
      ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: formatIpv4(dst), peerSeen: formatIpv4(src) });
    } else {
      fate(ns, skb.leg, 'DROPPED', 'NO_SOCKET', 'echo reply for no ping socket');
    }
    return;
  }
  const q = p.l4.quoted;
  if (!q) {
    fate(ns, skb.leg, 'DROPPED', 'NO_SOCKET', `ICMP type ${type} code ${code}: not handled`);
    return;
  }
  const qp = q.l4;
  const client =
    qp.proto === 'tcp'
      ? ns.sockets.client('tcp', q.ip.src, qp.tcp.sport, q.ip.dst, qp.tcp.dport)
      : qp.proto === 'udp'
        ? ns.sockets.client('udp', q.ip.src, qp.udp.sport, q.ip.dst, qp.udp.dport)
        : qp.proto === 'icmp'
          ? ns.sockets.client('icmp', q.ip.src, qp.icmp.rest >>> 16, q.ip.dst, 0)
          : qp.proto === 'sctp'
            ? ns.sockets.client('sctp', q.ip.src, qp.sctp.sport, q.ip.dst, qp.sctp.dport)
            : undefined;
  const name = icmpTypeName(type, code);
  if (!client) {
    fate(ns, skb.leg, 'DROPPED', 'NO_SOCKET', `ICMP ${name} for no socket here`);
    return;
  }
  report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `ICMP ${name} from ${formatIpv4(src)} reaches the sending socket` });
  ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: formatIpv4(dst), peerSeen: formatIpv4(src) });
  ns.env.sink.errorSeen(client.leg, {
    type: name,
    icmpType: type,
    code,
    from: formatIpv4(src),
    to: formatIpv4(dst),
    ...(type === 3 && code === 4 ? { mtu: rest & 0xffff } : {}),
  });
}
