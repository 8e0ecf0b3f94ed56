// Linux: connmark_tg() in net/netfilter/xt_connmark.c (revision 1, no shifts). SET: ctmark = (ctmark & ~ctmask)
// ^ ctmark_value; SAVE: ctmark = (ctmark & ~ctmask) ^ (skb->mark & nfmask); RESTORE: skb->mark = (skb->mark &
// ~nfmask) ^ (ctmark & ctmask). The new ct mark is written to `ctx.ct.mark`; without a connection nothing happens.

import type { TargetModule } from '../module.js';
import { hex, parseMarkMask, parseUint } from '../numbers.js';

type Mode = { kind: 'set'; mark: number; mask: number } | { kind: 'save' | 'restore'; nfmask: number; ctmask: number };

export const connmarkTarget: TargetModule = {
  name: 'CONNMARK',
  options: [
    ...['set-mark', 'set-xmark', 'or-mark', 'and-mark', 'xor-mark'].map((name) => ({ name, args: 1 as const })),
    { name: 'save-mark', args: 0 },
    { name: 'restore-mark', args: 0 },
    { name: 'mask', args: 1 },
    { name: 'nfmask', args: 1 },
    { name: 'ctmask', args: 1 },
  ],
  create() {
    let mode: Mode | null = null;
    const masks: { nf?: number; ct?: number } = {};
    return {
      option(name, args) {
        if (name === 'mask' || name === 'nfmask' || name === 'ctmask') {
          const v = parseUint(args[0]);
          if (v === undefined) return `CONNMARK: bad value for option "--${name}", or out of range (0-4294967295).`;
          if (name !== 'ctmask') masks.nf = v;
          if (name !== 'nfmask') masks.ct = v;
          return undefined;
        }
        if (mode) return 'CONNMARK target: Can specify only one action';
        if (name === 'save-mark' || name === 'restore-mark') {
          mode = { kind: name === 'save-mark' ? 'save' : 'restore', nfmask: 0xffffffff, ctmask: 0xffffffff };
          return undefined;
        }
        if (name === 'set-mark' || name === 'set-xmark') {
          const v = parseMarkMask(args[0]);
          if (!v) return `CONNMARK: bad value for option "--${name}", or out of range (0-4294967295).`;
          mode = { kind: 'set', mark: v.value, mask: name === 'set-mark' ? (v.value | v.mask) >>> 0 : v.mask };
          return undefined;
        }
        const v = parseUint(args[0]);
        if (v === undefined) return `CONNMARK: bad value for option "--${name}", or out of range (0-4294967295).`;
        if (name === 'or-mark') mode = { kind: 'set', mark: v, mask: v };
        else if (name === 'and-mark') mode = { kind: 'set', mark: 0, mask: ~v >>> 0 };
        else mode = { kind: 'set', mark: v, mask: 0 };
        return undefined;
      },
      finish() {
        const m0 = mode as Mode | null;
        if (!m0) return 'CONNMARK target: No operation specified';
        const m: Mode = m0.kind === 'set' ? m0 : { kind: m0.kind, nfmask: masks.nf ?? m0.nfmask, ctmask: masks.ct ?? m0.ctmask };
        const saveText = m.kind === 'set'
          ? `--set-xmark ${hex(m.mark)}/${hex(m.mask)}`
          : `--${m.kind}-mark --nfmask ${hex(m.nfmask)} --ctmask ${hex(m.ctmask)}`;
        return {
          name: 'CONNMARK',
          saveText,
          apply(ctx) {
            const ct = ctx.ct;
            if (ct === null) return { kind: 'continue' };
            if (m.kind === 'set') ct.mark = ((ct.mark & ~m.mask) ^ m.mark) >>> 0;
            else if (m.kind === 'save') ct.mark = ((ct.mark & ~m.ctmask) ^ (ctx.mark & m.nfmask)) >>> 0;
            else ctx.mark = ((ctx.mark & ~m.nfmask) ^ (ct.mark & m.ctmask)) >>> 0;
            return { kind: 'continue' };
          },
        };
      },
    };
  },
};
