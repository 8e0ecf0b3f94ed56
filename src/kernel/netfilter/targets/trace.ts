// Linux: trace_tg() in net/netfilter/xt_TRACE.c sets skb->nf_trace and continues; here it reports an event.

import type { TargetModule } from '../module.js';

export const traceTarget: TargetModule = {
  name: 'TRACE',
  tables: ['raw'],
  options: [],
  create: () => ({
    option: () => undefined,
    finish: () => ({ name: 'TRACE', saveText: '', apply: () => ({ kind: 'continue', event: { kind: 'trace', prefix: '', level: 4 } }) }),
  }),
};
