// A rule as iptables-save (nft backend) prints it: nft_ipv4_save_rule() -> basic filters, then each match as
// `-m NAME OPTIONS` in rule order (save_matches_and_target()), then `-j TARGET OPTIONS` or `-g CHAIN`.

import type { Rule } from './ruleset.js';
import { formatBasics } from './basic-filter.js';

// A rule's text is a pure function of its filter, matches and target, which never change once the rule is
// built (a restore replaces rules, it does not edit them): it is printed once per rule object and kept.
const specCache = new WeakMap<Rule, string>();
const textCache = new WeakMap<Rule, RulePrinted>();
const matchWordsCache = new WeakMap<Rule, readonly string[]>();
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

/** Each match as iptables-save prints it (`-m tcp --dport 80`), in rule order, printed once per rule. */
export function ruleMatchWords(rule: Rule): readonly string[] {
  let words = matchWordsCache.get(rule);
  if (words === undefined) {
    words = rule.matches.map((m) => (m.saveText ? `-m ${m.module} ${m.saveText}` : `-m ${m.module}`));
    matchWordsCache.set(rule, words);
  }
  return words;
}

function printSpec(rule: Rule): string {
  const words = [...ruleBasicWords(rule)];
  for (const w of ruleMatchWords(rule)) words.push(w);
  const t = rule.target;
  if (t.kind === 'jump') words.push(`-j ${t.chain}`);
  else if (t.kind === 'goto') words.push(`-g ${t.chain}`);
  else if (t.kind === 'module') words.push(t.target.saveText ? `-j ${t.target.name} ${t.target.saveText}` : `-j ${t.target.name}`);
  return words.join(' ');
}

/**
 * A rule printed in its chain: its save text, its comments (one lookup per rule step of a walk), and the lines a
 * netfilter hop's facts give a step of the walk, made on first use and kept (the rule never changes; a failing
 * predicate's text is one of the rule's own words, so the lines per rule are few).
 */
export class RulePrinted {
  #matchFact: string | undefined;
  #noMatchFacts: Map<string, string> | undefined;
  constructor(
    readonly chain: string,
    /** `-A CHAIN ...` as iptables-save prints the rule. */
    readonly text: string,
    /** ruleComment() of the rule. */
    readonly comment: string | null,
  ) {}

  /** `match  -A CHAIN ...`: the fact of a step that matched. */
  matchFact(): string {
    return (this.#matchFact ??= `match  ${this.text}`);
  }

  /** `no match  -A CHAIN ...   (fails WORD)`: the fact of a step whose `failed` predicate failed. */
  noMatchFact(failed: string): string {
    const known = (this.#noMatchFacts ??= new Map()).get(failed);
    if (known !== undefined) return known;
    const fact = `no match  ${this.text}${failed ? `   (fails ${failed})` : ''}`;
    this.#noMatchFacts.set(failed, fact);
    return fact;
  }
}

/** ruleText() and ruleComment() of `rule` in `chain`, kept per rule object (remade if asked for another chain). */
export function rulePrinted(chain: string, rule: Rule): RulePrinted {
  const hit = textCache.get(rule);
  if (hit !== undefined && hit.chain === chain) return hit;
  const spec = ruleSpecText(rule);
  const printed = new RulePrinted(chain, spec ? `-A ${chain} ${spec}` : `-A ${chain}`, ruleComment(rule));
  textCache.set(rule, printed);
  return printed;
}

/** `-A CHAIN ...` as iptables-save prints the rule. */
export function ruleText(chain: string, rule: Rule): string {
  return rulePrinted(chain, rule).text;
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
