// Linux: mark_tg() in net/netfilter/xt_mark.c: skb->mark = (skb->mark & ~mask) ^ mark. Every option form is
// stored as (mark, mask) and printed as `--set-xmark` (mark_tg_parse() / mark_tg_save() in libxt_MARK.c).

import type { TargetModule } from '../module.js';
import { formatMarkMask, hex, parseMarkMask, parseUint } from '../numbers.js';

export const markTarget: TargetModule = {
  name: 'MARK',
  options: ['set-mark', 'set-xmark', 'or-mark', 'and-mark', 'xor-mark'].map((name) => ({ name, args: 1 as const })),
  create() {
    let mm: { mark: number; mask: number } | null = null;
    return {
      option(name, args) {
        if (mm) return 'MARK target: Can specify only one action';
        if (name === 'set-mark' || name === 'set-xmark') {
          const v = parseMarkMask(args[0]);
          if (!v) return `MARK: bad value for option "--${name}", or out of range (0-4294967295).`;
          mm = name === 'set-mark' ? { mark: v.value, mask: (v.value | v.mask) >>> 0 } : { mark: v.value, mask: v.mask };
          return undefined;
        }
        const v = parseUint(args[0]);
        if (v === undefined) return `MARK: bad value for option "--${name}", or out of range (0-4294967295).`;
        if (name === 'or-mark') mm = { mark: v, mask: v };
        else if (name === 'and-mark') mm = { mark: 0, mask: ~v >>> 0 };
        else mm = { mark: v, mask: 0 };
        return undefined;
      },
      finish() {
        const m = mm as { mark: number; mask: number } | null;
        if (!m) return 'MARK target: Parameter --set/and/or/xor-mark is required';
        return {
          name: 'MARK',
          saveText: `--set-xmark ${hex(m.mark)}/${hex(m.mask)}`,
          apply(ctx) {
            ctx.mark = ((ctx.mark & ~m.mask) ^ m.mark) >>> 0;
            return { kind: 'continue' };
          },
        };
      },
    };
  },
};

export { formatMarkMask };
