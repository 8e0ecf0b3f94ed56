// What the kernel checks when a table is committed (nf_tables_validate() -> nft_chain_validate() in
// net/netfilter/nf_tables_api.c): every chain reachable from a base chain is visited with the jump level, and a
// level of NFT_JUMP_STACK_SIZE (16) is refused with EMLINK, which is how loops are refused too; every match and
// target must allow the hook it can be reached from (xt_check_match() / xt_check_target()). Chains no base chain
// reaches are not checked. Which line iptables-restore then names follows from when the kernel checks: a rule
// written in a base chain as its message is processed, the rest after each rule once the commit found the
// table invalid (initRefusals(), firstInvalidRule()).

import type { NfHook } from './hooks.js';
import type { Chain, Rule, Table } from './ruleset.js';
import { findMatch, findTarget } from './registry.js';
import { ALL_HOOKS, HOOK_BIT, allowedHooks, entryHooks } from './hook-mask.js';

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h. */
export const NFT_JUMP_STACK_SIZE = 16;

export interface ValidationProblem {
  message: string;
  /** The rule the kernel blames, when the table has one. */
  rule: Rule | null;
  /** The match of that rule whose hooks refuse it (index in Rule.matches); absent: the target. */
  match?: number;
  /** The batch line refused, when it is not the one that wrote `rule`: the `-D` of a rule whose add was refused. */
  line?: number;
}

function targetChain(r: Rule): string | null {
  return r.target.kind === 'jump' || r.target.kind === 'goto' ? r.target.chain : null;
}

/** Jump references to chains that are missing. */
export function danglingJumps(table: Table): Array<{ chain: Chain; rule: Rule; target: string }> {
  const out: Array<{ chain: Chain; rule: Rule; target: string }> = [];
  for (const c of table.chains.values()) {
    for (const r of c.rules) {
      const t = targetChain(r);
      if (t !== null && !table.chains.has(t)) out.push({ chain: c, rule: r, target: t });
    }
  }
  return out;
}

/** The longest jump path below `chain` (0 when it jumps nowhere); Infinity on a loop. */
function heights(table: Table): (name: string) => number {
  const memo = new Map<string, number>();
  const onStack = new Set<string>();
  return (name) => jumpHeight(table, name, memo, onStack, (n) => memo.get(n));
}

/**
 * The longest jump path below `name` in `table` (0 when it jumps nowhere, Infinity on a loop), memoized in
 * `memo`; `known` answers for chains whose height is already known.
 */
export function jumpHeight(table: Table, name: string, memo: Map<string, number>, onStack: Set<string>, known: (n: string) => number | undefined): number {
  const k = known(name);
  if (k !== undefined) return k;
  if (onStack.has(name)) return Infinity;
  const c = table.chains.get(name);
  if (!c) return 0;
  onStack.add(name);
  let best = 0;
  for (const r of c.rules) {
    const t = targetChain(r);
    if (t !== null) best = Math.max(best, 1 + jumpHeight(table, t, memo, onStack, known));
    if (best === Infinity) break;
  }
  onStack.delete(name);
  memo.set(name, best);
  return best;
}

/** What wrote a rule in a restore's batch: its line, which is its place in the batch, and the command. */
export interface WrittenAt {
  line: number;
  op: 'append' | 'insert' | 'replace';
}

/** Where each rule of the table was written by the batch being committed; undefined for a rule kept from before. */
export type WrittenBy = (r: Rule) => WrittenAt | undefined;

/**
 * A rule the batch removed before COMMIT (`-D`, `-F`): the kernel's replay of the batch still holds it from the
 * line that wrote it (a rule kept from before: from the start) up to the line that removed it.
 */
export interface RemovedRule {
  rule: Rule;
  /** The chain it was in, by name, and that chain's hook (the chain may be gone by COMMIT). */
  chain: string;
  hook: NfHook | null;
  /** Its place in that chain when it was removed (0: first). */
  index: number;
  /** The line that removed it. */
  line: number;
  /**
   * The command. A rule kept from before is held by the kernel until that line whatever it is; one the batch
   * wrote: `-D` until that line; `-F CHAIN` never, as iptables-nft drops the batch's pending adds to that chain
   * rather than sending them (iptables 1.8.9: `-A OUTPUT -j MASQUERADE` then `-F OUTPUT` in nat is accepted, then
   * `-D OUTPUT 1` is refused at the append). A `-F` with no chain is `-F CHAIN` of every chain, or nothing at all
   * (restore-apply.ts).
   */
  by: '-D' | '-F CHAIN';
}

