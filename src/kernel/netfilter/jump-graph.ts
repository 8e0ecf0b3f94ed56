// The jump graph of a committed table, kept so a --noflush commit is validated by what it changed rather than
// by walking the whole table again. The kernel keeps the same facts per chain (nft_chain->use counts the rules
// jumping to it, which nf_tables_delchain() refuses to delete with EBUSY; nft_chain_validate() walks from the
// base chains). A commit that only flushes and rewrites some chains can break nothing elsewhere: a new loop,
// a deeper jump path or a hook reaching a new chain all need an edge that changed. So the check below answers
// only "surely valid" or "not sure"; on "not sure" the caller runs the full validation (table-validate.ts),
// which finds the kernel's first problem with its exact message.

import type { NfHook } from './hooks.js';
import type { Chain, Rule, Table } from './ruleset.js';
import { BUILTIN_CHAINS } from './ruleset.js';
import { HOOK_BIT, allowedHooks, entryHooksAllow } from './hook-mask.js';
import { NFT_JUMP_STACK_SIZE, jumpHeight } from './table-validate.js';
import type { CompactGraph } from './compact-jump-check.js';
import { compactValidGraph } from './compact-jump-check.js';

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

const GONE: unique symbol = Symbol('gone');

/**
 * One of a LazyJumpGraph's maps: a chain's entry is read from the CompactGraph by its number when first asked
 * for, and what is set or deleted since is kept beside it; so the first incremental commit after a full sync
 * reads the few chains it touches instead of building 80,000 entries. Reads and writes behave as a Map holding
 * every entry the CompactGraph gives (its iteration too, in another order).
 */
class CompactFacts<V> extends Map<string, V> {
  readonly #compact: CompactGraph;
  /** The entry of chain i (undefined: none). */
  readonly #read: (i: number) => V | undefined;
  /** Whether a read entry is kept (an entry its reader may change in place must be). */
  readonly #keepReads: boolean;
  readonly #own = new Map<string, V | typeof GONE>();

  constructor(compact: CompactGraph, read: (i: number) => V | undefined, keepReads: boolean) {
    super();
    this.#compact = compact;
    this.#read = read;
    this.#keepReads = keepReads;
  }

  /** How many entries were read, set or deleted since the CompactGraph. */
  get changes(): number {
    return this.#own.size;
  }

