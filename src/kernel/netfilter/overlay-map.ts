// A Map that starts as a copy of another without copying it: reads fall through to the base map for the keys
// this map has not changed. iptables-restore --noflush makes each committed table's chain map this way
// (restore-apply.ts), so a commit that changes a few chains of a 50,000-chain nat table costs the chains it
// changes, not a copy of all of them. What every reader sees (get, has, size, and iteration order) is what a
// `new Map(base)` changed by the same calls would give: a replaced key keeps its place, a new key (or a deleted
// key set again) goes to the end.
//
// The base must not change while an overlay reads it: the base is a committed table's map (committed tables are
// never changed in place) or a map only overlays hold. Overlays stay one level deep: an overlay of an overlay
// shares its base and copies its changes, and is flattened into a map of its own once the changes grow past
// about the square root of the base (each commit then costs O(sqrt n) amortized).
//
// One difference from a Map: an overlay must not be changed while it is being iterated (a Map's iterator sees
// keys set or deleted during the loop; an overlay's may not, since an unchanged overlay iterates its base
// directly). Every writer of `Table.chains` takes its list of keys or chains first (restore-apply.ts).

const GONE: unique symbol = Symbol('gone');

export class OverlayMap<K, V extends object> implements Map<K, V> {
  readonly [Symbol.toStringTag] = 'Map';
  #base: ReadonlyMap<K, V>;
  /** Values of the changed keys, GONE for a deleted key of the base (tail keys are here too). */
  #own: Map<K, V | typeof GONE>;
  /** Keys of the base no longer at their base place (deleted; if set again, they are in #tail). */
  #moved: Set<K>;
  /** Entries after the base's, in insertion order: new keys, and base keys deleted and set again. */
  #tail: Map<K, V>;

  private constructor(base: ReadonlyMap<K, V>, own: Map<K, V | typeof GONE>, moved: Set<K>, tail: Map<K, V>) {
    this.#base = base;
    this.#own = own;
    this.#moved = moved;
    this.#tail = tail;
  }

  /**
   * A map equal to `parent` (entries and order) that changes without changing it. `parent` must not be changed
   * afterwards (see the head of this file).
   */
  static over<K, V extends object>(parent: ReadonlyMap<K, V>): OverlayMap<K, V> {
    if (parent instanceof OverlayMap) {
      const p = parent as OverlayMap<K, V>;
      const changes = p.#own.size + p.#moved.size;
      if (changes === 0) return new OverlayMap(p.#base, new Map(), new Set(), new Map());
      if (changes * changes <= 16 * p.#base.size) return new OverlayMap(p.#base, new Map(p.#own), new Set(p.#moved), new Map(p.#tail));
      return new OverlayMap(new Map(p), new Map(), new Set(), new Map());
    }
    return new OverlayMap(parent, new Map(), new Set(), new Map());
  }

  /**
   * `m` itself, or a plain copy of it when it is an overlay whose changes outgrew its base (what `over` would
   * flatten): a commit settles its table's map this way, so a committed map reads at Map speed unless few of
   * its entries changed.
   */
  static settle<K, V extends object>(m: Map<K, V>): Map<K, V> {
    if (!(m instanceof OverlayMap)) return m;
    const o = m as OverlayMap<K, V>;
    const changes = o.#own.size + o.#moved.size;
    return changes * changes <= 16 * o.#base.size ? o : new Map(o);
  }

  get size(): number {
    return this.#base.size - this.#moved.size + this.#tail.size;
  }

  get(k: K): V | undefined {
    const o = this.#own.get(k);
    if (o !== undefined) return o === GONE ? undefined : o;
    return this.#base.get(k);
  }

  has(k: K): boolean {
    const o = this.#own.get(k);
    if (o !== undefined) return o !== GONE;
    return this.#base.has(k);
  }

  set(k: K, v: V): this {
    if (this.#tail.has(k) || this.#moved.has(k) || !this.#base.has(k)) this.#tail.set(k, v);
    this.#own.set(k, v);
    return this;
  }

  delete(k: K): boolean {
    if (this.#tail.delete(k)) {
      if (this.#base.has(k)) this.#own.set(k, GONE);
      else this.#own.delete(k);
      return true;
    }
    if (this.#moved.has(k) || !this.#base.has(k)) return false;
    this.#moved.add(k);
    this.#own.set(k, GONE);
    return true;
  }

  clear(): void {
    this.#base = new Map();
    this.#own = new Map();
    this.#moved = new Set();
    this.#tail = new Map();
  }

  forEach(cb: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.#entries()) cb.call(thisArg, v, k, this);
  }

  *#entries(): Generator<[K, V], undefined, unknown> {
    if (this.#own.size === 0) {
      yield* this.#base;
      return undefined;
    }
    const own = this.#own;
    const moved = this.#moved;
    const skip = moved.size > 0;
    for (const [k, v] of this.#base) {
      if (skip && moved.has(k)) continue;
      const o = own.get(k);
      yield [k, o === undefined || o === GONE ? v : o];
    }
    yield* this.#tail;
    return undefined;
  }

  *#keys(): Generator<K, undefined, unknown> {
    const moved = this.#moved;
    const skip = moved.size > 0;
    for (const k of this.#base.keys()) if (!skip || !moved.has(k)) yield k;
    yield* this.#tail.keys();
    return undefined;
  }

  *#values(): Generator<V, undefined, unknown> {
    const own = this.#own;
    const moved = this.#moved;
    const skip = moved.size > 0;
    for (const [k, v] of this.#base) {
      if (skip && moved.has(k)) continue;
      const o = own.get(k);
      yield o === undefined || o === GONE ? v : o;
    }
    yield* this.#tail.values();
    return undefined;
  }

  entries(): MapIterator<[K, V]> {
    return this.#entries() as unknown as MapIterator<[K, V]>;
  }

  keys(): MapIterator<K> {
    if (this.#moved.size === 0 && this.#tail.size === 0) return this.#base.keys();
    return this.#keys() as unknown as MapIterator<K>;
  }

  values(): MapIterator<V> {
    if (this.#own.size === 0) return this.#base.values();
    return this.#values() as unknown as MapIterator<V>;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }
}