/** A `-F CHAIN` of the batch: the chain and the line. */
export interface ChainFlush {
  chain: string;
  line: number;
}

/**
 * The removed rules the kernel saw, each until the line the kernel removed it: all but the batch's own rules a
 * `-F CHAIN` dropped. iptables-nft drops every pending message of the batch on that chain, a `-D` too, so a rule
 * `-D` (or `-F`) removed before a `-F` of its chain was never added if the batch wrote it, and one `-D` removed
 * is held until the `-F` if it was kept (iptables 1.8.9: nat `-A C1 -j C1`, `-A INPUT -j C1`, `-D C1 1`, `-F C1` is no loop).
 */
function seenRemoved(removed: readonly RemovedRule[], written: WrittenBy, flushed: readonly ChainFlush[]): RemovedRule[] {
  const out: RemovedRule[] = [];
  for (const d of removed) {
    if (d.by === '-F CHAIN' && written(d.rule) !== undefined) continue;
    const f = flushed.length > 0 && d.by !== '-F CHAIN' ? flushed.find((x) => x.chain === d.chain && x.line > d.line) : undefined;
    if (f === undefined) out.push(d);
    else if (written(d.rule) === undefined) out.push(d.by === '-D' ? { ...d, line: f.line, by: '-F CHAIN' } : d);
  }
  return out;
}

/**
 * The batch message a refused rule is reported under: iptables-nft names the netlink operation it batched
 * (iptables 1.8.9: `-A` RULE_APPEND, `-I` RULE_INSERT, `-R` RULE_REPLACE).
 */
function verb(at: WrittenAt | undefined): string {
  return at?.op === 'insert' ? 'RULE_INSERT' : at?.op === 'replace' ? 'RULE_REPLACE' : 'RULE_APPEND';
}

/** A rule the table refuses and why, before it is named as the kernel names it. */
interface Refusal {
  rule: Rule;
  chain: string;
  errno: 'Invalid argument' | 'Too many links';
  match?: number;
}

/**
 * The first of `r`'s matches (index in Rule.matches), else its target (-1), whose hooks refuse `hook`; `direct`:
 * `r` is written in that hook's base chain, so its options' hooks count too (hook-mask.ts entryHooks()); null when none does.
 */
function refusedPart(r: Rule, hook: NfHook, direct: boolean): number | null {
  const bit = HOOK_BIT[hook];
  if ((allowedHooks(r) & bit) !== 0 && (!direct || (entryHooks(r) & bit) !== 0)) return null;
  const refuses = (hooks: readonly string[] | undefined): boolean => hooks !== undefined && !hooks.includes(hook);
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) if (refuses(findMatch(ms[i].module)?.hooks) || (direct && refuses(ms[i].hooks))) return i;
  if (r.target.kind === 'module' && (refuses(findTarget(r.target.target.name)?.hooks) || (direct && refuses(r.target.target.hooks)))) return -1;
  return null;
}

function refusal(r: Rule, chain: string, part: number): Refusal {
  return { rule: r, chain, errno: 'Invalid argument', ...(part >= 0 ? { match: part } : {}) };
}

/**
 * The rules of the batch written in a base chain whose own hooks, or their options' hooks, refuse that chain's
 * hook, by line: nft_compat's init (nft_match_init() -> xt_check_match()) refuses each as its message is
 * processed, so the batch fails before COMMIT and no whole-table validation runs (iptables 1.8.9 reports `-A INPUT
 * -m owner ...` alone, also when a later line jumps from INPUT to a chain with such a rule, and every such rule of
 * the batch after it: `-A INPUT -m owner ...`, `-A FORWARD -m owner ...`, `-I INPUT -m owner ...` is three lines).
 * A rule kept from before was accepted then, and counts (first) only if it is still in the table.
 */
