// Linux: connmark_mt() in net/netfilter/xt_connmark.c: (ct->mark & mask) == mark; no conntrack, no match.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatMarkMask, parseMarkMask } from '../numbers.js';

export const connmarkMatch: MatchModule = {
  name: 'connmark',
  options: [{ name: 'mark', args: 1, invertible: true }],
  create() {
    let mm: { value: number; mask: number; invert: boolean } | null = null;
    return {
      option(_name, args, invert) {
        const v = parseMarkMask(args[0]);
        if (!v) return 'connmark: bad integer value for option "--mark", or out of range.';
        mm = { ...v, invert };
        return undefined;
      },
      finish() {
        const m = mm as { value: number; mask: number; invert: boolean } | null;
        if (!m) return 'connmark: option "--mark" must be specified';
        return {
          module: 'connmark',
          saveText: `${m.invert ? '! ' : ''}--mark ${formatMarkMask(m.value, m.mask)}`,
          pure: true,
          match: (ctx: NfPacketContext) => ctx.ct !== null && (((ctx.ct.mark & m.mask) >>> 0) === m.value) !== m.invert,
        };
      },
    };
  },
};
