// Parse once, share the parse: a command line's parse is a pure function of the table it is in, the parser's
// flags (kube-proxy's lenient comments) and the line's text, except for one fact about the moment it is read:
// whether the chain its `-j` / `-g` names exists (do_parse() takes a name that is no target module for a
// chain). So a cached parse is reused only while that chain exists; otherwise the line is parsed again and
// fails (or succeeds) as it would have. Lines that fail are never cached (their messages carry their own line
// and column). `--match-set` lines depend on the namespace's ipsets: a restore given `sets` does not use the cache.
//
// What is shared between the rules made from one entry: the basics, the match and target instances, the words.
// Each rule gets its own counters (per namespace, and journalled by a checkpoint). A match that keeps state
// in itself (`-m statistic --mode nth` counts, `-m limit` / `-m hashlimit` buckets: the kernel's per-rule
// private data) must not be shared, so a line with one is not cached; a match whose state lives in the
// namespace (`-m recent`, `-m nfacct`) or that only draws from the packet's RNG (`-m statistic --mode random`)
// is stateless as an object and shared.

import type { Match } from './module.js';
import type { CommandAt, RuleCommand } from './rule-parse.js';
import type { Rule, TableName } from './ruleset.js';
import { ruleSharing } from './ruleset.js';

/** One parsed command line, kept as the template its rules are copied from. */
export interface CachedCommand {
  command: RuleCommand;
  at: CommandAt;
  /** The line's words as written (the RestoreLine words). */
  words: readonly string[];
  /** The chain its `-j` / `-g` names, which must exist for the parse to hold. */
  jumpsTo: string | null;
  /**
   * The line as first stored (the key): what a hit hands on as its text (restore-chain-source.ts), so that
   * records of a chain's lines keep no substrings of later restores' input alive.
   */
  text?: string;
}

/** Impure matches whose instance holds nothing of its own: their state is the namespace's, or the packet's RNG. */
const STATELESS_IMPURE: ReadonlySet<string> = new Set(['recent', 'nfacct']);

/** Whether `m` can serve rules of several namespaces (it holds no per-rule state). */
export function shareableMatch(m: Match): boolean {
  if (m.pure) return true;
  if (m.module === 'statistic') return m.branchProbability !== undefined;
  return STATELESS_IMPURE.has(m.module);
}

function shareableCommand(c: RuleCommand): boolean {
  if (!('rules' in c) || c.rules === null) return false;
  return c.rules.every((r) => r.matches.every(shareableMatch));
}

/** The parses of rule lines, shared by every restore given this cache (e.g. all namespaces of one World). */
export class RuleParseCache {
  readonly #byKind = new Map<string, Map<string, CachedCommand>>();
  #hits = 0;
  #misses = 0;

  #lines(table: TableName, lenientComments: boolean): Map<string, CachedCommand> {
    const kind = lenientComments ? `${table}+lenient` : table;
    let m = this.#byKind.get(kind);
    if (m === undefined) this.#byKind.set(kind, (m = new Map()));
    return m;
  }

  /** The cached parse of `line`, when there is one and the chain it jumps to exists now. */
  lookup(table: TableName, lenientComments: boolean, line: string, chainExists: (name: string) => boolean): CachedCommand | undefined {
    const hit = this.#lines(table, lenientComments).get(line);
    if (hit === undefined || (hit.jumpsTo !== null && !chainExists(hit.jumpsTo))) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return hit;
  }

  /** Keeps a successful parse of a rule line (append / insert / delete by spec) whose matches can be shared; whether it did. */
  store(table: TableName, lenientComments: boolean, line: string, entry: CachedCommand): boolean {
    if (!shareableCommand(entry.command)) return false;
    this.#lines(table, lenientComments).set(line, entry);
    return true;
  }

  /** Lookups answered from the cache, and not. */
  get stats(): { hits: number; misses: number; lines: number } {
    let lines = 0;
    for (const m of this.#byKind.values()) lines += m.size;
    return { hits: this.#hits, misses: this.#misses, lines };
  }
}

/** Fresh rules from a cached command: shared parse, own counters. */
export function instantiate(c: RuleCommand): RuleCommand {
  if (!('rules' in c) || c.rules === null) return c;
  const rules = c.rules.map((r) => ruleSharing(r, { packets: r.counters.packets, bytes: r.counters.bytes }));
  return { ...c, rules } as RuleCommand;
}