function initRefusals(table: Table, written: WrittenBy, removed: readonly RemovedRule[]): Array<Refusal & { line: number }> {
  const out: Array<Refusal & { line: number }> = [];
  const consider = (r: Rule, chain: string, hook: NfHook, removed = false): void => {
    const part = refusedPart(r, hook, true);
    if (part === null) return;
    const at = written(r);
    if (removed && at === undefined) return;
    out.push({ ...refusal(r, chain, part), line: at?.line ?? 0 });
  };
  for (const c of table.chains.values()) {
    if (c.hook === null) continue;
    for (const r of c.rules) consider(r, c.name, c.hook);
  }
  // A rule deleted later in the batch was refused all the same as it was added (iptables 1.8.9: `-A OUTPUT -j
  // MASQUERADE` then `-D OUTPUT 1` in nat is "line 2: RULE_APPEND failed (Invalid argument)").
  // A rule `-F CHAIN` dropped was never sent (RemovedRule.by).
  for (const d of removed) if (d.hook !== null && d.by !== '-F CHAIN') consider(d.rule, d.chain, d.hook, true);
  // Stable: a line's rules (an address list) in their chain's order.
  return out.sort((x, y) => x.line - y.line);
}

/**
 * The `-D` lines that name a rule whose add the kernel refused (`refused`, initRefusals()): the rule was never
 * added, so its delete finds none (iptables 1.8.9: `-A INPUT -m owner ...`, `-A INPUT -j ACCEPT`, `-D INPUT 1`,
 * `-D INPUT -j ACCEPT` is line 2's RULE_APPEND and "line 4: RULE_DELETE failed (No such file or directory): rule
 * in chain INPUT"; the later `-D` finds the ACCEPT rule).
 */
function deletesOfRefused(refused: ReadonlyArray<Refusal & { line: number }>, removed: readonly RemovedRule[]): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  for (const d of removed) {
    if (d.by !== '-D' || !refused.some((x) => x.rule === d.rule)) continue;
    out.push({ message: `RULE_DELETE failed (No such file or directory): rule in chain ${d.chain}`, rule: d.rule, line: d.line });
  }
  return out;
}

/**
 * Whether the rules the batch removed may make the kernel refuse a table valid without them: one the batch wrote
 * in a base chain and then removed was refused as it was added (initRefusals()).
 */
export function removedMatter(removed: readonly RemovedRule[], written: WrittenBy): boolean {
  for (const d of removed) {
    if (d.hook !== null && d.by === '-D' && refusedPart(d.rule, d.hook, true) !== null && written(d.rule) !== undefined) return true;
  }
  return false;
}

/** A jump of base chain `base` to a path too deep (`h`: heights()), or to a loop. */
function tooDeep(base: Chain, h: (name: string) => number): Refusal | null {
  for (const r of base.rules) {
    const t = targetChain(r);
    if (t !== null && 1 + h(t) >= NFT_JUMP_STACK_SIZE) return { rule: r, chain: base.name, errno: 'Too many links' };
  }
  return null;
}

/** Whether some base chain of `table` jumps to a path too deep, or to a loop. */
function anyTooDeep(table: Table, h = heights(table)): boolean {
  for (const base of table.chains.values()) if (base.hook !== null && tooDeep(base, h) !== null) return true;
  return false;
}

/**
 * The base chains of `table` in the order nf_tables_validate() walks them, table->chains' order, which is the
 * order they were created (Table.kernelOrder): iptables 1.8.9, filter `-A OUTPUT -j ACCEPT`, a loop A, `-A C -m
 * owner ...`, `-A FORWARD -j C`, `-A OUTPUT -j A` refuses the last with EMLINK, met in OUTPUT before FORWARD's
 * EINVAL (with `-A FORWARD -j ACCEPT` first, EINVAL). Base chains the list does not name follow in the map's order.
 */
export function baseChains(table: Table): Chain[] {
  const out: Chain[] = [];
  for (const name of table.kernelOrder ?? []) {
    const c = table.chains.get(name);
    if (c !== undefined && c.hook !== null && !out.includes(c)) out.push(c);
  }
  for (const c of table.chains.values()) if (c.hook !== null && !out.includes(c)) out.push(c);
  return out;
}

