// struct ipt_ip: the filter every rule applies before its matches. Parsing follows xtables_ipparse_multiple()
// and xtables_parse_interface(); matching follows ip_packet_match() in net/ipv4/netfilter/ip_tables.c; printing
// follows nft_ipv4_save_rule() / save_rule_details() in iptables/nft-ipv4.c and nft-shared.c.

import type { NfPacketContext } from './context.js';
import type { AddrFilter, IfaceFilter, RuleBasics } from './ruleset.js';
import { formatIpv4, prefixMask } from '../../wire/ipv4-addr.js';
import { protocolName } from './protocols.js';

/** IFNAMSIZ - 1: the longest interface name the kernel stores. */
const IFNAMSIZ = 16;

/** xtables_numeric_to_ipaddr(): 1 to 4 decimal parts, missing trailing parts are zero ("1.2.3" is 1.2.3.0). */
function parseDottedLoose(text: string): number | undefined {
  let addr = 0;
  let parts = 0;
  let octet = 0;
  let digits = 0;
  // Each part is 1 to 3 decimal digits up to 255; the end of the text closes the last one.
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      octet = octet * 10 + (c - 48);
      continue;
    }
    if (c !== 46 || digits === 0 || octet > 255 || ++parts > 4) return undefined;
    addr = addr * 256 + octet;
    octet = 0;
    digits = 0;
  }
  for (; parts < 4; parts++) addr *= 256;
  return addr >>> 0;
}

/** The prefix length of a contiguous mask, -1 for a non-contiguous one. */
export function contiguousLen(mask: number): number {
  for (let len = 0; len <= 32; len++) if (prefixMask(len) === mask >>> 0) return len;
  return -1;
}

/**
 * One `A[/M]` word, M a length or a dotted mask, with the address as written (host bits kept): what
 * XTTYPE_HOSTMASK options such as conntrack's --ctorigsrc store. Names are not resolved: a word that is not
 * numeric is an unknown host.
 */
export function parseHostMask(item: string): { addr: number; mask: number } | string {
  const slash = item.indexOf('/');
  const host = slash < 0 ? item : item.slice(0, slash);
  let mask = 0xffffffff;
  if (slash >= 0) {
    const m = item.slice(slash + 1);
    if (/^[0-9]+$/.test(m)) {
      const len = parseInt(m, 10);
      if (len > 32) return `invalid mask \`${m}' specified`;
      mask = prefixMask(len);
    } else {
      const dotted = m.includes('.') ? parseDottedLoose(m) : undefined;
      if (dotted === undefined) return `invalid mask \`${m}' specified`;
      mask = dotted;
    }
  }
  const addr = parseDottedLoose(host);
  if (addr === undefined) return `host/network \`${host}' not found`;
  return { addr, mask };
}

/**
 * `-s` / `-d` words: `A[/M][,A[/M]...]`. Each address becomes a rule of its own, as xtables_ipparse_multiple()
 * does, with its host bits cleared.
 */
export function parseAddressList(text: string): Array<{ addr: number; mask: number }> | string {
  const out: Array<{ addr: number; mask: number }> = [];
  for (const item of text.split(',')) {
    const a = parseHostMask(item);
    if (typeof a === 'string') return a;
    out.push({ addr: (a.addr & a.mask) >>> 0, mask: a.mask });
  }
  return out;
}

/** xtables_parse_interface(): the name as given; `+` at the end is the wildcard. */
export function checkInterface(name: string): string | undefined {
  if (name.length >= IFNAMSIZ) return `interface name \`${name}' must be shorter than IFNAMSIZ (${IFNAMSIZ - 1})`;
  return undefined;
}

/** The address as iptables-save prints it: `A/len`, or `A/dotted` for a non-contiguous mask. */
export function formatAddrFilter(f: AddrFilter): string {
  const len = contiguousLen(f.mask);
  return len < 0 ? `${formatIpv4(f.addr)}/${formatIpv4(f.mask)}` : `${formatIpv4(f.addr)}/${len}`;
}

function flag(invert: boolean, opt: string, value: string): string {
  return `${invert ? '! ' : ''}${opt} ${value}`;
}

/** `-s -d -i -o -p -f` in the order iptables-save (nft backend) prints them; a /0 address prints nothing. */
export function formatBasics(b: RuleBasics): string[] {
  const words: string[] = [];
  if (b.src && (b.src.mask !== 0 || b.src.invert)) words.push(flag(b.src.invert, '-s', formatAddrFilter(b.src)));
  if (b.dst && (b.dst.mask !== 0 || b.dst.invert)) words.push(flag(b.dst.invert, '-d', formatAddrFilter(b.dst)));
  if (b.in) words.push(flag(b.in.invert, '-i', b.in.name));
  if (b.out) words.push(flag(b.out.invert, '-o', b.out.name));
  if (b.proto !== 0) words.push(flag(b.protoInvert, '-p', protocolName(b.proto)));
  if (b.fragment) words.push(b.fragment.invert ? '! -f' : '-f');
  return words;
}

/** Which basic predicate rejects the packet, or null when all pass (ip_packet_match()). */
export type BasicFailure = '-s' | '-d' | '-i' | '-o' | '-p' | '-f';

function ifaceMatches(f: IfaceFilter, dev: string | null): boolean {
  const name = dev ?? '';
  const hit = f.name.endsWith('+') ? name.startsWith(f.name.slice(0, -1)) : name === f.name;
  return hit !== f.invert;
}

export function basicsFailure(b: RuleBasics, ctx: NfPacketContext): BasicFailure | null {
  const ip = ctx.packet.ip;
  if (b.src && (((ip.src & b.src.mask) >>> 0) === b.src.addr) === b.src.invert) return '-s';
  if (b.dst && (((ip.dst & b.dst.mask) >>> 0) === b.dst.addr) === b.dst.invert) return '-d';
  if (b.in && !ifaceMatches(b.in, ctx.in)) return '-i';
  if (b.out && !ifaceMatches(b.out, ctx.out)) return '-o';
  if (b.proto !== 0 && (ip.protocol === b.proto) === b.protoInvert) return '-p';
  if (b.fragment && (ip.fragOffset !== 0) === b.fragment.invert) return '-f';
  return null;
}
