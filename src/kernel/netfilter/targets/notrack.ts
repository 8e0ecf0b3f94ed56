// Linux: NOTRACK is an alias of `CT --notrack` (xt_ct.c notrack_tg()): attach the untracked template, continue.

import type { TargetModule } from '../module.js';

export const notrackTarget: TargetModule = {
  name: 'NOTRACK',
  tables: ['raw'],
  options: [],
  create: () => ({
    option: () => undefined,
    finish: () => ({ name: 'NOTRACK', saveText: '', apply: () => ({ kind: 'notrack' }) }),
  }),
};
