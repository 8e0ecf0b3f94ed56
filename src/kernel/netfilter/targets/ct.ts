// Linux: xt_ct_target_v0() in net/netfilter/xt_CT.c. Only `--notrack` is modelled (zones, helpers and
// timeouts are not); save form from ct_save() in extensions/libxt_CT.c.

import type { TargetModule } from '../module.js';

export const ctTarget: TargetModule = {
  name: 'CT',
  tables: ['raw'],
  options: [{ name: 'notrack', args: 0 }],
  create() {
    let notrack = false;
    return {
      option() {
        notrack = true;
        return undefined;
      },
      finish() {
        if (!notrack) return 'CT: only --notrack is supported by packetwalk';
        return { name: 'CT', saveText: '--notrack', apply: () => ({ kind: 'notrack' }) };
      },
    };
  },
};
