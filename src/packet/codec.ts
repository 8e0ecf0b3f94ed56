// Frames and IP packets to bytes and back, built on the header codecs in wire/. The simulator moves the
// typed form; these run at the edges (pcapng, the kernel oracle) and in round-trip tests.
//
// Modelling rules, which parse(emit(x)) preserves:
// - Application payload is a byte count, emitted as zeros. A UDP packet carrying VXLAN and an ICMP error
//   carrying a quote have no payload of their own: `payloadLength` is 0 there (emit rejects anything else).
// - Lengths (IPv4 total length, UDP length) and all checksums (IPv4, TCP, UDP, ICMP) are computed on emit.
// - A non-first fragment (fragOffset > 0) carries no transport header: its l4 is `{proto: 'other'}`.
// - An ICMP error quotes the offending datagram up to 576 bytes in all, as Linux's __icmp_send() does
//   (room = min(route MTU, 576) - IP header - ICMP header; the route MTU is taken to be at least 576).
//   Quotes parse leniently: the quoted total length exceeds the bytes present, missing header fields are 0,
//   and the quoted checksums are not verified.

import {
  ARP_PLEN,
  ETH_HLEN,
  ETH_P_ARP,
  ETH_P_IP,
  ICMP_HLEN,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_SCTP,
  IPPROTO_UDP,
  IPV4_HLEN,
  SCTP_HLEN,
  TCP_HLEN,
  UDP_HLEN,
  VXLAN_HLEN,
  VXLAN_PORT_IANA,
  VXLAN_PORT_LINUX,
  type Ipv4Header,
} from '../wire/headers.js';
import { WireError, checkUint } from '../wire/errors.js';
import { transportChecksumValid } from '../wire/checksum.js';
import { emitEthernet, parseEthernet } from '../wire/ethernet.js';
import { emitArp, parseArp } from '../wire/arp.js';
import { emitIpv4Datagram, parseIpv4Datagram, parseIpv4Truncated } from '../wire/ipv4.js';
import { emitIcmp, icmpChecksumValid, isIcmpError, parseIcmp, parseIcmpTruncated } from '../wire/icmp.js';
import { emitTcp, parseTcp, parseTcpTruncated } from '../wire/tcp.js';
import { emitUdp, parseUdp, parseUdpTruncated, udpChecksumValid } from '../wire/udp.js';
import { emitSctp, parseSctp, parseSctpTruncated, sctpChecksumValid, sctpLength } from '../wire/sctp.js';
import { emitVxlan, looksLikeVxlan, parseVxlan } from '../wire/vxlan.js';
import type { Frame, IpPacket, L4 } from './frame.js';

/** Linux: __icmp_send() never builds an error longer than this. */
export const ICMP_ERROR_MAX_LENGTH = 576;
/** The most of the offending datagram an ICMP error quotes: 576 - 20 - 8. */
export const ICMP_QUOTE_MAX_LENGTH = ICMP_ERROR_MAX_LENGTH - IPV4_HLEN - ICMP_HLEN;

export interface FrameParseOptions {
  /**
   * Also verify TCP, UDP and ICMP checksums (the IPv4 header checksum is always verified). Off by default:
   * captures of locally generated traffic carry partial checksums left for offload (CHECKSUM_PARTIAL).
   * First fragments (MF set) are never verified, their checksum covering bytes not present.
   */
  verifyL4Checksums?: boolean;
  /** UDP destination ports decoded as VXLAN; by default 4789 (IANA) and 8472 (Linux's and flannel's). */
  vxlanPorts?: readonly number[];
}

interface ParseContext {
  verify: boolean;
  vxlanPorts: readonly number[];
  /** Inside an ICMP quote: bytes may end early, nothing is verified, missing fields are 0. */
  truncated: boolean;
}

const DEFAULT_VXLAN_PORTS: readonly number[] = [VXLAN_PORT_IANA, VXLAN_PORT_LINUX];

