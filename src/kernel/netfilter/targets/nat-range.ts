// NAT range words as libxt_DNAT / libxt_SNAT / libxt_MASQUERADE / libxt_REDIRECT parse and print them
// (parse_to() / print_range() in extensions/libxt_NAT.c).

import { formatIpv4 } from '../../../wire/ipv4-addr.js';
import type { NatRange } from '../verdict.js';
import type { RuleEnv } from '../module.js';
import { parseUint } from '../numbers.js';

function parseAddr(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map((x) => parseInt(x, 10));
  if (parts.some((x) => x > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** `P[-Q]` (`--to-ports`); an error message when invalid. */
export function parsePorts(text: string): { min: number; max: number } | string {
  const [a, b, extra] = text.split('-');
  const min = parseUint(a, 65535);
  const max = b === undefined ? min : parseUint(b, 65535);
  if (extra !== undefined || min === undefined || max === undefined || !/^[0-9]+$/.test(a)) return `Port \`${text}' not valid`;
  if (min > max) return `Port range \`${text}' not valid`;
  return { min, max };
}

/** `A[-B][:P[-Q]]` (`--to-destination`, `--to-source`). */
export function parseNatRange(text: string): NatRange | string {
  const colon = text.indexOf(':');
  const addrPart = colon < 0 ? text : text.slice(0, colon);
  const range: NatRange = { minAddr: 0, maxAddr: 0 };
  if (colon >= 0) {
    const ports = parsePorts(text.slice(colon + 1));
    if (typeof ports === 'string') return ports;
    range.ports = ports;
  }
  const dash = addrPart.indexOf('-');
  const lo = parseAddr(dash < 0 ? addrPart : addrPart.slice(0, dash));
  const hi = dash < 0 ? lo : parseAddr(addrPart.slice(dash + 1));
  if (lo === undefined || hi === undefined) return `Bad IP address "${addrPart}"`;
  if (lo > hi) return `Bad IP address range "${addrPart}"`;
  range.minAddr = lo;
  range.maxAddr = hi;
  return range;
}

export function formatPorts(p: { min: number; max: number }): string {
  return p.min === p.max ? `${p.min}` : `${p.min}-${p.max}`;
}

export function formatNatRange(r: NatRange): string {
  const addr = r.minAddr === r.maxAddr ? formatIpv4(r.minAddr) : `${formatIpv4(r.minAddr)}-${formatIpv4(r.maxAddr)}`;
  return r.ports ? `${addr}:${formatPorts(r.ports)}` : addr;
}

/**
 * Ports in a NAT range need `-p` tcp, udp, sctp, dccp or icmp, given before the option (the check in the
 * parse callbacks of extensions/libxt_NAT.c reads the entry parsed so far): the inversion is not looked at, so
 * `! -p tcp` passes, and udplite does not.
 */
export function portsNeedProto(env: RuleEnv): boolean {
  return ![6, 17, 132, 33, 1].includes(env.proto);
}

export const NEED_PROTO = 'Need TCP, UDP, SCTP or DCCP with port specification';
