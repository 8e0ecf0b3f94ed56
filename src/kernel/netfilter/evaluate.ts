// Linux: nft_do_chain() in net/netfilter/nf_tables_core.c as iptables-nft programs it (and ipt_do_table() in
// net/ipv4/netfilter/ip_tables.c, whose semantics it keeps): rules in order, first the basic filter, then each
// match, then the counter and the target. A jump pushes the return point on a stack of NFT_JUMP_STACK_SIZE
// (16) entries, goto does not; RETURN or the end of a user chain pops; RETURN or the end of a base chain applies
// the base chain's policy. A full stack is a drop the kernel WARNs about: NFT_JUMP_STACK_OVERFLOW.
//
// Random matches: a match with `branchProbability` (statistic --mode random) is decided by `opts.decide` when
// given, so a branch explorer can enumerate both outcomes; otherwise it draws from ctx.random() as the kernel
// draws get_random_u32(). See `exploreBranches()`.

import type { MatchState, NfPacketContext } from './context.js';
import type { Chain, Rule, Ruleset, Table, TableName } from './ruleset.js';
import { RULE_ZERO } from './ruleset.js';
import { journalCounters } from '../netns/state-journal.js';
import type { StateJournal } from '../netns/state-journal.js';
import type { ChainVerdict, NfEvent, TargetVerdict } from './verdict.js';
import type { RulesetIndex } from './index-chain.js';
import { basicsFailure } from './basic-filter.js';
import { ruleBasicWords, ruleMatchWords, rulePrinted } from './rule-print.js';
import { NFT_JUMP_STACK_SIZE } from './table-validate.js';

/** Where a rule sits: table, chain and 1-based position, as `iptables -L --line-numbers` counts. */
export interface RuleRef {
  table: TableName;
  chain: string;
  index: number;
}

export interface EvalOptions {
  /** Decides random matches instead of ctx.random(): given the probability of matching, answer the outcome. */
  decide?: (probability: number, where: RuleRef) => boolean;
  /**
   * Record every rule evaluated as the netfilter hop's facts print it (`match  -A ...`, `no match  -A ...   (fails
   * WORD)`) in `facts` (the lines are kept per rule: rule-print.ts RulePrinted).
   */
  facts?: boolean;
  /** Use chain indexes (index-chain.ts) to skip rules that cannot match. */
  index?: RulesetIndex;
}

export interface EvalResult {
  /**
   * The decision. `return` only happens when the walk started in a user chain and fell off its end or hit
   * RETURN (callers such as the kube-proxy tracer walk user chains directly).
   */
  verdict: ChainVerdict | { kind: 'return' };
  /** The rule that decided, null for a policy or a fall-through. */
  decidedBy: RuleRef | null;
  /** The rule object at `decidedBy` (what the hook engine prints), null with it. */
  decidedRule: Rule | null;
  /** A NOTRACK / CT --notrack target ran. */
  notrack: boolean;
  events: readonly NfEvent[];
  /** Every rule evaluated, in order, as a hop's fact line (only with `facts`). */
  facts: readonly string[];
  /** How many rules were evaluated (with or without `facts`). */
  visited: number;
  /** Random matches decided on the way, in order. */
  branches: readonly RandomBranch[];
  /** Rules that matched, in order (the `--iptables-save` tracer reads them: src/trace/iptables-save-trace.ts). */
  matched: readonly RuleRef[];
}

/** A random match decided on a walk: where, its probability of matching, and the outcome. */
export interface RandomBranch {
  where: RuleRef;
  probability: number;
  taken: boolean;
}

// A walk's lists start as this one shared empty list and get their own array on their first entry: most walks
// match one or two rules, and log, draw or print nothing (a plain trace asks no facts of kube-proxy's tracer).
const NONE: readonly never[] = Object.freeze([]);

/** `list` with `item` appended: NONE is never written, a walk's own list is (it is nobody else's yet). */
function add<T>(list: readonly T[], item: T): readonly T[] {
  if (list === NONE) return [item];
  (list as T[]).push(item);
  return list;
}

// The verdicts a walk ends with, made once: nothing writes a verdict after the walk (frozen to keep it so).
const ACCEPT: ChainVerdict = Object.freeze({ kind: 'accept' });
const POLICY_DROP: ChainVerdict = Object.freeze({ kind: 'drop', reason: 'NETFILTER_DROP' });
const RETURN: { kind: 'return' } = Object.freeze({ kind: 'return' });

/** A walk's result before its first rule: ACCEPT, nothing decided, noted or counted; the walk's own to write. */
function newResult(): EvalResult {
  return { verdict: ACCEPT, decidedBy: null, decidedRule: null, notrack: false, events: NONE, facts: NONE, visited: 0, branches: NONE, matched: NONE };
}

