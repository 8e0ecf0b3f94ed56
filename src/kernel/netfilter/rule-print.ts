// A rule as iptables-save (nft backend) prints it: nft_ipv4_save_rule() -> basic filters, then each match as
// `-m NAME OPTIONS` in rule order (save_matches_and_target()), then `-j TARGET OPTIONS` or `-g CHAIN`.

import type { Rule } from './ruleset.js';
import { formatBasics } from './basic-filter.js';

// A rule's text is a pure function of its filter, matches and target, which never change once the rule is
// built (a restore replaces rules, it does not edit them): it is printed once per rule object and kept.
const specCache = new WeakMap<Rule, string>();
const textCache = new WeakMap<Rule, { chain: string; text: string }>();
const commentCache = new WeakMap<Rule, string | null>();
const basicWordsCache = new WeakMap<Rule, readonly string[]>();

/** The words after `-A CHAIN`, as iptables-save prints them. */
export function ruleSpecText(rule: Rule): string {
  let spec = specCache.get(rule);
  if (spec === undefined) {
    spec = printSpec(rule);
    specCache.set(rule, spec);
  }
  return spec;
}

/** formatBasics() of the rule's filter, printed once per rule. */
export function ruleBasicWords(rule: Rule): readonly string[] {
  let words = basicWordsCache.get(rule);
  if (words === undefined) {
    words = formatBasics(rule.basics);
    basicWordsCache.set(rule, words);
  }
  return words;
}

function printSpec(rule: Rule): string {
  const words = [...ruleBasicWords(rule)];
  for (const m of rule.matches) words.push(m.saveText ? `-m ${m.module} ${m.saveText}` : `-m ${m.module}`);
  const t = rule.target;
  if (t.kind === 'jump') words.push(`-j ${t.chain}`);
  else if (t.kind === 'goto') words.push(`-g ${t.chain}`);
  else if (t.kind === 'module') words.push(t.target.saveText ? `-j ${t.target.name} ${t.target.saveText}` : `-j ${t.target.name}`);
  return words.join(' ');
}

/** `-A CHAIN ...` as iptables-save prints the rule. */
export function ruleText(chain: string, rule: Rule): string {
  const hit = textCache.get(rule);
  if (hit !== undefined && hit.chain === chain) return hit.text;
  const spec = ruleSpecText(rule);
  const text = spec ? `-A ${chain} ${spec}` : `-A ${chain}`;
  textCache.set(rule, { chain, text });
  return text;
}

/** `-A CHAIN ...` as the rule was written (its source words), falling back to the save form. */
export function ruleSourceText(chain: string, rule: Rule): string {
  if (!rule.source) return ruleText(chain, rule);
  return rule.source.length ? `-A ${chain} ${rule.source.join(' ')}` : `-A ${chain}`;
}

/** The `-m comment --comment` texts of a rule, joined by a space (kube-proxy puts the object name there). */
export function ruleComment(rule: Rule): string | null {
  let comment = commentCache.get(rule);
  if (comment === undefined) {
    const comments = rule.matches.map((m) => m.comment).filter((c): c is string => c !== undefined);
    comment = comments.length ? comments.join(' ') : null;
    commentCache.set(rule, comment);
  }
  return comment;
}
