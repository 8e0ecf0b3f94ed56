// The jump graph of a committed table, kept so a --noflush commit is validated by what it changed rather than
// by walking the whole table again. The kernel keeps the same facts per chain (nft_chain->use counts the rules
// jumping to it, which nf_tables_delchain() refuses to delete with EBUSY; nft_chain_validate() walks from the
// base chains). A commit that only flushes and rewrites some chains can break nothing elsewhere: a new loop,
// a deeper jump path or a hook reaching a new chain all need an edge that changed. So the check below answers
// only "surely valid" or "not sure"; on "not sure" the caller runs the full validation (table-validate.ts),
// which finds the kernel's first problem with its exact message.
// A graph the linear check made (compact-jump-check.ts) is read from it lazily (lazy-jump-graph.ts).

import type { Chain, Rule, Table } from './ruleset.js';
import { BUILTIN_CHAINS } from './ruleset.js';
import { HOOK_BIT, allowedHooks, entryHooksAllow } from './hook-mask.js';
import { NFT_JUMP_STACK_SIZE, jumpHeight } from './table-validate.js';
import { compactValidGraph } from './compact-jump-check.js';
import { LazyJumpGraph } from './lazy-jump-graph.js';

/** What a committed table's jump graph says, per chain name. */
export interface JumpGraph {
  /** The chains with a rule jumping (or going) to the chain. */
  parents: Map<string, Set<string>>;
  /** The longest jump path below the chain (0: it jumps nowhere); Infinity on a loop. */
  height: Map<string, number>;
  /** The hooks whose base chain reaches the chain (a bit per hook); may hold more bits than the truth, never fewer. */
  reach: Map<string, number>;
}

function targetOf(r: Rule): string | null {
  return r.target.kind === 'jump' || r.target.kind === 'goto' ? r.target.chain : null;
}

/** The edge set of a chain that jumps nowhere (never written to: edge sets are only read). */
const NO_EDGES: ReadonlySet<string> = new Set<string>();

function edges(c: Chain | undefined): ReadonlySet<string> {
  let out: Set<string> | undefined;
  if (c) for (const r of c.rules) {
    const t = targetOf(r);
    if (t !== null) (out ??= new Set()).add(t);
  }
  return out ?? NO_EDGES;
}