/** What a base chain without rules gives, by its policy: nothing in it is the walk's own, so it is shared. */
function policyOnly(verdict: ChainVerdict): EvalResult {
  const res = newResult();
  res.verdict = verdict;
  return Object.freeze(res);
}
const ACCEPTED_BY_POLICY = policyOnly(ACCEPT);
const DROPPED_BY_POLICY = policyOnly(POLICY_DROP);

interface Frame {
  chain: Chain;
  order: readonly number[] | null;
  cursor: number;
}

function frameFor(chain: Chain, table: TableName, ctx: NfPacketContext, opts: EvalOptions): Frame {
  const idx = opts.index?.chain(table, chain.name);
  return { chain, order: idx ? idx.candidates(ctx.packet) : null, cursor: 0 };
}

/** The basic word `basic` names, as printed in the rule (`! -s 10.0.0.0/8` for `-s 10.0.0.0/8`). */
function basicWord(rule: Rule, basic: string): string {
  for (const w of ruleBasicWords(rule)) {
    if (w.startsWith('! ') ? w.startsWith(basic, 2) : w.startsWith(basic)) return w;
  }
  return basic;
}

/**
 * Evaluates one rule's filter and matches: null when it matches, else the failing predicate's text. The rule
 * sits at `index` (1-based) of `chain`; its RuleRef is made only for a random match.
 */
function ruleFails(rule: Rule, table: TableName, chain: string, index: number, ctx: NfPacketContext, opts: EvalOptions, res: EvalResult, words: boolean): string | null {
  const basic = basicsFailure(rule.basics, ctx);
  if (basic) return words ? basicWord(rule, basic) : basic;
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    let ok: boolean;
    if (m.branchProbability !== undefined) {
      const ref: RuleRef = { table, chain, index };
      ok = opts.decide ? opts.decide(m.branchProbability, ref) : m.match(ctx);
      res.branches = add(res.branches, { where: ref, probability: m.branchProbability, taken: ok });
    } else {
      ok = m.match(ctx);
    }
    if (!ok) return ruleMatchWords(rule)[i];
  }
  return null;
}

/**
 * Counts a packet of `bytes` in `rule` (the kernel's nft_counter_eval() before the verdict). A rule at the shared
 * RULE_ZERO (ruleset.ts) gets counters of its own; the journal then puts the shared zero back on rollback, keyed
 * by the new object so that later writes to it in the same run are not journalled again.
 */
function countRule(journal: StateJournal | undefined, rule: Rule, bytes: number): void {
  const c = rule.counters;
  if (c === RULE_ZERO) {
    const own = { packets: 1, bytes };
    rule.counters = own;
    journal?.save(own, () => {
      rule.counters = RULE_ZERO;
    });
    return;
  }
  journalCounters(journal, c);
  c.packets++;
  c.bytes += bytes;
}

/** The end of the walk's first chain (by RETURN or falling off): a base chain's policy, else `return`. */
function leaveChain(res: EvalResult, entry: Chain, ctx: NfPacketContext, bytes: number): EvalResult {
  if (entry.hook !== null) {
    journalCounters(ctx.state.journal, entry.counters);
    entry.counters.packets++;
    entry.counters.bytes += bytes;
    res.verdict = entry.policy === 'DROP' ? POLICY_DROP : ACCEPT;
  } else {
    res.verdict = RETURN;
  }
  return res;
}

/**
 * evaluateChain() of a base chain without rules, for a packet of `bytes`: its policy decides and counts. The
 * same result and the same counter writes as the walk, without a context (no rule reads the packet).
 */
export function evaluateEmptyBaseChain(entry: Chain, state: MatchState, bytes: number): EvalResult {
  if (entry.hook === null || entry.rules.length !== 0) throw new Error(`invariant: ${entry.name} is no empty base chain`);
  journalCounters(state.journal, entry.counters);
  entry.counters.packets++;
  entry.counters.bytes += bytes;
  return entry.policy === 'DROP' ? DROPPED_BY_POLICY : ACCEPTED_BY_POLICY;
}

/** Walks `chain` of `table` for the packet in `ctx`; counters are updated in `rs`, MARK writes ctx.mark. */
export function evaluateChain(rs: Ruleset, table: TableName, chain: string, ctx: NfPacketContext, opts: EvalOptions = {}): EvalResult {
  const t = rs.tables.get(table);
  const entry = t?.chains.get(chain);
  // No table, or no such chain: nothing is registered on the hook, the packet goes on.
  if (!t || !entry) return newResult();
  return evaluateTableChain(t, entry, ctx, opts);
}

/**
 * The chains walks of one table jumped to, by name, for a caller whose table does not change while it keeps them
 * (a committed table: the hook engine's plan, hook-engine.ts). A walk meets few of them, and this map stays that
 * small where the table's own is large (kube-proxy's nat table holds chains per Service and endpoint).
 */
export type JumpTargets = Map<string, Chain>;

