// RFC 791 IPv4 header. Options are not modelled: emitted headers have ihl 5; parsed options are skipped.

import { IPV4_HLEN, type Ipv4Header } from './headers.js';
import { WireError, checkUint } from './errors.js';
import { internetChecksum } from './checksum.js';

const IP_DF = 0x4000;
const IP_MF = 0x2000;
const IP_OFFMASK = 0x1fff;
const IP_MAXPACKET = 0xffff;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The header fields, read without any check beyond there being 20 bytes. */
function readHeader(bytes: Uint8Array): Ipv4Header {
  const v = view(bytes);
  const frag = v.getUint16(6);
  return {
    tos: bytes[1],
    totalLength: v.getUint16(2),
    id: v.getUint16(4),
    df: (frag & IP_DF) !== 0,
    mf: (frag & IP_MF) !== 0,
    fragOffset: frag & IP_OFFMASK,
    ttl: bytes[8],
    protocol: bytes[9],
    checksum: v.getUint16(10),
    src: v.getUint32(12),
    dst: v.getUint32(16),
  };
}

/** Checks version and ihl; returns the header length in bytes. Linux: ip_rcv_core(). */
function checkVersionAndIhl(bytes: Uint8Array): number {
  if (bytes.length < IPV4_HLEN) throw new WireError('ipv4.length', `${bytes.length} bytes, need 20`);
  const version = bytes[0] >>> 4;
  if (version !== 4) throw new WireError('ipv4.version', `version ${version}, expected 4`);
  const ihl = bytes[0] & 0x0f;
  if (ihl < 5) throw new WireError('ipv4.ihl', `ihl ${ihl} is below 5`);
  if (ihl * 4 > bytes.length) throw new WireError('ipv4.ihl', `ihl ${ihl} runs past the ${bytes.length} bytes given`);
  return ihl * 4;
}

/**
 * Parses an IPv4 datagram: checks version, ihl, total length and the header checksum, as ip_rcv_core() does,
 * and returns the payload as a view trimmed to the total length (Ethernet padding dropped, pskb_trim_rcsum()).
 * The fragment offset is in 8-byte units, as on the wire.
 */
export function parseIpv4Datagram(bytes: Uint8Array): { header: Ipv4Header; payload: Uint8Array } {
  const hlen = checkVersionAndIhl(bytes);
  const header = readHeader(bytes);
  if (header.totalLength < hlen) {
    throw new WireError('ipv4.totalLength', `total length ${header.totalLength} is below the header length ${hlen}`);
  }
  if (header.totalLength > bytes.length) {
    throw new WireError('ipv4.totalLength', `total length ${header.totalLength} exceeds the ${bytes.length} bytes given`);
  }
  if (internetChecksum(bytes.subarray(0, hlen)) !== 0) {
    throw new WireError('ipv4.checksum', `header checksum 0x${header.checksum.toString(16)} does not verify`);
  }
  return { header, payload: bytes.subarray(hlen, header.totalLength) };
}

/**
 * Parses the IPv4 header quoted in an ICMP error (RFC 792): the datagram is cut short, so the total length
 * may exceed the bytes given and the payload is what is there. The checksum is not verified, as
 * icmp_unreach() does not verify it either.
 */
export function parseIpv4Truncated(bytes: Uint8Array): { header: Ipv4Header; payload: Uint8Array } {
  const hlen = checkVersionAndIhl(bytes);
  const header = readHeader(bytes);
  if (header.totalLength < hlen) {
    throw new WireError('ipv4.totalLength', `total length ${header.totalLength} is below the header length ${hlen}`);
  }
  return { header, payload: bytes.subarray(hlen, Math.min(header.totalLength, bytes.length)) };
}

/**
 * Encodes an IPv4 header (ihl 5) in front of `payload`. The total length is recomputed from the payload and
 * the header checksum computed (Linux: ip_send_check()); the header's own values of both are ignored.
 */
export function emitIpv4Datagram(header: Ipv4Header, payload: Uint8Array): Uint8Array {
  const totalLength = IPV4_HLEN + payload.length;
  if (totalLength > IP_MAXPACKET) throw new WireError('ipv4.totalLength', `${totalLength} bytes exceed 65535`);
  checkUint('ipv4.tos', header.tos, 0xff);
  checkUint('ipv4.id', header.id, 0xffff);
  checkUint('ipv4.fragOffset', header.fragOffset, IP_OFFMASK);
  checkUint('ipv4.ttl', header.ttl, 0xff);
  checkUint('ipv4.protocol', header.protocol, 0xff);
  checkUint('ipv4.src', header.src, 0xffffffff);
  checkUint('ipv4.dst', header.dst, 0xffffffff);
  const bytes = new Uint8Array(totalLength);
  const v = view(bytes);
  v.setUint8(0, 0x45);
  v.setUint8(1, header.tos);
  v.setUint16(2, totalLength);
  v.setUint16(4, header.id);
  v.setUint16(6, (header.df ? IP_DF : 0) | (header.mf ? IP_MF : 0) | header.fragOffset);
  v.setUint8(8, header.ttl);
  v.setUint8(9, header.protocol);
  v.setUint32(12, header.src);
  v.setUint32(16, header.dst);
  v.setUint16(10, internetChecksum(bytes.subarray(0, IPV4_HLEN)));
  bytes.set(payload, IPV4_HLEN);
  return bytes;
}
