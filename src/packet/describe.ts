import type { ArpPacket, TcpFlags } from '../wire/headers.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { IpPacket } from './frame.js';
import type { PacketEnds, PacketLine, Skb } from './skb.js';

/** Endpoints "addr:port" (tcp/udp/sctp) or "addr" (icmp). */
export function endpoints(p: IpPacket): { src: string; dst: string } {
  const s = formatIpv4(p.ip.src);
  const d = formatIpv4(p.ip.dst);
  switch (p.l4.proto) {
    case 'tcp':
      return { src: `${s}:${p.l4.tcp.sport}`, dst: `${d}:${p.l4.tcp.dport}` };
    case 'udp':
      return { src: `${s}:${p.l4.udp.sport}`, dst: `${d}:${p.l4.udp.dport}` };
    case 'sctp':
      return { src: `${s}:${p.l4.sctp.sport}`, dst: `${d}:${p.l4.sctp.dport}` };
    default:
      return { src: s, dst: d };
  }
}

/**
 * endpoints(skb.packet), kept on the skb (Skb.ends) for the next hop that prints the same addresses and ports (a
 * conntrack hop, then NAT's "before", of one packet; the same endpoints after a copy or a decapsulation): reused
 * when the values printed are the same, whatever the packet object. Shared: the caller must not write it.
 */
export function skbEndpoints(skb: Skb): { src: string; dst: string } {
  const p = skb.packet;
  const l4 = p.l4;
  let sport = -1;
  let dport = -1;
  if (l4.proto === 'udp') {
    sport = l4.udp.sport;
    dport = l4.udp.dport;
  } else if (l4.proto === 'tcp') {
    sport = l4.tcp.sport;
    dport = l4.tcp.dport;
  } else if (l4.proto === 'sctp') {
    sport = l4.sctp.sport;
    dport = l4.sctp.dport;
  }
  const src = p.ip.src;
  const dst = p.ip.dst;
  const m = skb.ends;
  if (m !== null && m.src === src && m.dst === dst && m.sport === sport && m.dport === dport) return m.ends;
  const srcText = addrText(skb, src);
  const dstText = addrText(skb, dst);
  const ends = sport < 0 ? { src: srcText, dst: dstText } : { src: `${srcText}:${sport}`, dst: `${dstText}:${dport}` };
  skb.ends = { src, dst, sport, dport, srcText, dstText, ends } satisfies PacketEnds;
  return ends;
}

/** formatIpv4(addr), taken from the skb's last line or endpoints when one of them printed that address. */
function addrText(skb: Skb, addr: number): string {
  const m = skb.ends;
  if (m !== null) {
    if (m.src === addr) return m.srcText;
    if (m.dst === addr) return m.dstText;
  }
  const l = skb.line;
  if (l !== null) {
    if (l.src === addr) return l.srcText;
    if (l.dst === addr) return l.dstText;
  }
  return formatIpv4(addr);
}

/**
 * describePacket(skb.packet), kept on the skb for the next hop that prints the same packet (a veth's xmit and the
 * peer's rcv, a bridge's ports): reused only when the packet object and every field the line prints are the same
 * (UDP: ports, length, VXLAN header; TCP: ports, flags, seq, ack, window, length). Other protocols print each time.
 */
export function describeSkb(skb: Skb): string {
  const p = skb.packet;
  const l4 = p.l4;
  let a: number, b: number, c = 0, d = 0, e = 0;
  if (l4.proto === 'udp') {
    a = l4.udp.sport;
    b = l4.udp.dport;
    c = l4.vxlan ? l4.vxlan.header.vni : -1;
  } else if (l4.proto === 'tcp') {
    const t = l4.tcp;
    a = t.sport;
    b = t.dport;
    c = t.seq;
    d = t.flags.ack ? t.ack : -1;
    e = t.window * 256 + tcpFlagBits(t.flags);
  } else {
    return describePacket(p);
  }
  const m = skb.line;
  if (m !== null && m.packet === p && m.l4 === l4 && m.src === p.ip.src && m.dst === p.ip.dst && m.len === p.payloadLength && m.a === a && m.b === b && m.c === c && m.d === d && m.e === e) {
    return m.text;
  }
  const srcText = addrText(skb, p.ip.src);
  const dstText = addrText(skb, p.ip.dst);
  const text = describeWith(p, srcText, dstText);
  skb.line = { packet: p, src: p.ip.src, dst: p.ip.dst, len: p.payloadLength, l4, a, b, c, d, e, text, srcText, dstText } satisfies PacketLine;
  return text;
}

function tcpFlagBits(f: TcpFlags): number {
  return (f.syn ? 1 : 0) | (f.fin ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.urg ? 16 : 0) | (f.ece ? 32 : 0) | (f.cwr ? 64 : 0) | (f.ack ? 128 : 0);
}

/** tcpdump's flag letters: S, F, R, P, ., U, E, W. */
export function tcpFlagString(f: TcpFlags): string {
  let s = '';
  if (f.syn) s += 'S';
  if (f.fin) s += 'F';
  if (f.rst) s += 'R';
  if (f.psh) s += 'P';
  if (f.urg) s += 'U';
  if (f.ece) s += 'E';
  if (f.cwr) s += 'W';
  if (f.ack) s += '.';
  return s || 'none';
}