/** Whether two versions of a chain jump to the same chains in the same order (rules made from one cached parse share their target). */
function sameJumps(a: Chain, b: Chain): boolean {
  if (a.rules.length !== b.rules.length) return false;
  for (let i = 0; i < a.rules.length; i++) {
    const x = a.rules[i].target;
    const y = b.rules[i].target;
    if (x === y) continue;
    const tx = x.kind === 'jump' || x.kind === 'goto' ? x.chain : null;
    const ty = y.kind === 'jump' || y.kind === 'goto' ? y.chain : null;
    if (tx !== ty) return false;
  }
  return true;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/**
 * A copy of `g` that the commit check may change while `g` stays true of its table (so a second restore over
 * the same table finds its graph), when that is cheap; else null (the caller hands `g` itself on).
 */
export function forkJumpGraph(g: JumpGraph): JumpGraph | null {
  return g instanceof LazyJumpGraph ? g.fork() : null;
}

/** The graph of a whole table, from scratch. */
export function buildJumpGraph(table: Table): JumpGraph {
  const c = compactValidGraph(table);
  return c !== null ? new LazyJumpGraph(c) : (graphOf(table, false) as JumpGraph);
}

/** The graph of `table` when it surely passes the commit checks, else null: the linear check, else the map-based one. */
export function checkedGraph(table: Table): JumpGraph | null {
  const c = compactValidGraph(table);
  return c !== null ? new LazyJumpGraph(c) : validGraph(table);
}

/** The graph of `table`; null when `stopOnDangling` and some jump names a chain it lacks. */
function graphOf(table: Table, stopOnDangling: boolean): JumpGraph | null {
  const parents = new Map<string, Set<string>>();
  for (const c of table.chains.values()) {
    for (const r of c.rules) {
      const t = targetOf(r);
      if (t === null) continue;
      let p = parents.get(t);
      if (!p) {
        if (stopOnDangling && !table.chains.has(t)) return null;
        parents.set(t, (p = new Set()));
      }
      p.add(c.name);
    }
  }
  const height = new Map<string, number>();
  const onStack = new Set<string>();
  const h = (name: string): number => jumpHeight(table, name, height, onStack, (n) => height.get(n));
  for (const name of table.chains.keys()) h(name);
  const reach = new Map<string, number>();
  for (const c of table.chains.values()) {
    if (c.hook === null) continue;
    propagate(table, reach, c.name, HOOK_BIT[c.hook]);
  }
  return { parents, height, reach };
}


/**
 * The graph of `table` when it surely passes the commit checks (every jump names a chain, no base chain's jump
 * path reaches NFT_JUMP_STACK_SIZE, every rule a hook reaches allows it), else null.
 */
export function validGraph(table: Table): JumpGraph | null {
  const g = graphOf(table, true);
  if (g === null) return null;
  for (const hook of BUILTIN_CHAINS[table.name]) {
    const c = table.chains.get(hook);
    if (!c) continue;
    // A base chain's own rules, by their options too (hook-mask.ts entryHooks()).
    if (c.hook !== null && !entryHooksAllow(c.rules, c.hook)) return null;
    for (const r of c.rules) {
      const t = targetOf(r);
      if (t !== null && 1 + (g.height.get(t) ?? 0) >= NFT_JUMP_STACK_SIZE) return null;
    }
  }
  for (const [name, bits] of g.reach) {
    const c = table.chains.get(name);
    if (!c || bits === 0) continue;
    for (const r of c.rules) if ((allowedHooks(r) & bits) !== bits) return null;
  }
  return g;
}

/** Adds `bits` to `from` and to every chain it reaches that lacks some of them; returns the chains that gained bits. */
function propagate(table: Table, reach: Map<string, number>, from: string, bits: number, gained?: Set<string>): void {
  const names = [from];
  const masks = [bits];
  while (names.length) {
    const name = names.pop()!;
    const b = masks.pop()!;
    const had = reach.get(name) ?? 0;
    if ((had | b) === had) continue;
    reach.set(name, had | b);
    gained?.add(name);
    const c = table.chains.get(name);
    if (!c) continue;
    // A chain named twice is visited twice; the second visit finds its bits already there.
    for (const r of c.rules) {
      const t = targetOf(r);
      if (t === null) continue;
      names.push(t);
      masks.push(had | b);
    }
  }
}

/**
 * Whether the table `next` surely passes the commit checks, checked whole (a commit that rewrote most of it);
 * when it does, `g` is made to describe `next`; when it returns false, `g` may be damaged and must be dropped.
 */
export function wholeTableValid(g: JumpGraph, next: Table): boolean {
  const compact = compactValidGraph(next);
  if (compact !== null && g instanceof LazyJumpGraph) {
    g.adopt(compact);
    return true;
  }
  const fresh = compact !== null ? new LazyJumpGraph(compact) : validGraph(next);
  if (fresh === null) return false;
  g.parents = fresh.parents;
  g.height = fresh.height;
  g.reach = fresh.reach;
  return true;
}

/**
 * Whether the table `next`, made from `base` (whose graph is `g`) by changing the chains named in `touched`
 * (flushed, rewritten, created or deleted), surely passes the commit checks. When it does, `g` is updated in
 * place to describe `next` and true is returned; when it returns false, `g` may be damaged and must be dropped.
 */
export function surelyValid(g: JumpGraph, base: Table, next: Table, touched: ReadonlySet<string>): boolean {
  // A commit that rewrites most of the table (a full sync) is checked faster from scratch than change by change.
  if (touched.size * 2 > next.chains.size) return wholeTableValid(g, next);
  const edgesNow = new Map<string, ReadonlySet<string>>();
  const edgesOfNext = (name: string): ReadonlySet<string> => {
    let e = edgesNow.get(name);
    if (e === undefined) edgesNow.set(name, (e = edges(next.chains.get(name))));
    return e;
  };
  // Jumps: every target of a touched chain exists; a deleted chain has no jump left to it (chain->use).
  const edgeChanged = new Map<string, { before: ReadonlySet<string>; after: ReadonlySet<string> }>();
  for (const name of touched) {
    const now = next.chains.get(name);
    const was = base.chains.get(name);
    // A chain rewritten with the same jumps in the same order (kube-proxy's KUBE-SERVICES) keeps its edges;
    // a jump to a chain deleted since is caught below, from the deleted chain's side.
    if (now !== undefined && was !== undefined && sameJumps(was, now)) continue;
    const after = edgesOfNext(name);
    for (const t of after) if (!next.chains.has(t)) return false;
    const before = edges(was);
    if (!sameSet(before, after) || !now !== !was) edgeChanged.set(name, { before, after });
  }
  for (const name of touched) {
    if (next.chains.has(name)) continue;
    for (const p of g.parents.get(name) ?? []) if (!touched.has(p) || edgesOfNext(p).has(name)) return false;
  }
  // Heights: a chain whose edges changed gets its height again; its ancestors only while heights change.
  const dirty = new Set<string>();
  const todo = [...edgeChanged.keys()];
  while (todo.length) {
    const n = todo.pop()!;
    if (dirty.has(n)) continue;
    dirty.add(n);
    for (const p of g.parents.get(n) ?? []) todo.push(p);
  }
  const fresh = new Map<string, number>();
  const onStack = new Set<string>();
  const known = (n: string): number | undefined => fresh.get(n) ?? (dirty.has(n) ? undefined : g.height.get(n) ?? 0);
  const up: string[] = [];
  for (const n of edgeChanged.keys()) {
    if (!next.chains.has(n)) continue;
    jumpHeight(next, n, fresh, onStack, known);
  }
  for (const [n, h] of fresh) if (h !== g.height.get(n)) up.push(n);
  for (const n of edgeChanged.keys()) if (!next.chains.has(n)) up.push(n);
  // A dirty chain never recomputed has only unchanged children and unchanged edges: its height stands.
  const settled = (n: string): number => fresh.get(n) ?? g.height.get(n) ?? 0;
  const recompute = (n: string): number => {
    const c = next.chains.get(n);
    let best = 0;
    if (c) for (const r of c.rules) {
      const t = targetOf(r);
      if (t !== null) best = Math.max(best, 1 + settled(t));
    }
    return best;
  };
  while (up.length) {
    const n = up.pop()!;
    for (const p of g.parents.get(n) ?? []) {
      if (edgeChanged.has(p) || !next.chains.has(p)) continue;
      const h = recompute(p);
      if (h === settled(p)) continue;
      // A height that grows without end is a loop: the full validation names it.
      if (h === Infinity || h >= 2 * NFT_JUMP_STACK_SIZE + next.chains.size) return false;
      fresh.set(p, h);
      up.push(p);
    }
  }
  for (const hook of BUILTIN_CHAINS[next.name]) {
    const c = next.chains.get(hook);
    if (!c) continue;
    // A base chain's own rules, by their options too (hook-mask.ts entryHooks()).
    if (c.hook !== null && !entryHooksAllow(c.rules, c.hook)) return false;
    for (const r of c.rules) {
      const t = targetOf(r);
      if (t !== null && 1 + settled(t) >= NFT_JUMP_STACK_SIZE) return false;
    }
  }
  // Hooks: a new edge hands its chain's hooks on; a touched chain's rules are checked against its hooks.
  const gained = new Set<string>();
  for (const [name, e] of edgeChanged) {
    const c = next.chains.get(name);
    if (!c) continue;
    const bits = (g.reach.get(name) ?? 0) | (c.hook !== null ? HOOK_BIT[c.hook] : 0);
    // A chain no hook reaches hands nothing on.
    if (bits === 0) continue;
    if (bits !== (g.reach.get(name) ?? 0)) propagate(next, g.reach, name, bits, gained);
    for (const t of e.after) if (!e.before.has(t)) propagate(next, g.reach, t, bits, gained);
  }
  const hooksAllow = (name: string): boolean => {
    const c = next.chains.get(name);
    const bits = g.reach.get(name) ?? 0;
    if (!c || bits === 0) return true;
    for (const r of c.rules) if ((allowedHooks(r) & bits) !== bits) return false;
    return true;
  };
  for (const name of touched) if (!hooksAllow(name)) return false;
  for (const name of gained) if (!touched.has(name) && !hooksAllow(name)) return false;
  // Surely valid: the graph now describes `next`.
  for (const [name, e] of edgeChanged) {
    for (const t of e.before) if (!e.after.has(t)) g.parents.get(t)?.delete(name);
    for (const t of e.after) {
      let p = g.parents.get(t);
      if (!p) g.parents.set(t, (p = new Set()));
      p.add(name);
    }
  }
  for (const [n, h] of fresh) g.height.set(n, h);
  for (const name of touched) {
    if (next.chains.has(name)) continue;
    g.height.delete(name);
    g.reach.delete(name);
    const p = g.parents.get(name);
    if (p && p.size === 0) g.parents.delete(name);
  }
  return true;
}
