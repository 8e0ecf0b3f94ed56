// A committed table's jump graph as views over the linear commit check's CompactGraph (compact-jump-check.ts):
// maps and sets that behave as a JumpGraph's (jump-graph.ts) and keep only what was read, set or deleted since,
// so a full sync's check builds no per-chain entry and the next commit check copies none it does not touch.

import type { CompactGraph } from './compact-jump-check.js';
import type { JumpGraph } from './jump-graph.js';

/** A graph with more changed entries than this is not copied (fork(), forkJumpGraph()). */
const FORK_MAX_CHANGES = 4096;

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
export class LazyJumpGraph implements JumpGraph {
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
