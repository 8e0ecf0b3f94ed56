// IPv6 addresses as 128-bit bigints: inet_pton(AF_INET6) text in (what ip6tables' xtables_numeric_to_ip6addr()
// accepts: hex groups, one "::", an optional dotted IPv4 tail), RFC 5952 text out (inet_ntop(), as
// ip6tables-save prints addresses). Off the hot path: only the IPv6 rule walk uses them.

import { formatIpv6Groups } from './ipv6-text.js';

export const IPV6_ALL = (1n << 128n) - 1n;

function parseDotted(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    // inet_pton() takes no leading zeros in the IPv4 tail.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number.parseInt(p, 10);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** inet_pton(AF_INET6, ...): the address, or undefined when the text is not one. */
export function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  let body = text;
  let tail: bigint | undefined;
  if (text.includes('.')) {
    const last = text.lastIndexOf(':');
    tail = parseDotted(text.slice(last + 1));
    if (tail === undefined) return undefined;
    body = `${text.slice(0, last + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let v = 0n;
  const take = (g: string): boolean => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    v = (v << 16n) | BigInt(Number.parseInt(g, 16));
    return true;
  };
  for (const g of head) if (!take(g)) return undefined;
  for (let i = 0; i < (halves.length === 2 ? missing : 0); i++) v <<= 16n;
  for (const g of rest) if (!take(g)) return undefined;
  return tail === undefined ? v : (v & ~0xffffffffn) | tail;
}

/** inet_ntop(AF_INET6, ...): RFC 5952 text. */
export function formatIpv6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  return formatIpv6Groups(g);
}

/** The netmask of a /len prefix, 0 <= len <= 128. */
export function ipv6PrefixMask(len: number): bigint {
  return len <= 0 ? 0n : IPV6_ALL ^ ((1n << BigInt(128 - len)) - 1n);
}

/** `addr` is inside `net/len`. */
export function ipv6InPrefix(addr: bigint, net: bigint, len: number): boolean {
  const m = ipv6PrefixMask(len);
  return (addr & m) === (net & m);
}

/** `[addr]:port`, the way ip6tables prints a NAT destination and ss prints a socket. */
export function formatIpv6Endpoint(v: bigint, port: number | undefined): string {
  return port === undefined ? formatIpv6(v) : `[${formatIpv6(v)}]:${port}`;
}
