// RFC 768 UDP header.

import { IPPROTO_UDP, UDP_HLEN, type Ipv4Addr, type UdpHeader } from './headers.js';
import { WireError, checkUint } from './errors.js';
import { transportChecksum } from './checksum.js';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readHeader(bytes: Uint8Array): UdpHeader {
  const v = view(bytes);
  return { sport: v.getUint16(0), dport: v.getUint16(2), length: v.getUint16(4), checksum: v.getUint16(6) };
}

/**
 * Splits a UDP datagram into header and payload, the payload trimmed to the UDP length as __udp4_lib_rcv()
 * does (a length below 8 or beyond the bytes given is a short packet there).
 */
export function parseUdp(bytes: Uint8Array): { header: UdpHeader; payload: Uint8Array } {
  if (bytes.length < UDP_HLEN) throw new WireError('udp.length', `${bytes.length} bytes, need 8`);
  const header = readHeader(bytes);
  if (header.length < UDP_HLEN || header.length > bytes.length) {
    throw new WireError('udp.length', `length ${header.length} is outside 8..${bytes.length}`);
  }
  return { header, payload: bytes.subarray(UDP_HLEN, header.length) };
}

/** Reads as much of a UDP header as an ICMP error quote holds; missing fields are 0. */
export function parseUdpTruncated(bytes: Uint8Array): { header: UdpHeader; payload: Uint8Array } {
  if (bytes.length >= UDP_HLEN) {
    const header = readHeader(bytes);
    return { header, payload: bytes.subarray(UDP_HLEN, Math.max(UDP_HLEN, Math.min(header.length, bytes.length))) };
  }
  const padded = new Uint8Array(UDP_HLEN);
  padded.set(bytes);
  return { header: readHeader(padded), payload: bytes.subarray(bytes.length) };
}

/**
 * Encodes a UDP datagram: the length is recomputed from the payload, and the checksum is computed under the
 * IPv4 pseudo-header, a result of 0 sent as 0xffff since 0 means "no checksum" (RFC 768; udp4_hwcsum()).
 */
export function emitUdp(header: UdpHeader, payload: Uint8Array, src: Ipv4Addr, dst: Ipv4Addr): Uint8Array {
  checkUint('udp.sport', header.sport, 0xffff);
  checkUint('udp.dport', header.dport, 0xffff);
  const length = UDP_HLEN + payload.length;
  if (length > 0xffff) throw new WireError('udp.length', `${length} bytes exceed 65535`);
  const bytes = new Uint8Array(length);
  const v = view(bytes);
  v.setUint16(0, header.sport);
  v.setUint16(2, header.dport);
  v.setUint16(4, length);
  bytes.set(payload, UDP_HLEN);
  const check = transportChecksum(src, dst, IPPROTO_UDP, bytes);
  v.setUint16(6, check === 0 ? 0xffff : check);
  return bytes;
}

/** True when the checksum verifies or is 0 (none sent, RFC 768). Linux: udp4_csum_init(). */
export function udpChecksumValid(src: Ipv4Addr, dst: Ipv4Addr, datagram: Uint8Array): boolean {
  if (datagram.length >= UDP_HLEN && datagram[6] === 0 && datagram[7] === 0) return true;
  return transportChecksum(src, dst, IPPROTO_UDP, datagram) === 0;
}
