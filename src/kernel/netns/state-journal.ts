/**
 * An undo journal for state that lives inside shared, otherwise immutable objects (rule and policy counters,
 * `-m statistic --mode nth` counters): the first write to each object during a run saves how to put it back,
 * so undoing costs what the run touched, never what the World holds.
 */
export class StateJournal {
  /** Each journalled object, with how to put it back (null: a counters object, its values in #counters). */
  readonly #undo = new Map<object, (() => void) | null>();
  /** Counters saved by saveCounters(): each object, then its packets and bytes as they were. */
  #counters: ({ packets: number; bytes: number } | number)[] = [];

  /** Whether `key` already has its original value saved. */
  has(key: object): boolean {
    return this.#undo.has(key);
  }

  /** Saves `restore` for `key` unless one is saved already (the first save holds the original value). */
  save(key: object, restore: () => void): void {
    if (!this.#undo.has(key)) this.#undo.set(key, restore);
  }

  /**
   * Saves a rule's or built-in chain's counters before their first change (nft_counter_eval() writes them per
   * packet): one map lookup per write, and no closure for the first.
   */
  saveCounters(c: { packets: number; bytes: number }): void {
    if (this.#undo.has(c)) return;
    this.#undo.set(c, null);
    this.#counters.push(c, c.packets, c.bytes);
  }

  /** Puts every journalled object back as it was before its first write, and empties the journal. */
  rollback(): void {
    for (const restore of this.#undo.values()) if (restore !== null) restore();
    const saved = this.#counters;
    for (let i = 0; i < saved.length; i += 3) {
      const c = saved[i] as { packets: number; bytes: number };
      c.packets = saved[i + 1] as number;
      c.bytes = saved[i + 2] as number;
    }
    this.#undo.clear();
    this.#counters = [];
  }

  get size(): number {
    return this.#undo.size;
  }
}

/** The counters of a rule or built-in chain, saved before their first change. */
export function journalCounters(journal: StateJournal | undefined, c: { packets: number; bytes: number }): void {
  journal?.saveCounters(c);
}