/** The problem nft_table_validate() finds in `table`: a jump path too deep (or a loop), or a rule a reaching hook refuses. */
function reachRefusal(table: Table, h = heights(table)): Refusal | null {
  for (const base of baseChains(table)) {
    const deep = tooDeep(base, h);
    if (deep !== null) return deep;
    // The modules' own hooks in every chain this hook reaches (nft_match_validate(), nft_target_validate()).
    const seen = new Set<string>();
    const todo = [base.name];
    while (todo.length) {
      const c = table.chains.get(todo.pop()!);
      if (!c || seen.has(c.name)) continue;
      seen.add(c.name);
      for (const r of c.rules) {
        const t = targetChain(r);
        if (t !== null) todo.push(t);
        const part = refusedPart(r, base.hook!, false);
        if (part !== null) return refusal(r, c.name, part);
      }
    }
  }
  return null;
}

/**
 * The problem of a refused `table` (reachRefusal() found one) that the kernel meets first: nft_table_validate()
 * walks each base chain depth first, a rule's matches and target in order, a jump into its chain at the next
 * level, and a chain entered at level NFT_JUMP_STACK_SIZE is EMLINK (iptables 1.8.9: nat `-A C2 -j MASQUERADE`,
 * `-A C2 -j C2`, `-A PREROUTING -j C2` is EINVAL; the two rules the other way round, EMLINK). A path too deep is
 * named at the base chain's jump that starts it, as tooDeep() does. A chain walked to its end at a level is
 * walked again only from a deeper one. The base chains are walked in the table's order (baseChains()).
 */
function kernelFirst(table: Table): Refusal | null {
  for (const base of baseChains(table)) {
    const hook = base.hook!;
    const clean = new Map<string, number>();
    const walk = (c: Chain, level: number, from: Rule | null): Refusal | null => {
      if (level === NFT_JUMP_STACK_SIZE) return { rule: from!, chain: base.name, errno: 'Too many links' };
      if ((clean.get(c.name) ?? -1) >= level) return null;
      for (const r of c.rules) {
        const part = refusedPart(r, hook, false);
        if (part !== null) return refusal(r, c.name, part);
        const t = targetChain(r);
        const next = t === null ? undefined : table.chains.get(t);
        if (next === undefined) continue;
        const found = walk(next, level + 1, from ?? r);
        if (found !== null) return found;
      }
      clean.set(c.name, level);
      return null;
    };
    const found = walk(base, 0, null);
    if (found !== null) return found;
  }
  return null;
}

/** What the kernel refuses of `table` first, or null when it is valid. */
function refusalOf(table: Table, h?: (name: string) => number): Refusal | null {
  const found = reachRefusal(table, h);
  return found === null ? null : kernelFirst(table) ?? found;
}

/** `table` with only the rules kept from before (absent from `lines`) and those the batch wrote up to line `last`. */
function prefix(table: Table, lines: ReadonlyMap<Rule, number>, last: number): Table {
  const chains = new Map<string, Chain>();
  for (const [name, c] of table.chains.entries()) {
    const rules = c.rules.filter((r) => (lines.get(r) ?? 0) <= last);
    chains.set(name, { name: c.name, hook: c.hook, policy: c.policy, counters: c.counters, rules });
  }
  return { name: table.name, chains, kernelOrder: table.kernelOrder };
}

/**
 * The rule the kernel names for a table that fails validation at COMMIT. nf_tables_commit() finds the table
 * invalid and answers -EAGAIN; nfnetlink replays the batch with validation due (NFT_VALIDATE_DO), and then
 * nf_tables_newrule() validates the whole table after each rule it adds, so the first rule whose addition leaves
 * the table invalid is refused: the later of a refused rule and the jump that reaches it, with its own chain
 * (iptables 1.8.9: `-A U -m owner ...` then `-A INPUT -j U` is refused at the jump, "rule in chain INPUT"; a
 * loop or a path too deep at the jump that closes it). The batch's rules are taken as only added, so once a
 * line leaves the table invalid every later one does (firstHookLine(), firstDeepLine()).
 */
