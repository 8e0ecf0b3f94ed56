// Linux: mark_mt() in net/netfilter/xt_mark.c: (skb->mark & mask) == mark, optionally inverted.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { formatMarkMask, parseMarkMask } from '../numbers.js';

/**
 * A `--mark VALUE[/MASK]` match over some mark of the packet: `read` returns the mark to test, or null when
 * there is none (no connection, for connmark), which never matches, inverted or not.
 */
export function markLikeMatch(name: string, read: (ctx: NfPacketContext) => number | null): MatchModule {
  return {
    name,
    options: [{ name: 'mark', args: 1, invertible: true }],
    create() {
      let mm: { value: number; mask: number; invert: boolean } | null = null;
      return {
        option(_name, args, invert) {
          const v = parseMarkMask(args[0]);
          if (!v) return `${name}: bad integer value for option "--mark", or out of range.`;
          mm = { ...v, invert };
          return undefined;
        },
        finish() {
          const m = mm as { value: number; mask: number; invert: boolean } | null;
          if (!m) return `${name}: option "--mark" must be specified`;
          return {
            module: name,
            saveText: `${m.invert ? '! ' : ''}--mark ${formatMarkMask(m.value, m.mask)}`,
            pure: true,
            match: (ctx: NfPacketContext) => {
              const mark = read(ctx);
              return mark !== null && (((mark & m.mask) >>> 0) === m.value) !== m.invert;
            },
          };
        },
      };
    },
  };
}

export const markMatch: MatchModule = markLikeMatch('mark', (ctx) => ctx.mark);
