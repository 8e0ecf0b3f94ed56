// Linux: connmark_mt() in net/netfilter/xt_connmark.c: (ct->mark & mask) == mark; no conntrack, no match.

import type { MatchModule } from '../module.js';
import { markLikeMatch } from './mark.js';

export const connmarkMatch: MatchModule = markLikeMatch('connmark', (ctx) => (ctx.ct === null ? null : ctx.ct.mark));
