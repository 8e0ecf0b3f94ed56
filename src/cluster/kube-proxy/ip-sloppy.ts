// Addresses as kube-proxy reads them: k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy, the Go 1.16 parser
// that reads IPv4 octets with leading zeros as decimal (`172.30.0.041` is 172.30.0.41), and net.IP.String()
// for the text written into rules (RFC 5952 for IPv6).

import type { IpFamily } from './types.js';
import { formatIpv6Groups } from '../../wire/ipv6-text.js';

export interface ParsedIp {
  family: IpFamily;
  /** 32 or 128 bits. */
  value: bigint;
  /** net.IP.String(). */
  text: string;
}

export interface ParsedCidr {
  family: IpFamily;
  network: bigint;
  bits: number;
  /** net.IPNet.String(): the masked network. */
  text: string;
}

/** Four dot-separated groups of 1 to 3 decimal digits, each at most 255 (leading zeros read as decimal). */
function parseV4Number(s: string): number | undefined {
  let v = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 48);
      continue;
    }
    if (c !== 46 || digits === 0 || octet > 255) return undefined;
    v = v * 256 + octet;
    octet = 0;
    digits = 0;
    dots++;
  }
  return dots === 4 ? v : undefined;
}

function parseV4(s: string): bigint | undefined {
  const v = parseV4Number(s);
  return v === undefined ? undefined : BigInt(v);
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail4: bigint | undefined;
  let body = s;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parseV4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    body = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

function formatV4(v: bigint): string {
  const n = Number(v);
  return `${Math.floor(n / 2 ** 24) % 256}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function formatV6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6Groups(g);
}

/** k8s.io/utils/net ParseIPSloppy(), then String(); undefined for a bad address. */
export function parseIpSloppy(text: string): ParsedIp | undefined {
  const s = text.trim();
  if (s.includes(':')) {
    const v = parseV6(s);
    return v === undefined ? undefined : { family: 'IPv6', value: v, text: formatV6(v) };
  }
  const v = parseV4(s);
  return v === undefined ? undefined : { family: 'IPv4', value: v, text: formatV4(v) };
}

/**
 * parseIpSloppy(text)?.text, without the value: for IPv4 no bigint, and `text` itself when it is already
 * written as net.IP.String() writes it (no leading zeros, no spaces). The family is IPv6 when it has a colon.
 */
export function ipTextSloppy(text: string): string | undefined {
  if (text.includes(':')) return parseIpSloppy(text)?.text;
  const v = parseV4Number(text);
  if (v === undefined) return parseIpSloppy(text)?.text;
  // Canonical when no octet of two or more digits starts with 0.
  for (let i = 0; i < text.length - 1; i++) {
    if (text.charCodeAt(i) === 48 && (i === 0 || text.charCodeAt(i - 1) === 46) && text.charCodeAt(i + 1) !== 46) return formatV4(BigInt(v));
  }
  return text;
}

/** ParseCIDRSloppy(): the network with host bits cleared, as net.IPNet.String() prints it. */
export function parseCidrSloppy(text: string): ParsedCidr | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpSloppy(s.slice(0, slash));
  const lenText = s.slice(slash + 1);
  if (!ip || !/^[0-9]{1,3}$/.test(lenText)) return undefined;
  const bits = Number.parseInt(lenText, 10);
  const width = ip.family === 'IPv4' ? 32 : 128;
  if (bits > width) return undefined;
  const mask = ((1n << BigInt(width)) - 1n) ^ ((1n << BigInt(width - bits)) - 1n);
  const network = ip.value & mask;
  const netText = ip.family === 'IPv4' ? formatV4(network) : formatV6(network);
  return { family: ip.family, network, bits, text: `${netText}/${bits}` };
}

export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  const width = cidr.family === 'IPv4' ? 32 : 128;
  return ip.value >> BigInt(width - cidr.bits) === cidr.network >> BigInt(width - cidr.bits);
}

export function isLoopback(ip: ParsedIp): boolean {
  return ip.family === 'IPv4' ? ip.value >> 24n === 127n : ip.value === 1n;
}