const UNREACH_TEXT: Record<number, string> = {
  0: 'net unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  4: 'need to frag',
  9: 'net prohibited',
  10: 'host prohibited',
  13: 'administratively prohibited filter',
};

/** The ICMP part of a tcpdump line. */
function describeIcmp(p: IpPacket): string {
  if (p.l4.proto !== 'icmp') return '';
  const { type, code, rest } = p.l4.icmp;
  const q = p.l4.quoted;
  switch (type) {
    case 8:
      return `ICMP echo request, id ${rest >>> 16}, seq ${rest & 0xffff}, length ${8 + p.payloadLength}`;
    case 0:
      return `ICMP echo reply, id ${rest >>> 16}, seq ${rest & 0xffff}, length ${8 + p.payloadLength}`;
    case 11:
      return 'ICMP time exceeded in-transit';
    case 3: {
      const dst = q ? formatIpv4(q.ip.dst) : '?';
      if (code === 3 && q && (q.l4.proto === 'tcp' || q.l4.proto === 'udp')) {
        const port = q.l4.proto === 'tcp' ? q.l4.tcp.dport : q.l4.udp.dport;
        return `ICMP ${dst} ${q.l4.proto} port ${port} unreachable`;
      }
      if (code === 4) return `ICMP ${dst} unreachable - need to frag (mtu ${rest & 0xffff})`;
      return `ICMP ${dst} ${UNREACH_TEXT[code] ?? `unreachable code ${code}`}`;
    }
    default:
      return `ICMP type ${type} code ${code}`;
  }
}

/** One line as `tcpdump -n` prints an IPv4 packet. */
export function describePacket(p: IpPacket): string {
  return describeWith(p, formatIpv4(p.ip.src), formatIpv4(p.ip.dst));
}

/** describePacket() given its two addresses printed (`s` and `d`). */
function describeWith(p: IpPacket, s: string, d: string): string {
  switch (p.l4.proto) {
    case 'tcp': {
      const t = p.l4.tcp;
      const ack = t.flags.ack ? `, ack ${t.ack}` : '';
      return `IP ${s}.${t.sport} > ${d}.${t.dport}: Flags [${tcpFlagString(t.flags)}], seq ${t.seq}${ack}, win ${t.window}, length ${p.payloadLength}`;
    }
    case 'udp': {
      const u = p.l4.udp;
      // tcpdump decodes 4789 as VXLAN and Linux's 8472 as OTV, whose "instance" is the VNI (print-otv.c).
      if (p.l4.vxlan && u.dport === 8472) return `IP ${s}.${u.sport} > ${d}.${u.dport}: OTV, flags [I] (0x08), overlay 0, instance ${p.l4.vxlan.header.vni}`;
      if (p.l4.vxlan) return `IP ${s}.${u.sport} > ${d}.${u.dport}: VXLAN, flags [I] (0x08), vni ${p.l4.vxlan.header.vni}`;
      return `IP ${s}.${u.sport} > ${d}.${u.dport}: UDP, length ${p.payloadLength}`;
    }
    case 'icmp':
      return `IP ${s} > ${d}: ${describeIcmp(p)}`;
    case 'sctp': {
      // print-sctp.c: "sctp (N)" chunks, each "[TYPE]".
      const c = p.l4.sctp;
      return `IP ${s}.${c.sport} > ${d}.${c.dport}: sctp (1) [${SCTP_CHUNK_NAMES[c.chunk] ?? `chunk ${c.chunk}`}]`;
    }
    default:
      return `IP ${s} > ${d}: ip-proto-${p.l4.number}`;
  }
}

/** print-sctp.c's names of the chunk types. */
const SCTP_CHUNK_NAMES: Readonly<Record<number, string>> = { 0: 'DATA', 1: 'INIT', 2: 'INIT ACK', 3: 'SACK', 4: 'HB REQ', 5: 'HB ACK', 6: 'ABORT', 7: 'SHUTDOWN', 8: 'SHUTDOWN ACK', 9: 'OP ERR', 10: 'COOKIE ECHO', 11: 'COOKIE ACK', 14: 'SHUTDOWN COMPLETE' };

/** The `tcpdump -v` header part: "(tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 40)". */
export function describeIpHeader(p: IpPacket, length: number): string {
  const proto = p.l4.proto === 'tcp' ? 'TCP (6)' : p.l4.proto === 'udp' ? 'UDP (17)' : p.l4.proto === 'icmp' ? 'ICMP (1)' : p.l4.proto === 'sctp' ? 'SCTP (132)' : `${p.ip.protocol}`;
  const flags = p.ip.df ? 'DF' : p.ip.mf ? '+' : 'none';
  return `(tos 0x${p.ip.tos.toString(16)}, ttl ${p.ip.ttl}, id ${p.ip.id}, offset ${p.ip.fragOffset}, flags [${flags}], proto ${proto}, length ${length})`;
}

/** `tcpdump -n` for ARP. */
export function describeArp(a: ArpPacket): string {
  if (a.op === 1) return `ARP, Request who-has ${formatIpv4(a.tpa)} tell ${formatIpv4(a.spa)}, length 28`;
  return `ARP, Reply ${formatIpv4(a.spa)} is-at ${a.sha}, length 28`;
}