function firstInvalidRule(table: Table, written: WrittenBy, whole: Refusal, h: (name: string) => number, seen: readonly RemovedRule[]): Refusal {
  const lines = writtenLines(table, written);
  // A stream keeps no record of its lines (restore-apply.ts): the plain restore that follows names the rule.
  if (lines.size === 0) return whole;
  const last = firstAddedLine(table, lines, anyTooDeep(table, h));
  // Nothing the batch wrote is to blame (the table was refused as it was): the whole table's problem.
  if (last === Infinity || last === 0) return whole;
  // Every rule the kernel saw, each where it was: ours with all the removals undone together.
  if (seen.length > 0) return firstInvalidReplayed(withRemoved(table, seen), written, lines, last, seen) ?? whole;
  const state = prefix(table, lines, last);
  return named(state, lines, last, refusalOf(state) ?? whole);
}

/** Each rule of `table` the batch wrote, with its line. */
function writtenLines(table: Table, written: WrittenBy): Map<Rule, number> {
  const lines = new Map<Rule, number>();
  for (const c of table.chains.values()) {
    for (const r of c.rules) {
      const at = written(r);
      if (at !== undefined) lines.set(r, at.line);
    }
  }
  return lines;
}

/** The first line after which `table`'s rules, taken as only added, leave it invalid (`deep`: it has a path too deep); Infinity when none. */
function firstAddedLine(table: Table, lines: ReadonlyMap<Rule, number>, deep: boolean): number {
  return Math.min(firstHookLine(table, lines), deep ? firstDeepLine(table, lines) : Infinity);
}

/**
 * The rule named when `found` is what the table `state` (as the replay has it after line `last`) refuses: that,
 * if line `last` wrote it, else the rule of line `last`, the jump that reaches it, in its own chain.
 */
function named(state: Table, lines: ReadonlyMap<Rule, number>, last: number, found: Refusal): Refusal {
  if (lines.get(found.rule) === last) return found;
  // The refused rule was there before; the rule of line `last` reaches it: a jump, named in its own chain.
  for (const c of state.chains.values()) {
    for (const r of c.rules) if (lines.get(r) === last) return { rule: r, chain: c.name, errno: found.errno };
  }
  return found;
}

/**
 * firstInvalidRule() for a batch that removed rules (`seen`; `all`: every rule the kernel saw, each in its
 * place, withRemoved()): the replay holds each until the line that removed it, so a table can be invalid after a line and valid again after a later `-D` (iptables 1.8.9: `-A C1 -j
 * MASQUERADE`, `-A OUTPUT -j C1`, `-D OUTPUT 1`, `-A PREROUTING -j C1` in nat is refused at the OUTPUT jump).
 * The replay's table after a line holds the final table's rules written up to it and is held within the same
 * with every removed rule kept, and a table with more rules is no more valid: so the first invalid line lies
 * between the first line the latter is invalid after and `last`, the first the former is (after which the
 * replay's table is invalid); only the lines between are replayed.
 */
function firstInvalidReplayed(all: Table, written: WrittenBy, lines: ReadonlyMap<Rule, number>, last: number, seen: readonly RemovedRule[]): Refusal | null {
  const allLines = new Map(lines);
  const gone = new Map<Rule, number>();
  for (const d of seen) {
    allLines.set(d.rule, written(d.rule)?.line ?? 0);
    gone.set(d.rule, d.line);
  }
  const from = firstAddedLine(all, allLines, anyTooDeep(all));
  const added = [...new Set(allLines.values())].filter((l) => l >= from && l <= last).sort((x, y) => x - y);
  for (const at of added) {
    const state = replayed(all, allLines, gone, at);
    const found = refusalOf(state);
    if (found !== null) return named(state, allLines, at, found);
  }
  return null;
}

/**
 * `table` with the removed rules put back where they were (the chain made again if it is gone): the removals
 * undone from the last, each line's rules together, as the kernel's walk meets a chain's rules in order.
 */
