// Linux: the standard verdict ACCEPT (struct xt_standard_target). NF_ACCEPT: the packet leaves this table's walk accepted.

import type { TargetModule } from '../module.js';

export const acceptTarget: TargetModule = {
  name: 'ACCEPT',
  options: [],
  create: () => ({
    option: () => undefined,
    finish: () => ({ name: 'ACCEPT', saveText: '', apply: () => ({ kind: 'accept' }) }),
  }),
};
