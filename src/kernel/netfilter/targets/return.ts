// Linux: the standard verdict RETURN (struct xt_standard_target). XT_RETURN: back to the calling chain; in a built-in chain, the chain's policy applies.

import type { TargetModule } from '../module.js';

export const returnTarget: TargetModule = {
  name: 'RETURN',
  options: [],
  create: () => ({
    option: () => undefined,
    finish: () => ({ name: 'RETURN', saveText: '', apply: () => ({ kind: 'return' }) }),
  }),
};