function withRemoved(table: Table, seen: readonly RemovedRule[]): Table {
  const chains = new Map<string, Chain>();
  for (const [name, c] of table.chains.entries()) chains.set(name, { name: c.name, hook: c.hook, policy: c.policy, counters: c.counters, rules: c.rules.slice() });
  for (let end = seen.length; end > 0;) {
    const last = seen[end - 1];
    let start = end - 1;
    while (start > 0 && seen[start - 1].line === last.line && seen[start - 1].chain === last.chain) start--;
    for (let i = start; i < end; i++) {
      const d = seen[i];
      let c = chains.get(d.chain);
      if (c === undefined) {
        c = { name: d.chain, hook: d.hook, policy: null, counters: { packets: 0, bytes: 0 }, rules: [] };
        chains.set(d.chain, c);
      }
      c.rules.splice(Math.min(d.index, c.rules.length), 0, d.rule);
    }
    end = start;
  }
  return { name: table.name, chains, kernelOrder: table.kernelOrder };
}

/** The replay's table after line `at`: the rules written up to it (kept ones: 0) and not removed by then. */
function replayed(all: Table, lines: ReadonlyMap<Rule, number>, gone: ReadonlyMap<Rule, number>, at: number): Table {
  const chains = new Map<string, Chain>();
  for (const [name, c] of all.chains.entries()) {
    const rules = c.rules.filter((r) => (lines.get(r) ?? 0) <= at && (gone.get(r) ?? Infinity) > at);
    chains.set(name, { name: c.name, hook: c.hook, policy: c.policy, counters: c.counters, rules });
  }
  return { name: all.name, chains, kernelOrder: all.kernelOrder };
}

/**
 * The first line after which a rule a hook's modules refuse (allowedHooks()) is reached from that hook: a refused
 * rule counts from the later of its own line and the line from which its chain is reached (reachedFrom()).
 * Infinity when none is.
 */
function firstHookLine(table: Table, lines: ReadonlyMap<Rule, number>): number {
  // Only the chains that lead to a rule a hook refuses are searched for that hook (kube-proxy's nat table: the
  // one MASQUERADE chain for PREROUTING and OUTPUT, no chain for POSTROUTING, whatever its 40,000 DNAT rules).
  const refused: Array<[string, Rule, number]> = [];
  const parents = new Map<string, string[]>();
  for (const [name, c] of table.chains.entries()) {
    for (const r of c.rules) {
      const allowed = allowedHooks(r);
      if (allowed !== ALL_HOOKS) refused.push([name, r, allowed]);
      const t = targetChain(r);
      if (t !== null) {
        const ps = parents.get(t);
        if (ps === undefined) parents.set(t, [name]);
        else ps.push(name);
      }
    }
  }
  let first = Infinity;
  for (const base of table.chains.values()) {
    if (base.hook === null) continue;
    const bit = HOOK_BIT[base.hook];
    const mine = refused.filter(([, , allowed]) => (allowed & bit) === 0);
    const ancestors = ancestorsOf(mine.map(([name]) => name), parents);
    if (!ancestors.has(base.name)) continue;
    const from = reachedFrom(table, base.name, lines, ancestors);
    for (const [name, r] of mine) {
      const at = from.get(name);
      if (at !== undefined) first = Math.min(first, Math.max(at, lines.get(r) ?? 0));
    }
  }
  return first;
}

/** `names` and every chain that jumps to one of them, directly or not (`parents`: who jumps to each chain). */
function ancestorsOf(names: string[], parents: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  while (names.length > 0) {
    const name = names.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const p of parents.get(name) ?? []) names.push(p);
  }
  return seen;
}

/**
 * For each chain of `within` that `base` reaches through `within`, the first line after which it does: the least, over the paths to it, of the
 * last line among the path's jumps (a rule kept from before: 0). Chains are settled in the order of that line
 * (Dijkstra's search with the greatest edge for the sum), so each is settled once.
 */
function reachedFrom(table: Table, base: string, lines: ReadonlyMap<Rule, number>, within: ReadonlySet<string>): Map<string, number> {
  const settled = new Map<string, number>();
  const heap = new LineHeap();
  heap.push(0, base);
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const [at, name] = top;
    if (settled.has(name)) continue;
    settled.set(name, at);
    for (const r of table.chains.get(name)?.rules ?? []) {
      const t = targetChain(r);
      if (t !== null && within.has(t) && !settled.has(t)) heap.push(Math.max(at, lines.get(r) ?? 0), t);
    }
  }
  return settled;
}

/** A binary min-heap of chain names by line. */
class LineHeap {
  readonly #keys: number[] = [];
  readonly #names: string[] = [];

