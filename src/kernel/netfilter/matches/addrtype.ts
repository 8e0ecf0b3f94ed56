// Linux: addrtype_mt_v1() in net/netfilter/xt_addrtype.c; names and save order from extensions/libxt_addrtype.c.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import type { AddrType } from '../context.js';

/** RTN_* types in bit order (1 << RTN_x), the order addrtype_save() prints them. */
const TYPES: readonly AddrType[] = [
  'UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE',
];

function parseTypes(text: string): number | string {
  let bits = 0;
  for (const name of text.split(',')) {
    const i = TYPES.indexOf(name.toUpperCase() as AddrType);
    if (i < 0) return `addrtype: bad type "${name}"`;
    bits |= 1 << i;
  }
  return bits;
}

function formatTypes(bits: number): string {
  return TYPES.filter((_, i) => bits & (1 << i)).join(',');
}

export const addrtypeMatch: MatchModule = {
  name: 'addrtype',
  options: [
    { name: 'src-type', args: 1, invertible: true },
    { name: 'dst-type', args: 1, invertible: true },
    { name: 'limit-iface-in', args: 0 },
    { name: 'limit-iface-out', args: 0 },
  ],
  create() {
    const s: { src?: { bits: number; invert: boolean }; dst?: { bits: number; invert: boolean }; limitIn: boolean; limitOut: boolean } = {
      limitIn: false,
      limitOut: false,
    };
    return {
      option(name, args, invert) {
        if (name === 'limit-iface-in') s.limitIn = true;
        else if (name === 'limit-iface-out') s.limitOut = true;
        else {
          const bits = parseTypes(args[0]);
          if (typeof bits === 'string') return bits;
          if (name === 'src-type') s.src = { bits, invert };
          else s.dst = { bits, invert };
        }
        return undefined;
      },
      finish() {
        if (s.limitIn && s.limitOut) return 'addrtype: you can\'t specify both --limit-iface-in and --limit-iface-out';
        const w: string[] = [];
        if (s.src) w.push(`${s.src.invert ? '! ' : ''}--src-type ${formatTypes(s.src.bits)}`);
        if (s.dst) w.push(`${s.dst.invert ? '! ' : ''}--dst-type ${formatTypes(s.dst.bits)}`);
        if (s.limitIn) w.push('--limit-iface-in');
        if (s.limitOut) w.push('--limit-iface-out');
        return {
          module: 'addrtype',
          saveText: w.join(' '),
          pure: true,
          // addrtype_mt_checkentry_v1(): an output interface limit is not valid in PREROUTING and INPUT, an input
          // one not in POSTROUTING and OUTPUT (in a rule written in a base chain: hook-mask.ts entryHooks()).
          ...(s.limitOut ? { hooks: ['FORWARD', 'OUTPUT', 'POSTROUTING'] as const } : s.limitIn ? { hooks: ['PREROUTING', 'INPUT', 'FORWARD'] as const } : {}),
          match(ctx: NfPacketContext) {
            const dev = s.limitIn ? ctx.in : s.limitOut ? ctx.out : null;
            const test = (addr: number, f: { bits: number; invert: boolean }) =>
              ((f.bits & (1 << TYPES.indexOf(ctx.addrType(addr, dev)))) !== 0) !== f.invert;
            if (s.src && !test(ctx.packet.ip.src, s.src)) return false;
            if (s.dst && !test(ctx.packet.ip.dst, s.dst)) return false;
            return true;
          },
        };
      },
    };
  },
};
