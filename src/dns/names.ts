// Name helpers mirroring miekg/dns and CoreDNS's dnsutil: zone matching, reverse names, endpoint hostnames.

import type { DnsEndpointAddress } from './view.js';
import { formatIpv6Groups } from '../wire/ipv6-text.js';

/** dns.IsSubDomain(parent, child), case-insensitive. */
export function isSubDomain(parent: string, child: string): boolean {
  const p = parent.toLowerCase();
  const c = child.toLowerCase();
  return p === '.' || c === p || c.endsWith(`.${p}`);
}

/** plugin.Zones.Matches: the longest zone `qname` is in, or undefined. */
export function matchZone(zones: string[], qname: string): string | undefined {
  let best: string | undefined;
  for (const z of zones) if (isSubDomain(z, qname) && (best === undefined || z.length > best.length)) best = z;
  return best;
}

/** dnsutil.IsReverse: 1 for in-addr.arpa, 2 for ip6.arpa, 0 otherwise. */
export function reverseKind(name: string): 0 | 1 | 2 {
  const n = name.toLowerCase();
  if (n.endsWith('in-addr.arpa.')) return 1;
  if (n.endsWith('ip6.arpa.')) return 2;
  return 0;
}

/** dnsutil.ExtractAddressFromReverse: the address a complete reverse name stands for, or ''. */
export function addressFromReverse(name: string): string {
  const n = name.toLowerCase();
  if (n.endsWith('.in-addr.arpa.')) {
    const labels = n.slice(0, -'.in-addr.arpa.'.length).split('.');
    if (labels.length !== 4 || !labels.every((l) => /^(0|[1-9][0-9]{0,2})$/.test(l) && Number(l) < 256)) return '';
    return labels.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa.')) {
    const nibbles = n.slice(0, -'.ip6.arpa.'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((l) => /^[0-9a-f]$/.test(l))) return '';
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    return canonicalIpv6(groups.join(':')) ?? '';
  }
  return '';
}

/** net.ParseIP for IPv4 dotted quads. */
export function isIpv4(s: string): boolean {
  return /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/.test(s);
}

/** Parses an IPv6 text into 8 groups, or undefined (no zone ids, an embedded IPv4 tail allowed). */
export function ipv6Groups(s: string): number[] | undefined {
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = text.slice(lastColon + 1);
    if (!isIpv4(v4)) return undefined;
    const b = v4.split('.').map(Number);
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const parts = text.split('::');
  if (parts.length > 2) return undefined;
  const parse = (p: string): number[] | undefined => {
    if (p === '') return [];
    const out: number[] = [];
    for (const g of p.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(parts[0]!);
  const rest = parts.length === 2 ? parse(parts[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const given = head.length + rest.length + tail.length;
  if (parts.length === 1) return given === 8 ? [...head, ...tail] : undefined;
  if (given > 7) return undefined;
  return [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
}

/** Go's net.IP.String() for an IPv6 address (RFC 5952: longest run of 2+ zero groups becomes ::). */
export function canonicalIpv6(s: string): string | undefined {
  const g = ipv6Groups(s);
  return g === undefined ? undefined : formatIpv6Groups(g);
}

/** net.ParseIP: 'A' for IPv4, 'AAAA' for IPv6, undefined when not an address. */
export function ipFamily(s: string): 'A' | 'AAAA' | undefined {
  if (isIpv4(s)) return 'A';
  if (s.includes(':') && ipv6Groups(s) !== undefined) return 'AAAA';
  return undefined;
}

/** CoreDNS endpointHostname: the slice hostname, else the pod name (endpoint_pod_names), else the dashed IP. */
export function endpointHostname(addr: DnsEndpointAddress, endpointPodNames: boolean): string {
  if (addr.hostname !== undefined && addr.hostname !== '') return addr.hostname;
  if (endpointPodNames && addr.podName !== undefined && addr.podName !== '' && addr.podName.length < 64) return addr.podName;
  if (addr.ip.includes('.')) return addr.ip.replaceAll('.', '-');
  if (addr.ip.includes(':')) {
    const h = addr.ip.replaceAll(':', '-');
    return h.endsWith('-') ? `${h}0` : h;
  }
  return '';
}
