// Linux: iprange_mt4() in net/netfilter/xt_iprange.c (revision 1): the source and/or destination address
// inside an inclusive range; options and save form from extensions/libxt_iprange.c (a single address is the
// range from it to itself, and prints so).

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatIpv4, parseIpv4 } from '../../../wire/ipv4-addr.js';

interface Range {
  lo: number;
  hi: number;
  invert: boolean;
}

function parseRange(text: string): Range | string {
  const dash = text.indexOf('-');
  const lo = parseIpv4(dash < 0 ? text : text.slice(0, dash));
  if (lo === undefined) return dash < 0 ? text : text.slice(0, dash);
  const hi = dash < 0 ? lo : parseIpv4(text.slice(dash + 1));
  if (hi === undefined) return text.slice(dash + 1);
  return { lo, hi, invert: false };
}

export const iprangeMatch: MatchModule = {
  name: 'iprange',
  options: [{ name: 'src-range', args: 1, invertible: true }, { name: 'dst-range', args: 1, invertible: true }],
  create() {
    const s: { src?: Range; dst?: Range } = {};
    return {
      option(name, args, invert) {
        const r = parseRange(args[0]);
        if (typeof r === 'string') return `iprange: Bad value for "--${name}" option: "${r}"`;
        // A reversed range is taken (libxt_iprange only warns: "range ... is reversed and will never match").
        if (name === 'src-range') s.src = { ...r, invert };
        else s.dst = { ...r, invert };
        return undefined;
      },
      finish() {
        const { src, dst } = s;
        if (!src && !dst) return "iprange match: You must specify `--src-range' or `--dst-range'";
        const text = (o: string, r: Range) => `${r.invert ? '! ' : ''}--${o} ${formatIpv4(r.lo)}-${formatIpv4(r.hi)}`;
        const inRange = (a: number, r: Range) => (a >= r.lo && a <= r.hi) !== r.invert;
        return {
          module: 'iprange',
          saveText: [src ? text('src-range', src) : '', dst ? text('dst-range', dst) : ''].filter(Boolean).join(' '),
          pure: true,
          match: (ctx: NfPacketContext) => (!src || inRange(ctx.packet.ip.src, src)) && (!dst || inRange(ctx.packet.ip.dst, dst)),
        };
      },
    };
  },
};
