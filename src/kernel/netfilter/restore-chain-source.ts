// What a committed user chain was built from, when it was built only by `:CHAIN` (or `-N`) and then `-A CHAIN`
// lines whose parse the rule cache may share (rule-parse-cache.ts): one rule per line, zero counters after the
// parse. A later --noflush restore that declares the chain again and appends exactly these lines, in this order,
// with every `-j` / `-g` chain they name existing when each is read, rebuilds rules equal to the chain's own
// (a line's parse is a pure function of the table, the parser flags, its text and those chains: see
// rule-parse-cache.ts), so the restore may keep the chain instead of parsing and inserting every line again
// (restore-parse.ts, restore-apply.ts). Chains are never changed in place once committed (copy on write), so
// the record stays true for the chain object it is attached to.

import type { CommandAt } from './rule-parse.js';
import type { Chain, TableName } from './ruleset.js';

export interface ChainSource {
  table: TableName;
  /** RestoreOptions.lenientComments and .counters of the restore that built the chain. */
  lenient: boolean;
  counters: boolean;
  /** The `-A` lines, as written (without the newline), in rule order: line i made rule i. */
  lines: readonly string[];
  /**
   * What holds each line's words (RestoreLine.words: a cache entry, read only when the lines are given back or
   * printed) and each line's columns (RestoreLine.at), to give the lines back when needed.
   */
  words: readonly LineWords[];
  at: readonly CommandAt[];
}

/** Something whose `words` are a line's words as written (a RestoreLine, a rule cache entry). */
export interface LineWords {
  readonly words: readonly string[];
}

const sources = new WeakMap<Chain, ChainSource>();

export function chainSource(c: Chain): ChainSource | undefined {
  return sources.get(c);
}

export function setChainSource(c: Chain, s: ChainSource): void {
  sources.set(c, s);
}
