// Linux: state_mt() in net/netfilter/xt_state.c (the old `-m state`, a subset of `-m conntrack --ctstate`).

import type { MatchModule } from '../module.js';
import type { NfPacketContext } from '../context.js';
import { ctStateBits, formatStateList, parseStateList, STATE_DNAT, STATE_SNAT } from './ct-state.js';

const ALLOWED = 0x7f & ~(STATE_SNAT | STATE_DNAT);

export const stateMatch: MatchModule = {
  name: 'state',
  options: [{ name: 'state', args: 1, invertible: true }],
  create() {
    let st: { bits: number; invert: boolean } | null = null;
    return {
      option(_name, args, invert) {
        const bits = parseStateList(args[0], ALLOWED);
        if (bits === undefined) return `Bad state "${args[0].split(',').find((n) => parseStateList(n, ALLOWED) === undefined) ?? args[0]}"`;
        st = { bits, invert };
        return undefined;
      },
      finish() {
        const s = st as { bits: number; invert: boolean } | null;
        if (!s) return 'state: option "--state" must be specified';
        return {
          module: 'state',
          saveText: `${s.invert ? '! ' : ''}--state ${formatStateList(s.bits)}`,
          pure: true,
          match: (ctx: NfPacketContext) => ((ctStateBits(ctx) & s.bits) !== 0) !== s.invert,
        };
      },
    };
  },
};