/** The chain `name` of `t` (nft_do_chain() follows the jump's chain pointer), through `known` when given. */
function jumpTarget(t: Table, name: string, known: JumpTargets | null): Chain | undefined {
  if (known === null) return t.chains.get(name);
  let c = known.get(name);
  if (c === undefined) {
    c = t.chains.get(name);
    if (c !== undefined) known.set(name, c);
  }
  return c;
}

/**
 * evaluateChain() from `entry`, a chain of `t` the caller already holds (the hook engine's plan: hook-engine.ts),
 * with the jump targets it keeps for `t`, if any.
 */
export function evaluateTableChain(t: Table, entry: Chain, ctx: NfPacketContext, opts: EvalOptions = {}, jumps: JumpTargets | null = null): EvalResult {
  const res = newResult();
  const table = t.name;
  const bytes = ctx.packet.ip.totalLength;
  const facts = opts.facts === true;
  const stack: Frame[] = [];
  let f = frameFor(entry, table, ctx, opts);
  for (;;) {
    const pos = f.order ? f.order[f.cursor] : f.cursor;
    if (pos === undefined || pos >= f.chain.rules.length) {
      // Falling off a user chain returns to the rule after the jump; off the first chain, the walk ends.
      const up = stack.pop();
      if (up === undefined) return leaveChain(res, entry, ctx, bytes);
      f = up;
      continue;
    }
    f.cursor++;
    res.visited++;
    const rule = f.chain.rules[pos];
    const chainName = f.chain.name;
    const printed = facts ? rulePrinted(chainName, rule) : null;
    const failed = ruleFails(rule, table, chainName, pos + 1, ctx, opts, res, printed !== null);
    if (failed !== null) {
      if (printed) res.facts = add(res.facts, printed.noMatchFact(failed));
      continue;
    }
    if (printed) res.facts = add(res.facts, printed.matchFact());
    const ref: RuleRef = { table, chain: chainName, index: pos + 1 };
    res.matched = add(res.matched, ref);
    countRule(ctx.state.journal, rule, bytes);
    const tg = rule.target;
    if (tg.kind === 'none') continue;
    const v: TargetVerdict = tg.kind === 'module' ? tg.target.apply(ctx) : tg;
    switch (v.kind) {
      case 'continue':
        if (v.event) res.events = add(res.events, v.event);
        continue;
      case 'notrack':
        res.notrack = true;
        continue;
      case 'jump':
      case 'goto': {
        const next = jumpTarget(t, v.chain, jumps);
        if (!next) {
          res.verdict = { kind: 'drop', reason: 'NO_SUCH_CHAIN' };
          res.decidedBy = ref;
          res.decidedRule = rule;
          return res;
        }
        if (v.kind === 'jump') {
          if (stack.length >= NFT_JUMP_STACK_SIZE) {
            res.verdict = { kind: 'drop', reason: 'NFT_JUMP_STACK_OVERFLOW' };
            res.decidedBy = ref;
            res.decidedRule = rule;
            return res;
          }
          // A jump into a chain without rules returns at once: the stack was checked, nothing else happens.
          if (next.rules.length === 0) continue;
          stack.push(f);
        }
        f = frameFor(next, table, ctx, opts);
        continue;
      }
      case 'return': {
        const up = stack.pop();
        if (up === undefined) return leaveChain(res, entry, ctx, bytes);
        f = up;
        continue;
      }
      case 'accept':
        res.verdict = ACCEPT;
        break;
      case 'drop':
        res.verdict = POLICY_DROP;
        break;
      case 'reject':
        res.verdict = { kind: 'reject', with: v.with };
        break;
      case 'nat':
        res.verdict = { kind: 'nat', nat: v.nat };
        break;
    }
    res.decidedBy = ref;
    res.decidedRule = rule;
    return res;
  }
}

/** One outcome of the random choices on a walk, with its probability. */
export interface Branch {
  probability: number;
  result: EvalResult;
}

/**
 * Enumerates every outcome of the random matches met on the walk (depth first over decision sequences). The
 * walk mutates counters, marks and match state, so `run` must build a fresh ruleset and context per call;
 * it receives the `decide` to pass to evaluateChain. Stops after `limit` branches.
 */
export function exploreBranches(run: (decide: NonNullable<EvalOptions['decide']>) => EvalResult, limit = 1024): Branch[] {
  const out: Branch[] = [];
  const pending: boolean[][] = [[]];
  while (pending.length && out.length < limit) {
    const prefix = pending.pop()!;
    let i = 0;
    let p = 1;
    const taken: boolean[] = [];
    const result = run((prob) => {
      const choice = i < prefix.length ? prefix[i] : true;
      if (i >= prefix.length) pending.push([...taken, false]);
      i++;
      taken.push(choice);
      p *= choice ? prob : 1 - prob;
      return choice;
    });
    if (p > 0) out.push({ probability: p, result });
  }
  return out;
}
