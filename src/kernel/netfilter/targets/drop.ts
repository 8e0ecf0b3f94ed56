// Linux: the standard verdict DROP (struct xt_standard_target). NF_DROP: the packet is discarded (SKB_DROP_REASON_NETFILTER_DROP).

import type { TargetModule } from '../module.js';

export const dropTarget: TargetModule = {
  name: 'DROP',
  options: [],
  create: () => ({
    option: () => undefined,
    finish: () => ({ name: 'DROP', saveText: '', apply: () => ({ kind: 'drop' }) }),
  }),
};