  push(key: number, name: string): void {
    const k = this.#keys;
    const n = this.#names;
    let i = k.length;
    k.push(key);
    n.push(name);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (k[up] <= key) break;
      k[i] = k[up];
      n[i] = n[up];
      i = up;
    }
    k[i] = key;
    n[i] = name;
  }

  pop(): [number, string] | undefined {
    const k = this.#keys;
    const n = this.#names;
    if (k.length === 0) return undefined;
    const top: [number, string] = [k[0], n[0]];
    const key = k.pop()!;
    const name = n.pop()!;
    const size = k.length;
    if (size === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && k[child + 1] < k[child]) child++;
      if (k[child] >= key) break;
      k[i] = k[child];
      n[i] = n[child];
      i = child;
    }
    k[i] = key;
    n[i] = name;
    return top;
  }
}

/** The first line after which a base chain jumps to a path too deep or to a loop: bisected (a rare refusal). */
function firstDeepLine(table: Table, lines: ReadonlyMap<Rule, number>): number {
  const sorted = [...new Set(lines.values())].sort((x, y) => x - y);
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (anyTooDeep(prefix(table, lines, sorted[mid]))) hi = mid - 1;
    else lo = mid + 1;
  }
  return lo < sorted.length ? sorted[lo] : Infinity;
}

/**
 * What the kernel refuses of `table` at COMMIT, naming the rule and chain iptables-restore reports; `written`
 * tells which rules the batch wrote and where (without it, every rule is taken as written at once), `removed`
 * which rules it removed before COMMIT. A table valid at COMMIT is not replayed, so rules removed count then
 * only as they were added (initRefusals()).
 */
export function validateTable(table: Table, written: WrittenBy = () => undefined, removed: readonly RemovedRule[] = [], flushed: readonly ChainFlush[] = []): ValidationProblem[] {
  const seen = removed.length > 0 ? seenRemoved(removed, written, flushed) : [];
  const sent = sentRefusals(table, written, seen);
  if (sent.length > 0) return sent;
  const h = heights(table);
  const whole = refusalOf(table, h);
  if (whole === null) return [];
  const named = firstInvalidRule(table, written, whole, h, seen);
  const first = problem(named, written);
  const last = written(named.rule)?.line;
  if (last === undefined) return [first];
  return [first, ...(seen.length === 0 ? laterRefusals(table, written, named.rule, last, h) : laterReplayed(table, written, seen, named.rule, last))];
}

/** How iptables-restore names refusal `r`: the batched operation, the errno, the chain. */
function problem(r: Refusal, written: WrittenBy): ValidationProblem {
  const message = `${verb(written(r.rule))} failed (${r.errno}): rule in chain ${r.chain}`;
  return { message, rule: r.rule, ...(r.match !== undefined ? { match: r.match } : {}) };
}

/**
 * What the kernel refuses of the batch as it processes its messages, before any COMMIT (`seen`: the removed rules
 * it saw, seenRemoved()), in line order: the rules nft_compat's init refuses and the `-D` lines of such rules.
 * The batch then fails without a whole-table validation. Exported for a batch that fails so for another reason
 * too (restore-apply.ts: `-X` of a busy chain).
 */
export function sentRefusals(table: Table, written: WrittenBy, seen: readonly RemovedRule[]): ValidationProblem[] {
  const init = initRefusals(table, written, seen);
  if (init.length === 0) return [];
  const adds = init.map((r) => ({ line: r.line, p: problem(r, written) }));
  const dels = deletesOfRefused(init, seen).map((p) => ({ line: p.line!, p }));
  return [...adds, ...dels].sort((x, y) => x.line - y.line).map((x) => x.p);
}

/** sentRefusals() of a batch that removed `removed` (restore-apply.ts), its `-F CHAIN` lines `flushed`. */
export function sentRefusalsOf(table: Table, written: WrittenBy, removed: readonly RemovedRule[], flushed: readonly ChainFlush[]): ValidationProblem[] {
  return sentRefusals(table, written, removed.length > 0 ? seenRemoved(removed, written, flushed) : []);
}