  /** A copy that changes without changing this one; `copy` copies a value its reader may change in place. */
  fork(copy: (v: V) => V): CompactFacts<V> {
    const f = new CompactFacts(this.#compact, this.#read, this.#keepReads);
    for (const [k, v] of this.#own) f.#own.set(k, v === GONE ? GONE : copy(v));
    return f;
  }

  override get(k: string): V | undefined {
    const o = this.#own.get(k);
    if (o !== undefined) return o === GONE ? undefined : o;
    const i = this.#compact.numberOf(k);
    if (i === undefined) return undefined;
    const v = this.#read(i);
    if (this.#keepReads && v !== undefined) this.#own.set(k, v);
    return v;
  }

  override has(k: string): boolean {
    return this.get(k) !== undefined;
  }

  override set(k: string, v: V): this {
    this.#own.set(k, v);
    return this;
  }

  override delete(k: string): boolean {
    const had = this.has(k);
    this.#own.set(k, GONE);
    return had;
  }

  override clear(): void {
    for (const [k] of this.entries()) this.#own.set(k, GONE);
  }

  override get size(): number {
    let n = 0;
    for (const _ of this.entries()) n++;
    return n;
  }

  override *entries(): MapIterator<[string, V]> {
    const { names } = this.#compact;
    for (let i = 0; i < names.length; i++) {
      if (this.#own.has(names[i])) continue;
      const v = this.#read(i);
      if (v !== undefined) yield [names[i], v];
    }
    for (const [k, v] of this.#own) if (v !== GONE) yield [k, v];
    return undefined;
  }

  override *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
    return undefined;
  }

  override *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
    return undefined;
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(cb: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) cb.call(thisArg, v, k, this);
  }
}

/** The chains jumping to each chain, as CSR arrays over chain numbers (the reverse of a CompactGraph's). */
function reverseEdges(c: CompactGraph): { offsets: Int32Array; sources: Int32Array } {
  const n = c.names.length;
  const { starts, ends, targets } = c;
  const m = targets.length;
  const offsets = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) offsets[targets[e] + 1]++;
  for (let v = 0; v < n; v++) offsets[v + 1] += offsets[v];
  const fill = offsets.slice(0, n);
  const sources = new Int32Array(m);
  for (let v = 0; v < n; v++) {
    const end = ends[v];
    for (let e = starts[v]; e < end; e++) sources[fill[targets[e]]++] = v;
  }
  return { offsets, sources };
}

/**
 * The chains jumping to one chain of a CompactGraph (a range of its reverse edges, a chain jumping twice there
 * twice in a row), with what was added or deleted since: a chain most chains jump to (KUBE-MARK-MASQ, 80,000
 * parents at 10,000 Services) is not copied into a Set when the commit check adds or deletes one parent.
 * Behaves as a Set of the parents' names (its iteration too, in another order).
 */
class ParentSet extends Set<string> {
  readonly #c: CompactGraph;
  readonly #sources: Int32Array;
  readonly #from: number;
  readonly #to: number;
  readonly #added = new Set<string>();
  readonly #removed = new Set<string>();
  #distinct = -1;

  constructor(c: CompactGraph, sources: Int32Array, from: number, to: number) {
    super();
    this.#c = c;
    this.#sources = sources;
    this.#from = from;
    this.#to = to;
  }

  /** A copy that changes without changing this one. */
  clone(): ParentSet {
    const p = new ParentSet(this.#c, this.#sources, this.#from, this.#to);
    for (const k of this.#added) p.#added.add(k);
    for (const k of this.#removed) p.#removed.add(k);
    p.#distinct = this.#distinct;
    return p;
  }

  #inBase(k: string): boolean {
    const v = this.#c.numberOf(k);
    if (v === undefined) return false;
    for (let e = this.#from; e < this.#to; e++) if (this.#sources[e] === v) return true;
    return false;
  }

  override has(k: string): boolean {
    return this.#added.has(k) || (!this.#removed.has(k) && this.#inBase(k));
  }

  override add(k: string): this {
    if (this.has(k)) return this;
    if (!this.#removed.delete(k)) this.#added.add(k);
    return this;
  }

  override delete(k: string): boolean {
    if (this.#added.delete(k)) return true;
    if (this.#removed.has(k) || !this.#inBase(k)) return false;
    this.#removed.add(k);
    return true;
  }

  override clear(): void {
    this.#added.clear();
    for (const k of this.#base()) this.#removed.add(k);
  }

  override get size(): number {
    if (this.#distinct < 0) {
      let n = 0;
      for (const _ of this.#base()) n++;
      this.#distinct = n;
    }
    return this.#distinct - this.#removed.size + this.#added.size;
  }

  *#base(): Generator<string, undefined, unknown> {
    const names = this.#c.names;
    for (let e = this.#from; e < this.#to; e++) {
      if (e > this.#from && this.#sources[e] === this.#sources[e - 1]) continue;
      yield names[this.#sources[e]];
    }
    return undefined;
  }

  override *values(): SetIterator<string> {
    for (const k of this.#base()) if (!this.#removed.has(k)) yield k;
    yield* this.#added;
    return undefined;
  }

  override keys(): SetIterator<string> {
    return this.values();
  }

  override *entries(): SetIterator<[string, string]> {
    for (const k of this.values()) yield [k, k];
    return undefined;
  }

  override [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  override forEach(cb: (value: string, key: string, set: Set<string>) => void, thisArg?: unknown): void {
    for (const k of this.values()) cb.call(thisArg, k, k, this);
  }
}

/**
 * A graph whose maps read a CompactGraph chain by chain (CompactFacts), made only when first read (a full
 * sync's check needs none of them; the next incremental commit reads a few entries).
 */
class LazyJumpGraph implements JumpGraph {
  #compact: CompactGraph;
  #parents: Map<string, Set<string>> | undefined;
  #height: Map<string, number> | undefined;
  #reach: Map<string, number> | undefined;

  constructor(compact: CompactGraph) {
    this.#compact = compact;
  }

  /**
   * A copy that changes without changing this graph, when that is cheap (few entries changed since its
   * CompactGraph; the maps are CompactFacts, as made here); else null.
   */
  fork(): LazyJumpGraph | null {
    const parents = this.#parents;
    const height = this.#height;
    const reach = this.#reach;
    const facts = [parents, height, reach];
    let changes = 0;
    for (const m of facts) {
      if (m === undefined) continue;
      if (!(m instanceof CompactFacts)) return null;
      changes += m.changes;
    }
    if (changes > FORK_MAX_CHANGES) return null;
    const f = new LazyJumpGraph(this.#compact);
    if (parents instanceof CompactFacts) f.#parents = (parents as CompactFacts<Set<string>>).fork((p) => (p instanceof ParentSet ? p.clone() : new Set(p)));
    if (height instanceof CompactFacts) f.#height = (height as CompactFacts<number>).fork((h) => h);
    if (reach instanceof CompactFacts) f.#reach = (reach as CompactFacts<number>).fork((r) => r);
    return f;
  }

  /** Describes the table `compact` was made from, dropping the maps made so far. */
  adopt(compact: CompactGraph): void {
    this.#compact = compact;
    this.#parents = undefined;
    this.#height = undefined;
    this.#reach = undefined;
  }

  get parents(): Map<string, Set<string>> {
    if (this.#parents === undefined) {
      const c = this.#compact;
      let rev: { offsets: Int32Array; sources: Int32Array } | undefined;
      // Kept once read: the commit check changes a chain's set of parents in place.
      this.#parents = new CompactFacts(c, (v) => {
        rev ??= reverseEdges(c);
        if (rev.offsets[v] === rev.offsets[v + 1]) return undefined;
        return new ParentSet(c, rev.sources, rev.offsets[v], rev.offsets[v + 1]);
      }, true);
    }
    return this.#parents;
  }

  set parents(p: Map<string, Set<string>>) {
    this.#parents = p;
  }

  get height(): Map<string, number> {
    if (this.#height === undefined) {
      const h = this.#compact.height;
      this.#height = new CompactFacts(this.#compact, (v) => h[v], false);
    }
    return this.#height;
  }

  set height(h: Map<string, number>) {
    this.#height = h;
  }

  get reach(): Map<string, number> {
    if (this.#reach === undefined) {
      const r = this.#compact.reach;
      this.#reach = new CompactFacts(this.#compact, (v) => (r[v] === 0 ? undefined : r[v]), false);
    }
    return this.#reach;
  }

  set reach(r: Map<string, number>) {
    this.#reach = r;
  }
}

/** A graph with more changed entries than this is not copied (see forkJumpGraph). */
const FORK_MAX_CHANGES = 4096;

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
