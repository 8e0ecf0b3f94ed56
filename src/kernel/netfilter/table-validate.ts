// What the kernel checks when a table is committed (nf_tables_validate() -> nft_chain_validate() in
// net/netfilter/nf_tables_api.c): every chain reachable from a base chain is visited with the jump level, and a
// level of NFT_JUMP_STACK_SIZE (16) is refused with EMLINK, which is how loops are refused too; every target
// must allow the hook it can be reached from (xt_check_target()). Chains no base chain reaches are not checked.

import type { Chain, Rule, Table } from './ruleset.js';
import { findMatch, findTarget } from './registry.js';
import { HOOK_BIT, allowedHooks, entryHooks } from './hook-mask.js';

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h. */
export const NFT_JUMP_STACK_SIZE = 16;

export interface ValidationProblem {
  message: string;
  /** The rule the kernel blames, when the table has one. */
  rule: Rule | null;
  /** The match of that rule whose hooks refuse it (index in Rule.matches); absent: the target. */
  match?: number;
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

export function validateTable(table: Table): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  const h = heights(table);
  for (const base of table.chains.values()) {
    if (base.hook === null) continue;
    for (const r of base.rules) {
      const t = targetChain(r);
      if (t !== null && 1 + h(t) >= NFT_JUMP_STACK_SIZE) {
        problems.push({ message: `RULE_APPEND failed (Too many links): rule in chain ${base.name}`, rule: r });
        return problems;
      }
    }
    // Hook masks of the targets in every chain this hook reaches.
    const bit = HOOK_BIT[base.hook];
    const seen = new Set<string>();
    const todo = [base.name];
    while (todo.length) {
      const c = table.chains.get(todo.pop()!);
      if (!c || seen.has(c.name)) continue;
      seen.add(c.name);
      for (const r of c.rules) {
        const t = targetChain(r);
        if (t !== null) todo.push(t);
        // A rule written in the base chain itself is also held to its options' hooks (hook-mask.ts entryHooks()).
        const direct = c === base;
        if ((allowedHooks(r) & bit) !== 0 && (!direct || (entryHooks(r) & bit) !== 0)) continue;
        const refuses = (hooks: readonly string[] | undefined): boolean => hooks !== undefined && !hooks.includes(base.hook!);
        const refused = r.matches.map((m) => refuses(findMatch(m.module)?.hooks) || (direct && refuses(m.hooks)));
        refused.push(r.target.kind === 'module' && (refuses(findTarget(r.target.target.name)?.hooks) || (direct && refuses(r.target.target.hooks))));
        const bad = refused.indexOf(true);
        if (bad >= 0) {
          problems.push({ message: `RULE_APPEND failed (Invalid argument): rule in chain ${c.name}`, rule: r, ...(bad < r.matches.length ? { match: bad } : {}) });
          return problems;
        }
      }
    }
  }
  return problems;
}
