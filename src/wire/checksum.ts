// RFC 1071 internet checksum, with partial sums so a caller can checksum a message in pieces (a pseudo-header,
// then a header, then a payload) and RFC 1624 incremental updates for NAT rewrites.

import type { Ipv4Addr } from './headers.js';

/**
 * RFC 1071: adds the 16-bit big-endian words of `bytes[start, end)` to the unfolded sum `acc`.
 * A piece must start at an even offset of the whole message; only the last piece may have an odd length
 * (its last byte is padded with a zero, as RFC 1071 §4.1 does).
 */
export function onesComplementSum(bytes: Uint8Array, acc = 0, start = 0, end = bytes.length): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  // Fold now and then so the sum stays an exact integer however long the message.
  return sum > 0xffffffff ? foldSum(sum) : sum;
}

/** Folds an unfolded sum to 16 bits with end-around carry (RFC 1071 §4.1), without complementing. */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for an unfolded sum: folded and complemented. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** RFC 1071 checksum of `bytes`, starting from the unfolded sum `initial` (e.g. a pseudo-header sum). */
export function internetChecksum(bytes: Uint8Array, initial = 0): number {
  return finishChecksum(onesComplementSum(bytes, initial));
}

/** RFC 793 §3.1 / RFC 768: unfolded sum of the IPv4 pseudo-header (src, dst, zero, protocol, length). */
export function pseudoHeaderSum(src: Ipv4Addr, dst: Ipv4Addr, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * Checksum of a TCP or UDP segment (header with a zero checksum field, plus payload) under the IPv4
 * pseudo-header. Linux: csum_tcpudp_magic(). UDP callers map a result of 0 to 0xffff (RFC 768).
 */
export function transportChecksum(src: Ipv4Addr, dst: Ipv4Addr, protocol: number, segment: Uint8Array): number {
  return internetChecksum(segment, pseudoHeaderSum(src, dst, protocol, segment.length));
}

/** True when a segment as received (checksum field included) sums to zero under its pseudo-header. */
export function transportChecksumValid(
  src: Ipv4Addr,
  dst: Ipv4Addr,
  protocol: number,
  segment: Uint8Array,
): boolean {
  return transportChecksum(src, dst, protocol, segment) === 0;
}

/**
 * RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data changes from `from` to `to`.
 * Linux: csum_replace2().
 */
export function checksumReplace16(check: number, from: number, to: number): number {
  return finishChecksum((~check & 0xffff) + (~from & 0xffff) + (to & 0xffff));
}

/** RFC 1624 for a 32-bit field (an address rewritten by NAT). Linux: csum_replace4(). */
export function checksumReplace32(check: number, from: number, to: number): number {
  const sum =
    (~check & 0xffff) +
    (~(from >>> 16) & 0xffff) +
    (~from & 0xffff) +
    (to >>> 16) +
    (to & 0xffff);
  return finishChecksum(sum);
}