function contextOf(options: FrameParseOptions): ParseContext {
  return {
    verify: options.verifyL4Checksums ?? false,
    vxlanPorts: options.vxlanPorts ?? DEFAULT_VXLAN_PORTS,
    truncated: false,
  };
}

// ---- lengths, without encoding ----

/** The number of bytes an ICMP error quotes of `quoted`: all of it, up to 548 (Linux: __icmp_send()). */
export function icmpQuoteLength(quoted: IpPacket): number {
  return Math.min(ipPacketLength(quoted), ICMP_QUOTE_MAX_LENGTH);
}

/** The IPv4 total length `p` has on the wire, computed without encoding it: 20 + transport header + payload. */
export function ipPacketLength(p: IpPacket): number {
  const l4 = p.l4;
  switch (l4.proto) {
    case 'tcp':
      return IPV4_HLEN + TCP_HLEN + p.payloadLength;
    case 'udp':
      return IPV4_HLEN + UDP_HLEN + (l4.vxlan ? VXLAN_HLEN + frameLength(l4.vxlan.inner) : p.payloadLength);
    case 'icmp':
      return IPV4_HLEN + ICMP_HLEN + (l4.quoted ? icmpQuoteLength(l4.quoted) : p.payloadLength);
    case 'sctp':
      return IPV4_HLEN + sctpLength(p.payloadLength);
    case 'other':
      return IPV4_HLEN + p.payloadLength;
  }
}

/** The length of the Ethernet frame `f` encodes to: 14 + the IPv4 total length, or 14 + 28 for ARP (unpadded). */
export function frameLength(f: Frame): number {
  return ETH_HLEN + (f.body.kind === 'ipv4' ? ipPacketLength(f.body.packet) : ARP_PLEN);
}

// ---- emit ----

function l4ProtocolNumber(l4: L4): number {
  switch (l4.proto) {
    case 'tcp':
      return IPPROTO_TCP;
    case 'udp':
      return IPPROTO_UDP;
    case 'icmp':
      return IPPROTO_ICMP;
    case 'sctp':
      return IPPROTO_SCTP;
    case 'other':
      return l4.number;
  }
}

function requireNoPayload(p: IpPacket, what: string): void {
  if (p.payloadLength !== 0) {
    throw new WireError('payloadLength', `${p.payloadLength}, but ${what} has no payload of its own (must be 0)`);
  }
}

function emitL4(p: IpPacket): Uint8Array {
  const { ip, l4 } = p;
  switch (l4.proto) {
    case 'tcp':
      return emitTcp(l4.tcp, new Uint8Array(p.payloadLength), ip.src, ip.dst);
    case 'udp': {
      if (!l4.vxlan) return emitUdp(l4.udp, new Uint8Array(p.payloadLength), ip.src, ip.dst);
      requireNoPayload(p, 'a UDP packet carrying VXLAN');
      const inner = emitVxlan(l4.vxlan.header, emitFrame(l4.vxlan.inner));
      return emitUdp(l4.udp, inner, ip.src, ip.dst);
    }
    case 'icmp': {
      if (!l4.quoted) return emitIcmp(l4.icmp, new Uint8Array(p.payloadLength));
      if (!isIcmpError(l4.icmp.type)) {
        throw new WireError('icmp.type', `type ${l4.icmp.type} is not an error and cannot quote a packet`);
      }
      requireNoPayload(p, 'an ICMP error carrying a quote');
      const quote = emitIpPacket(l4.quoted);
      return emitIcmp(l4.icmp, quote.subarray(0, Math.min(quote.length, ICMP_QUOTE_MAX_LENGTH)));
    }
    case 'sctp':
      return emitSctp(l4.sctp, new Uint8Array(p.payloadLength));
    case 'other':
      return new Uint8Array(p.payloadLength);
  }
}

