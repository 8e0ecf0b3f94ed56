// Linux: mark_mt() in net/netfilter/xt_mark.c: (skb->mark & mask) == mark, optionally inverted.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatMarkMask, parseMarkMask } from '../numbers.js';

export const markMatch: MatchModule = {
  name: 'mark',
  options: [{ name: 'mark', args: 1, invertible: true }],
  create() {
    let mm: { value: number; mask: number; invert: boolean } | null = null;
    return {
      option(_name, args, invert) {
        const v = parseMarkMask(args[0]);
        if (!v) return 'mark: bad integer value for option "--mark", or out of range.';
        mm = { ...v, invert };
        return undefined;
      },
      finish() {
        const m = mm as { value: number; mask: number; invert: boolean } | null;
        if (!m) return 'mark: option "--mark" must be specified';
        return {
          module: 'mark',
          saveText: `${m.invert ? '! ' : ''}--mark ${formatMarkMask(m.value, m.mask)}`,
          pure: true,
          match: (ctx: NfPacketContext) => (((ctx.mark & m.mask) >>> 0) === m.value) !== m.invert,
        };
      },
    };
  },
};
