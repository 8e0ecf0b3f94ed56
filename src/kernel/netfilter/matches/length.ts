// Linux: length_mt() in net/netfilter/xt_length.c: the IP total length (ntohs(iph->tot_len)) inside an
// inclusive range; options and save form from extensions/libxt_length.c (`--length N` is N:N and prints as N;
// `:N` is 0:N and `N:` is N:65535, both printed in full).

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { ipPacketLength } from '../../../packet/codec.js';

function parseBound(text: string, fallback: number): number | undefined {
  if (text === '') return fallback;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

export const lengthMatch: MatchModule = {
  name: 'length',
  options: [{ name: 'length', args: 1, invertible: true }],
  create() {
    let s: { min: number; max: number; invert: boolean } | null = null;
    return {
      option(_name, args, invert) {
        const a = args[0];
        const colon = a.indexOf(':');
        const min = parseBound(colon < 0 ? a : a.slice(0, colon), 0);
        const max = colon < 0 ? min : parseBound(a.slice(colon + 1), 65535);
        if (min === undefined || max === undefined || (colon < 0 && a === '')) {
          const near = colon < 0 ? a : min === undefined ? a.slice(0, colon) : a.slice(colon + 1);
          return `length: bad value for option "--length" near "${near}", or out of range (0-65535).`;
        }
        s = { min, max, invert };
        return undefined;
      },
      finish() {
        const r = s as { min: number; max: number; invert: boolean } | null;
        if (!r) return 'length: option "--length" must be specified';
        return {
          module: 'length',
          saveText: `${r.invert ? '! ' : ''}--length ${r.min === r.max ? r.min : `${r.min}:${r.max}`}`,
          pure: true,
          match: (ctx: NfPacketContext) => {
            // The model keeps tot_len implicit (0 until the packet is encoded): its length is computed.
            const len = ipPacketLength(ctx.packet);
            return (len >= r.min && len <= r.max) !== r.invert;
          },
        };
      },
    };
  },
};
