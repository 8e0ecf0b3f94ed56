// Linux: physdev_mt() in net/netfilter/xt_physdev.c, on the bridge ports br_netfilter recorded
// (ctx.physIn / ctx.physOut / ctx.bridged). Save order from physdev_save() in extensions/libxt_physdev.c.

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { checkInterface } from '../basic-filter.js';

interface Spec {
  isIn?: boolean;
  in?: { name: string; invert: boolean };
  isOut?: boolean;
  out?: { name: string; invert: boolean };
  bridged?: boolean;
}

function nameMatches(dev: string, pattern: string): boolean {
  return pattern.endsWith('+') ? dev.startsWith(pattern.slice(0, -1)) : dev === pattern;
}

function evaluate(s: Spec, ctx: NfPacketContext): boolean {
  const hasBridgeInfo = ctx.physIn !== null || ctx.physOut !== null || ctx.bridged;
  if (!hasBridgeInfo) {
    // Not a bridged packet: match only if every used option is inverted.
    return s.isIn !== false && s.isOut !== false && s.bridged !== false && (!s.in || s.in.invert) && (!s.out || s.out.invert);
  }
  // undefined: option not used; true: inverted; false: plain.
  if (s.bridged !== undefined && ctx.bridged === s.bridged) return false;
  if (s.isIn !== undefined && (ctx.physIn !== null) === s.isIn) return false;
  if (s.isOut !== undefined && (ctx.physOut !== null) === s.isOut) return false;
  if (s.in && ctx.physIn !== null && nameMatches(ctx.physIn, s.in.name) === s.in.invert) return false;
  if (s.out && ctx.physOut !== null && nameMatches(ctx.physOut, s.out.name) === s.out.invert) return false;
  return true;
}

export const physdevMatch: MatchModule = {
  name: 'physdev',
  options: [
    { name: 'physdev-in', args: 1, invertible: true },
    { name: 'physdev-out', args: 1, invertible: true },
    { name: 'physdev-is-in', args: 0, invertible: true },
    { name: 'physdev-is-out', args: 0, invertible: true },
    { name: 'physdev-is-bridged', args: 0, invertible: true },
  ],
  create() {
    const s: Spec = {};
    return {
      option(name, args, invert) {
        if (name === 'physdev-in' || name === 'physdev-out') {
          const err = checkInterface(args[0]);
          if (err) return err;
          if (name === 'physdev-in') s.in = { name: args[0], invert };
          else s.out = { name: args[0], invert };
        } else if (name === 'physdev-is-in') s.isIn = invert;
        else if (name === 'physdev-is-out') s.isOut = invert;
        else s.bridged = invert;
        return undefined;
      },
      finish() {
        const neg = (inv: boolean) => (inv ? '! ' : '');
        const w: string[] = [];
        if (s.isIn !== undefined) w.push(`${neg(s.isIn)}--physdev-is-in`);
        if (s.in) w.push(`${neg(s.in.invert)}--physdev-in ${s.in.name}`);
        if (s.isOut !== undefined) w.push(`${neg(s.isOut)}--physdev-is-out`);
        if (s.out) w.push(`${neg(s.out.invert)}--physdev-out ${s.out.name}`);
        if (s.bridged !== undefined) w.push(`${neg(s.bridged)}--physdev-is-bridged`);
        if (w.length === 0) return 'PHYSDEV: no physdev option specified';
        // physdev_mt_check(): --physdev-out and --physdev-is-out (either way) only with --physdev-is-bridged, in
        // a rule its own base chain puts at LOCAL_OUT (hook-mask.ts entryHooks()).
        const outUnbridged = (s.out !== undefined || s.isOut !== undefined) && s.bridged !== false;
        return {
          module: 'physdev', saveText: w.join(' '), pure: true,
          ...(outUnbridged ? { hooks: ['PREROUTING', 'INPUT', 'FORWARD', 'POSTROUTING'] as const } : {}),
          match: (ctx: NfPacketContext) => evaluate(s, ctx),
        };
      },
    };
  },
};
