// Linux: tcp_mt() in net/netfilter/xt_tcpudp.c; options and save form from extensions/libxt_tcp.c.

import type { Match, MatchModule } from '../module.js';
import type { TcpFlags } from '../../../wire/headers.js';
import { formatPortRange, parsePortRange, parseUint, type PortRange } from '../numbers.js';
import { inRange } from './l4-ports.js';

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

interface Ports {
  range: PortRange;
  invert: boolean;
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
    let sport: Ports | null = null;
    let dport: Ports | null = null;
    let flags: { mask: number; cmp: number; invert: boolean } | null = null;
    let option: { kind: number; invert: boolean } | null = null;
    return {
      option(name, args, invert) {
        if (name === 'sport' || name === 'source-port' || name === 'dport' || name === 'destination-port') {
          const range = parsePortRange(args[0]);
          if (typeof range === 'string') return range;
          if (name === 'sport' || name === 'source-port') sport = { range, invert };
          else dport = { range, invert };
          return undefined;
        }
        if (name === 'tcp-flags' || name === 'syn') {
          if (flags) return 'Only one of `--syn\' or `--tcp-flags\' may be specified';
          if (name === 'syn') {
            flags = { mask: 0x17, cmp: 0x02, invert };
            return undefined;
          }
          const mask = parseFlags(args[0]);
          const cmp = parseFlags(args[1]);
          if (typeof mask === 'string') return mask;
          if (typeof cmp === 'string') return cmp;
          flags = { mask, cmp, invert };
          return undefined;
        }
        const kind = parseUint(args[0], 255);
        if (kind === undefined) return `tcp: bad value for option "--tcp-option", or out of range (0-255).`;
        option = { kind, invert };
        return undefined;
      },
      finish(env) {
        if (env.proto !== 6 || env.protoInvert) return "TCP match requires '-p tcp'";
        const s = sport as Ports | null;
        const d = dport as Ports | null;
        const f = flags as { mask: number; cmp: number; invert: boolean } | null;
        const o = option as { kind: number; invert: boolean } | null;
        const words: string[] = [];
        if (s) words.push(`${s.invert ? '! ' : ''}--sport ${formatPortRange(s.range)}`);
        if (d) words.push(`${d.invert ? '! ' : ''}--dport ${formatPortRange(d.range)}`);
        if (o) words.push(`${o.invert ? '! ' : ''}--tcp-option ${o.kind}`);
        if (f) words.push(`${f.invert ? '! ' : ''}--tcp-flags ${formatTcpFlags(f.mask)} ${formatTcpFlags(f.cmp)}`);
        const m: Match = {
          module: 'tcp',
          saveText: words.join(' '),
          pure: true,
          exactDport: d && !d.invert && d.range.min === d.range.max ? d.range.min : undefined,
          match(ctx) {
            const p = ctx.packet;
            // tcp_mt(): a non-first fragment never matches.
            if (p.ip.fragOffset !== 0 || p.l4.proto !== 'tcp') return false;
            const t = p.l4.tcp;
            if (s && inRange(t.sport, s.range) === s.invert) return false;
            if (d && inRange(t.dport, d.range) === d.invert) return false;
            if (f && ((tcpFlagBits(t.flags) & f.mask) === f.cmp) === f.invert) return false;
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
