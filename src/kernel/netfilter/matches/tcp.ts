// Linux: tcp_mt() in net/netfilter/xt_tcpudp.c; options and save form from extensions/libxt_tcp.c.

import type { Match, MatchModule } from '../module.js';
import type { TcpFlags } from '../../../wire/headers.js';
import { formatPortRange, parsePortRange, parseUint } from '../numbers.js';
import { defaultPortTest, inRange, nftPortTest, type PortTest } from './l4-ports.js';

const FLAG_BITS: ReadonlyArray<readonly [string, number]> = [
  ['FIN', 0x01], ['SYN', 0x02], ['RST', 0x04], ['PSH', 0x08], ['ACK', 0x10], ['URG', 0x20], ['ECE', 0x40], ['CWR', 0x80],
];
const ALL = 0x3f;

function parseFlags(text: string): number | string {
  let v = 0;
  for (const name of text.split(',')) {
    const up = name.toUpperCase();
    if (up === 'ALL') v |= ALL;
    else if (up === 'NONE') continue;
    else {
      const bit = FLAG_BITS.find(([n]) => n === up);
      if (!bit) return `Unknown TCP flag \`${name}'`;
      v |= bit[1];
    }
  }
  return v;
}

export function formatTcpFlags(v: number): string {
  if (v === 0) return 'NONE';
  return FLAG_BITS.filter(([, b]) => v & b).map(([n]) => n).join(',');
}

export function tcpFlagBits(f: TcpFlags): number {
  return (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0) | (f.urg ? 32 : 0) | (f.ece ? 64 : 0) | (f.cwr ? 128 : 0);
}

interface Flags {
  mask: number;
  cmp: number;
  invert: boolean;
}

interface TcpSpec {
  s: PortTest | null;
  d: PortTest | null;
  option: { kind: number; invert: boolean } | null;
  flags: Flags | null;
}

/** tcp_save() in extensions/libxt_tcp.c: full port ranges and a zero flags mask (unless inverted) print nothing. */
function saveText(t: TcpSpec): string {
  const words: string[] = [];
  const port = (opt: string, p: PortTest | null): void => {
    if (p && !defaultPortTest({ ...p, invert: false })) words.push(`${p.invert ? '! ' : ''}${opt} ${formatPortRange(p.range)}`);
  };
  port('--sport', t.s);
  port('--dport', t.d);
  if (t.option) words.push(`${t.option.invert ? '! ' : ''}--tcp-option ${t.option.kind}`);
  const f = t.flags;
  if (f && (f.mask !== 0 || f.invert)) words.push(`${f.invert ? '! ' : ''}--tcp-flags ${formatTcpFlags(f.mask)} ${formatTcpFlags(f.cmp)}`);
  return words.join(' ');
}

/**
 * What iptables-nft keeps of a tcp match: with --tcp-option it stays an xt match (the kernel's tcp_mt() on the
 * struct as given); a match with every field at its default stays an empty `-m tcp`; anything else becomes
 * payload expressions (add_nft_tcp()): port tests as nftPortTest() says, and no flags test for a zero mask.
 * Null when no expression is left, so the rule has no tcp match at all.
 */
function stored(t: TcpSpec): TcpSpec | null {
  if (t.option) return t;
  const f = t.flags;
  if (defaultPortTest(t.s) && defaultPortTest(t.d) && (!f || (f.mask === 0 && f.cmp === 0 && !f.invert))) {
    return { s: null, d: null, option: null, flags: null };
  }
  const kept: TcpSpec = { s: nftPortTest(t.s), d: nftPortTest(t.d), option: null, flags: f && f.mask !== 0 ? f : null };
  return kept.s || kept.d || kept.flags ? kept : null;
}

export const tcpMatch: MatchModule = {
  name: 'tcp',
  options: [
    { name: 'sport', args: 1, invertible: true },
    { name: 'source-port', args: 1, invertible: true },
    { name: 'dport', args: 1, invertible: true },
    { name: 'destination-port', args: 1, invertible: true },
    { name: 'tcp-flags', args: 2, invertible: true },
    { name: 'syn', args: 0, invertible: true },
    { name: 'tcp-option', args: 1, invertible: true },
  ],
  create() {
    const spec: TcpSpec = { s: null, d: null, option: null, flags: null };
    return {
      option(name, args, invert) {
        if (name === 'sport' || name === 'source-port' || name === 'dport' || name === 'destination-port') {
          const range = parsePortRange(args[0], 'tcp');
          if (typeof range === 'string') return range;
          if (name === 'sport' || name === 'source-port') spec.s = { range, invert };
          else spec.d = { range, invert };
          return undefined;
        }
        if (name === 'tcp-flags' || name === 'syn') {
          if (spec.flags) return 'Only one of `--syn\' or `--tcp-flags\' may be specified';
          if (name === 'syn') {
            spec.flags = { mask: 0x17, cmp: 0x02, invert };
            return undefined;
          }
          const mask = parseFlags(args[0]);
          const cmp = parseFlags(args[1]);
          if (typeof mask === 'string') return mask;
          if (typeof cmp === 'string') return cmp;
          spec.flags = { mask, cmp, invert };
          return undefined;
        }
        // parse_tcp_option(): strtoui() into 1..255.
        const kind = parseUint(args[0], 255);
        if (kind === undefined || kind === 0) return `Bad TCP option "${args[0]}"`;
        spec.option = { kind, invert };
        return undefined;
      },
      finish(env) {
        if (env.proto !== 6 || env.protoInvert) return "TCP match requires '-p tcp'";
        const t = stored(spec);
        if (!t) return null;
        const { s, d, flags: f, option: o } = t;
        const m: Match = {
          module: 'tcp',
          saveText: saveText(t),
          pure: true,
          exactDport: d && !d.invert && d.range.min === d.range.max ? d.range.min : undefined,
          match(ctx) {
            const p = ctx.packet;
            // tcp_mt(): a non-first fragment never matches.
            if (p.ip.fragOffset !== 0 || p.l4.proto !== 'tcp') return false;
            const h = p.l4.tcp;
            if (s && inRange(h.sport, s.range) === s.invert) return false;
            if (d && inRange(h.dport, d.range) === d.invert) return false;
            if (f && ((tcpFlagBits(h.flags) & f.mask) === f.cmp) === f.invert) return false;
            // TCP options are not modelled (data offset is always 5): no option is present.
            if (o && !o.invert) return false;
            return true;
          },
        };
        return m;
      },
    };
  },
};