/** Encodes an IPv4 packet; lengths and checksums are computed, whatever the headers hold. */
export function emitIpPacket(p: IpPacket): Uint8Array {
  checkUint('payloadLength', p.payloadLength, 0xffff);
  const protocol = l4ProtocolNumber(p.l4);
  if (p.ip.protocol !== protocol) {
    throw new WireError('ipv4.protocol', `protocol ${p.ip.protocol} does not match the ${p.l4.proto} transport (${protocol})`);
  }
  if (p.ip.fragOffset !== 0 && p.l4.proto !== 'other') {
    throw new WireError('ipv4.fragOffset', `a non-first fragment has no ${p.l4.proto} header; model it as 'other'`);
  }
  return emitIpv4Datagram(p.ip, emitL4(p));
}

/** Encodes an Ethernet frame; the EtherType must match the body (0x0800 IPv4, 0x0806 ARP). */
export function emitFrame(f: Frame): Uint8Array {
  const ethertype = f.body.kind === 'ipv4' ? ETH_P_IP : ETH_P_ARP;
  if (f.eth.ethertype !== ethertype) {
    throw new WireError('ethernet.ethertype', `0x${f.eth.ethertype.toString(16)} does not match the ${f.body.kind} body`);
  }
  const payload = f.body.kind === 'ipv4' ? emitIpPacket(f.body.packet) : emitArp(f.body.arp);
  return emitEthernet(f.eth, payload);
}

// ---- parse ----

type Transport = { l4: L4; payloadLength: number };

/**
 * Parses a quoted datagram, or gives undefined when the bytes are not one (fewer than 20, a bad version):
 * an ICMP error whose quote cannot be read still parses, with its body counted as payload.
 */