/**
 * laterRefusals() for a batch that removed rules (`seen`): each line after `last`, the first the replay refused,
 * is validated on the replay's table as it is after that line (replayed(): every rule written up to it, refused
 * ones too, less those removed by then), and each rule it writes is refused with that table's errno, or accepted
 * when a removal made the table valid again; a `-D` finds its rule, refused or not (iptables 1.8.9: `:U`, `-A U
 * -m owner ...`, `-A INPUT -j U`, `-D INPUT 1`, `-A FORWARD -j U` is lines 4 and 6; a loop A, `-A A -m owner
 * ...`, `-A INPUT -j A`, `-D A 1`, `-A INPUT -j A` is line 6 with EMLINK, line 8 with EINVAL).
 */
function laterReplayed(table: Table, written: WrittenBy, seen: readonly RemovedRule[], refused: Rule, last: number): ValidationProblem[] {
  const all = withRemoved(table, seen);
  const allLines = writtenLines(all, written);
  const gone = new Map<Rule, number>();
  for (const d of seen) gone.set(d.rule, d.line);
  const byLine = laterRules(all, allLines, refused, last);
  const out: ValidationProblem[] = [];
  for (const l of [...byLine.keys()].sort((x, y) => x - y)) {
    const found = refusalOf(replayed(all, allLines, gone, l));
    if (found === null) continue;
    for (const { rule, chain } of byLine.get(l)!) out.push(problem({ rule, chain, errno: found.errno }, written));
  }
  return out;
}

/** The rules of `table` written after line `last` (`lines`), and those line `last` wrote after `refused`, by line, each with its chain. */
function laterRules(table: Table, lines: ReadonlyMap<Rule, number>, refused: Rule, last: number): Map<number, Array<{ rule: Rule; chain: string }>> {
  const byLine = new Map<number, Array<{ rule: Rule; chain: string }>>();
  // The rules line `last` wrote after the refused one (an address list's next messages) are refused as well.
  let passed = false;
  for (const c of table.chains.values()) {
    for (const r of c.rules) {
      const l = lines.get(r);
      if (r === refused) passed = true;
      if (l === undefined || l < last || (l === last && (!passed || r === refused))) continue;
      const at = byLine.get(l);
      if (at === undefined) byLine.set(l, [{ rule: r, chain: c.name }]);
      else at.push({ rule: r, chain: c.name });
    }
  }
  return byLine;
}

/**
 * The rules the batch wrote after line `last`, the first the replay refused, each refused in turn: the refused
 * rule stays in the replay's table, which nf_tables_newrule() validates whole after each rule it adds, so every
 * later rule, wherever it is written, fails with the errno of the table as it then is, and iptables-restore
 * prints each (iptables 1.8.9: filter `:U`, `-A U -m owner ...`, `-A INPUT -j U`, `-A INPUT -j ACCEPT`, `-A
 * OUTPUT -j ACCEPT` is lines 4, 5 and 6, "rule in chain INPUT", INPUT, OUTPUT; a loop of X and Y, `-A INPUT -j
 * X`, `-A OUTPUT -j ACCEPT` is lines 6 and 7 with EMLINK; an address list, one line per address). Problems only
 * grow as rules are added: where the table has only hook refusals, or only paths too deep, the errno is that one;
 * only a line after which it has both is validated as the kernel walks it (kernelFirst()). A batch that removed
 * rules is replayed line by line instead (laterReplayed()); one with a rule refused as its message was processed
 * has no validation (sentRefusals()).
 */
function laterRefusals(table: Table, written: WrittenBy, refused: Rule, last: number, h: (name: string) => number): ValidationProblem[] {
  const lines = writtenLines(table, written);
  const byLine = laterRules(table, lines, refused, last);
  if (byLine.size === 0) return [];
  const hook = firstHookLine(table, lines);
  const deep = anyTooDeep(table, h) ? firstDeepLine(table, lines) : Infinity;
  const out: ValidationProblem[] = [];
  for (const l of [...byLine.keys()].sort((x, y) => x - y)) {
    const errno = l < deep ? 'Invalid argument' : l < hook ? 'Too many links' : (refusalOf(prefix(table, lines, l))?.errno ?? 'Invalid argument');
    for (const { rule, chain } of byLine.get(l)!) out.push(problem({ rule, chain, errno }, written));
  }
  return out;
}
