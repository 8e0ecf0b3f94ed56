// `-R CHAIN N rule`: nft_cmd_rule_replace() → nft_rule_replace() (iptables/nft.c) finds rule N of the chain in
// the cache and batches the new rule with that rule's handle (NLM_F_REPLACE): rule N becomes the new rule, in
// place. iptables 1.8.9 (measured): past the chain's end "Index of replacement too big.", a missing chain "No
// chain/target/match by that name."; `-R C 0` and `-R C` without a number are refused by the parser.

import type { Chain, Rule } from './ruleset.js';

/** Replaces rule `index` (1-based) of `chain` (copy-on-write done by the caller) with `rule`; the refusal, if any. */
export function replaceRule(chain: Chain | undefined, index: number, rule: Rule): string | undefined {
  if (chain === undefined) return 'No chain/target/match by that name.';
  if (index > chain.rules.length) return 'Index of replacement too big.';
  chain.rules[index - 1] = rule;
  return undefined;
}