function parseQuote(bytes: Uint8Array, ctx: ParseContext): IpPacket | undefined {
  try {
    return parseIpWith(bytes, { ...ctx, verify: false, truncated: true });
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
}

function parseTcpL4(ip: Ipv4Header, data: Uint8Array, l4Length: number, ctx: ParseContext): Transport {
  if (ctx.truncated) {
    const { header, headerLength } = parseTcpTruncated(data);
    return { l4: { proto: 'tcp', tcp: header }, payloadLength: Math.max(0, l4Length - headerLength) };
  }
  const { header, payload } = parseTcp(data);
  if (ctx.verify && !ip.mf && !transportChecksumValid(ip.src, ip.dst, IPPROTO_TCP, data)) {
    throw new WireError('tcp.checksum', `checksum 0x${header.checksum.toString(16)} does not verify`);
  }
  return { l4: { proto: 'tcp', tcp: header }, payloadLength: payload.length };
}

function parseUdpL4(ip: Ipv4Header, data: Uint8Array, l4Length: number, ctx: ParseContext): Transport {
  const { header, payload } = ctx.truncated ? parseUdpTruncated(data) : parseUdp(data);
  if (!ctx.truncated && ctx.verify && !ip.mf && !udpChecksumValid(ip.src, ip.dst, data)) {
    throw new WireError('udp.checksum', `checksum 0x${header.checksum.toString(16)} does not verify`);
  }
  // Linux: vxlan_rcv() on the socket bound to the VXLAN device's dstport.
  if (ctx.vxlanPorts.includes(header.dport) && looksLikeVxlan(payload)) {
    const vx = parseVxlan(payload);
    const inner = ctx.truncated ? parseQuotedFrame(vx.payload, ctx) : parseFrameWith(vx.payload, ctx);
    if (inner) return { l4: { proto: 'udp', udp: header, vxlan: { header: vx.header, inner } }, payloadLength: 0 };
  }
  const claimed = header.length >= UDP_HLEN ? header.length : l4Length;
  const payloadLength = ctx.truncated ? Math.max(0, claimed - UDP_HLEN) : payload.length;
  return { l4: { proto: 'udp', udp: header }, payloadLength };
}

function parseIcmpL4(ip: Ipv4Header, data: Uint8Array, l4Length: number, ctx: ParseContext): Transport {
  const { header, payload } = ctx.truncated ? parseIcmpTruncated(data) : parseIcmp(data);
  if (!ctx.truncated && ctx.verify && !ip.mf && !icmpChecksumValid(data)) {
    throw new WireError('icmp.checksum', `checksum 0x${header.checksum.toString(16)} does not verify`);
  }
  const quoted = isIcmpError(header.type) ? parseQuote(payload, ctx) : undefined;
  if (quoted) return { l4: { proto: 'icmp', icmp: header, quoted }, payloadLength: 0 };
  const payloadLength = ctx.truncated ? Math.max(0, l4Length - ICMP_HLEN) : payload.length;
  return { l4: { proto: 'icmp', icmp: header }, payloadLength };
}

/** The packet's one chunk: its value bytes are the payload (RFC 9260 §3.2; bundling is not modelled). */
function parseSctpL4(data: Uint8Array, l4Length: number, ctx: ParseContext): Transport {
  if (ctx.truncated) return { l4: { proto: 'sctp', sctp: parseSctpTruncated(data) }, payloadLength: Math.max(0, l4Length - SCTP_HLEN) };
  const { header, value } = parseSctp(data);
  if (ctx.verify && !sctpChecksumValid(data)) throw new WireError('sctp.checksum', `checksum 0x${header.checksum.toString(16)} does not verify`);
  return { l4: { proto: 'sctp', sctp: header }, payloadLength: value.length };
}

function parseTransport(ip: Ipv4Header, data: Uint8Array, l4Length: number, ctx: ParseContext): Transport {
  if (ip.fragOffset !== 0) return { l4: { proto: 'other', number: ip.protocol }, payloadLength: l4Length };
  switch (ip.protocol) {
    case IPPROTO_TCP:
      return parseTcpL4(ip, data, l4Length, ctx);
    case IPPROTO_UDP:
      return parseUdpL4(ip, data, l4Length, ctx);
    case IPPROTO_ICMP:
      return parseIcmpL4(ip, data, l4Length, ctx);
    case IPPROTO_SCTP:
      return parseSctpL4(data, l4Length, ctx);
    default:
      return { l4: { proto: 'other', number: ip.protocol }, payloadLength: l4Length };
  }
}

function parseIpWith(bytes: Uint8Array, ctx: ParseContext): IpPacket {
  const { header, payload } = ctx.truncated ? parseIpv4Truncated(bytes) : parseIpv4Datagram(bytes);
  const l4Length = header.totalLength - (bytes[0] & 0x0f) * 4;
  const { l4, payloadLength } = parseTransport(header, payload, l4Length, ctx);
  return { ip: header, l4, payloadLength };
}

function parseFrameWith(bytes: Uint8Array, ctx: ParseContext): Frame {
  const { header: eth, payload } = parseEthernet(bytes);
  if (eth.ethertype === ETH_P_IP) return { eth, body: { kind: 'ipv4', packet: parseIpWith(payload, ctx) } };
  if (eth.ethertype === ETH_P_ARP) return { eth, body: { kind: 'arp', arp: parseArp(payload) } };
  throw new WireError('ethernet.ethertype', `0x${eth.ethertype.toString(16)} is neither IPv4 nor ARP`);
}

/** An inner frame inside a quote: whatever can be read of it, or undefined (then the UDP is plain). */
function parseQuotedFrame(bytes: Uint8Array, ctx: ParseContext): Frame | undefined {
  try {
    return parseFrameWith(bytes, ctx);
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
}

/**
 * Decodes an IPv4 packet (Linux: ip_rcv_core() checks): a UDP payload to a VXLAN port that starts with
 * flags 0x08 decodes as VXLAN with an inner Frame; an ICMP error's body decodes into `quoted`.
 */
export function parseIpPacket(bytes: Uint8Array, options: FrameParseOptions = {}): IpPacket {
  return parseIpWith(bytes, contextOf(options));
}

/** Decodes an Ethernet frame holding IPv4 or ARP; any other EtherType is a WireError. */
export function parseFrame(bytes: Uint8Array, options: FrameParseOptions = {}): Frame {
  return parseFrameWith(bytes, contextOf(options));
}
