// RFC 792 ICMP. The second 32-bit word is kept raw as `rest`; the helpers below give it meaning per type.

import {
  ICMP_DEST_UNREACH,
  ICMP_HLEN,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
  type IcmpHeader,
} from './headers.js';
import { WireError, checkUint } from './errors.js';
import { internetChecksum } from './checksum.js';

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * True for the types that quote the offending datagram (RFC 792) and that Linux never answers with another
 * error: the `error` flag of icmp_pointers[] in net/ipv4/icmp.c.
 */
export function isIcmpError(type: number): boolean {
  return (
    type === ICMP_DEST_UNREACH ||
    type === ICMP_SOURCE_QUENCH ||
    type === ICMP_REDIRECT ||
    type === ICMP_TIME_EXCEEDED ||
    type === ICMP_PARAMETERPROB
  );
}

/** The `rest` word of an echo request or reply: identifier in the high 16 bits, sequence number in the low. */
export function icmpEchoRest(id: number, seq: number): number {
  checkUint('icmp.echo.id', id, 0xffff);
  checkUint('icmp.echo.seq', seq, 0xffff);
  return ((id << 16) | seq) >>> 0;
}

export function icmpEchoId(rest: number): number {
  return rest >>> 16;
}

export function icmpEchoSeq(rest: number): number {
  return rest & 0xffff;
}

/** The `rest` word of a frag-needed error: the next-hop MTU in the low 16 bits (RFC 1191 §4). */
export function icmpFragNeededRest(mtu: number): number {
  checkUint('icmp.mtu', mtu, 0xffff);
  return mtu;
}

/** The next-hop MTU carried by a frag-needed error (RFC 1191 §4). */
export function icmpNextHopMtu(rest: number): number {
  return rest & 0xffff;
}

function readHeader(bytes: Uint8Array): IcmpHeader {
  const v = view(bytes);
  return { type: bytes[0], code: bytes[1], checksum: v.getUint16(2), rest: v.getUint32(4) };
}

/** Splits an ICMP message into its header and body (the echo data, or the quoted datagram of an error). */
export function parseIcmp(bytes: Uint8Array): { header: IcmpHeader; payload: Uint8Array } {
  if (bytes.length < ICMP_HLEN) throw new WireError('icmp.length', `${bytes.length} bytes, need 8`);
  return { header: readHeader(bytes), payload: bytes.subarray(ICMP_HLEN) };
}

/** Reads as much of an ICMP header as an error quote holds; missing fields are 0. */
export function parseIcmpTruncated(bytes: Uint8Array): { header: IcmpHeader; payload: Uint8Array } {
  if (bytes.length >= ICMP_HLEN) return parseIcmp(bytes);
  const padded = new Uint8Array(ICMP_HLEN);
  padded.set(bytes);
  return { header: readHeader(padded), payload: bytes.subarray(bytes.length) };
}

/** True when the message, checksum field included, sums to zero (RFC 792; Linux: icmp_rcv()). */
export function icmpChecksumValid(message: Uint8Array): boolean {
  return internetChecksum(message) === 0;
}

/** Encodes an ICMP message; the checksum covers the whole message and is computed here. */
export function emitIcmp(header: IcmpHeader, payload: Uint8Array): Uint8Array {
  checkUint('icmp.type', header.type, 0xff);
  checkUint('icmp.code', header.code, 0xff);
  checkUint('icmp.rest', header.rest, 0xffffffff);
  const bytes = new Uint8Array(ICMP_HLEN + payload.length);
  const v = view(bytes);
  v.setUint8(0, header.type);
  v.setUint8(1, header.code);
  v.setUint32(4, header.rest);
  bytes.set(payload, ICMP_HLEN);
  v.setUint16(2, internetChecksum(bytes));
  return bytes;
}
