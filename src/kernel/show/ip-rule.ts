// `ip rule show` (iproute2 6.1 ip/iprule.c, print_rule()) for one namespace.

import type { Netns } from '../netns/netns.js';
import type { FibRule } from '../route/fib.js';
import { describeRule } from '../route/route-text.js';

/**
 * One rule line: describeRule()'s words, a tab after the priority instead of a space, and `[detached]` after
 * an `iif`/`oif` naming no device here (FIB_RULE_IIF_DETACHED / FIB_RULE_OIF_DETACHED).
 */
function ruleLine(ns: Netns, r: FibRule): string {
  const detached = (dev: string | null): string | null => (dev !== null && ns.device(dev) === undefined ? `${dev} [detached]` : dev);
  const text = describeRule({ ...r, iif: detached(r.iif), oif: detached(r.oif) });
  return `${text.replace(/^(\d+): /, '$1:\t')}\n`;
}

/** `ip rule show`: the rules in list order, which fib_nl_newrule() keeps sorted by priority. */
export function showRule(ns: Netns): string {
  return ns.fib.rules.map((r) => ruleLine(ns, r)).join('');
}
