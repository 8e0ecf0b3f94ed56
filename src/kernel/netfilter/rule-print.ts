// A rule as iptables-save (nft backend) prints it: nft_ipv4_save_rule() -> basic filters, then each match as
// `-m NAME OPTIONS` in rule order (save_matches_and_target()), then `-j TARGET OPTIONS` or `-g CHAIN`.

import type { Rule } from './ruleset.js';
import { formatBasics } from './basic-filter.js';

/** The words after `-A CHAIN`, as iptables-save prints them. */
export function ruleSpecText(rule: Rule): string {
  const words = formatBasics(rule.basics);
  for (const m of rule.matches) words.push(m.saveText ? `-m ${m.module} ${m.saveText}` : `-m ${m.module}`);
  const t = rule.target;
  if (t.kind === 'jump') words.push(`-j ${t.chain}`);
  else if (t.kind === 'goto') words.push(`-g ${t.chain}`);
  else if (t.kind === 'module') words.push(t.target.saveText ? `-j ${t.target.name} ${t.target.saveText}` : `-j ${t.target.name}`);
  return words.join(' ');
}

/** `-A CHAIN ...` as iptables-save prints the rule. */
export function ruleText(chain: string, rule: Rule): string {
  const spec = ruleSpecText(rule);
  return spec ? `-A ${chain} ${spec}` : `-A ${chain}`;
}

/** `-A CHAIN ...` as the rule was written (its source words), falling back to the save form. */
export function ruleSourceText(chain: string, rule: Rule): string {
  if (!rule.source) return ruleText(chain, rule);
  return rule.source.length ? `-A ${chain} ${rule.source.join(' ')}` : `-A ${chain}`;
}

/** The `-m comment --comment` texts of a rule, joined by a space (kube-proxy puts the object name there). */
export function ruleComment(rule: Rule): string | null {
  const comments = rule.matches.map((m) => m.comment).filter((c): c is string => c !== undefined);
  return comments.length ? comments.join(' ') : null;
}
