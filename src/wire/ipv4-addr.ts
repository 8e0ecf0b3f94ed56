// Text forms of IPv4 addresses, prefixes and MACs. On the hot path (route lookups, rule matches): plain
// arithmetic on unsigned 32-bit numbers, no allocation beyond the result.

import type { Ipv4Addr, Ipv4Prefix, MacAddr } from './headers.js';

const DOT = 0x2e;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

/** Scans a strict dotted quad in `text[start, end)`; -1 when it is not one. */
function scanIpv4(text: string, start: number, end: number): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let addr = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      addr = addr * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE) {
      // A leading zero ("01", "00") is rejected: inet_aton() would read it as octal.
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - ZERO);
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return (addr * 256 + octet) >>> 0;
}

/** Parses a strict dotted quad ("10.0.0.1"): four decimal octets 0..255, no leading zeros beyond "0". */
export function parseIpv4(text: string): Ipv4Addr | undefined {
  const addr = scanIpv4(text, 0, text.length);
  return addr < 0 ? undefined : addr;
}

/** Formats an address as a dotted quad, as inet_ntoa() does. */
export function formatIpv4(addr: Ipv4Addr): string {
  return `${addr >>> 24}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/**
 * Parses "10.0.0.0/24" (or a bare address, meaning /32) the way `ip` writes prefixes. Host bits may be set;
 * callers decide whether that is an error (`ip route` rejects it, `ip addr` keeps it).
 */
export function parsePrefix(text: string): Ipv4Prefix | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    const addr = scanIpv4(text, 0, text.length);
    return addr < 0 ? undefined : { addr, len: 32 };
  }
  const addr = scanIpv4(text, 0, slash);
  if (addr < 0) return undefined;
  const len = scanPrefixLen(text, slash + 1);
  return len < 0 ? undefined : { addr, len };
}

/** Scans a decimal 0..32 running to the end of `text`, without leading zeros; -1 otherwise. */
function scanPrefixLen(text: string, start: number): number {
  const n = text.length - start;
  if (n < 1 || n > 2) return -1;
  let len = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return -1;
    len = len * 10 + (c - ZERO);
  }
  if (n === 2 && text.charCodeAt(start) === ZERO) return -1;
  return len <= 32 ? len : -1;
}

/** Formats a prefix as `ip` prints it: "10.0.0.0/24". */
export function formatPrefix(prefix: Ipv4Prefix): string {
  return `${formatIpv4(prefix.addr)}/${prefix.len}`;
}

/** The netmask of a prefix length: 24 gives 0xffffff00, 0 gives 0. Linux: inet_make_mask(). */
export function prefixMask(len: number): number {
  // A shift by 32 is a shift by 0 in JavaScript, so /0 is special.
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** The network address of a prefix: its address with the host bits cleared. */
export function prefixNetwork(prefix: Ipv4Prefix): Ipv4Addr {
  return (prefix.addr & prefixMask(prefix.len)) >>> 0;
}

/** True when `addr` lies in `prefix`, comparing only the network bits. Linux: inet_ifa_match(). */
export function inPrefix(addr: Ipv4Addr, prefix: Ipv4Prefix): boolean {
  return ((addr ^ prefix.addr) & prefixMask(prefix.len)) === 0;
}

function isHexDigit(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** Parses "aa:bb:cc:dd:ee:ff" (either case) and returns it in lower case, as `ip link` prints MACs. */
export function parseMac(text: string): MacAddr | undefined {
  if (text.length !== 17) return undefined;
  let upper = false;
  for (let i = 0; i < 17; i++) {
    const c = text.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== COLON) return undefined;
    } else {
      if (!isHexDigit(c)) return undefined;
      if (c >= 0x41 && c <= 0x46) upper = true;
    }
  }
  return upper ? text.toLowerCase() : text;
}
