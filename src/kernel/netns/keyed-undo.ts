// Undo for a keyed table (neighbours, fdb entries) whose entries a run may change in place: each key's entry
// is copied before its first change after the checkpoint, so rolling back costs what the run touched, never
// the size of the table (flannel's permanent neighbours and the underlay's fdb grow with the nodes).

/** What `KeyedUndo.rollback()` needs from the table it guards. */
export interface KeyedStore<V> {
  readonly entries: Map<string, V>;
  copy(v: V): V;
}

/** The original entry of each key touched since the checkpoint, and the key order once a key was removed. */
export class KeyedUndo<V> {
  readonly #saved = new Map<string, V | null>();
  #order: string[] | null = null;

  constructor(readonly store: KeyedStore<V>) {}

  /** `key` may change (or appear): its entry as it is now is kept, the first time only. */
  save(key: string): void {
    if (this.#saved.has(key)) return;
    const v = this.store.entries.get(key);
    this.#saved.set(key, v === undefined ? null : this.store.copy(v));
  }

  /** `key` is about to be removed: the table's order is kept too (the first time), so its place comes back. */
  saveRemoval(key: string): void {
    if (this.#order === null) this.#order = Array.from(this.store.entries.keys());
    this.save(key);
  }

  /** Every entry may change (a walk over the whole table). */
  saveAll(): void {
    for (const key of this.store.entries.keys()) this.save(key);
  }

  /** Puts every touched key back as it was, in the table's order at the checkpoint. */
  rollback(): void {
    const live = this.store.entries;
    if (this.#order === null) {
      // Nothing was removed: keys that existed keep their places; keys added since go.
      for (const [key, v] of this.#saved) {
        if (v === null) live.delete(key);
        else live.set(key, v);
      }
      return;
    }
    const current = new Map(live);
    live.clear();
    for (const key of this.#order) {
      const v = this.#saved.has(key) ? this.#saved.get(key) ?? null : current.get(key) ?? null;
      if (v !== null) live.set(key, v);
    }
  }
}

/**
 * A keyed table's checkpoint, one at a time: open or not, with its undo made on the first save (most tables a run
 * passes are never changed, so they cost nothing).
 */
export class KeyedCheckpoint<V> {
  #open = false;
  #undo: KeyedUndo<V> | null = null;

  constructor(
    readonly store: KeyedStore<V>,
    /** The table's name in an invariant error. */
    readonly what: string,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  /** The open checkpoint's undo, made on first use; null while none is open. */
  log(): KeyedUndo<V> | null {
    if (!this.#open) return null;
    return (this.#undo ??= new KeyedUndo<V>(this.store));
  }

  begin(): void {
    if (this.#open) throw new Error(`invariant: the ${this.what} already has a checkpoint`);
    this.#open = true;
  }

  /** Ends the checkpoint, putting back every entry changed, added or removed since it began. */
  rollback(): void {
    const undo = this.#undo;
    this.#open = false;
    this.#undo = null;
    undo?.rollback();
  }

  /** A whole-table write (restoreState) while a checkpoint is open would escape its undo. */
  refuseWholeWrite(): void {
    if (this.#open) throw new Error(`invariant: the ${this.what} is restored whole while a checkpoint is open`);
  }
}
