/**
 * An undo journal for state that lives inside shared, otherwise immutable objects (rule and policy counters,
 * `-m statistic --mode nth` counters): the first write to each object during a run saves how to put it back,
 * so undoing costs what the run touched, never what the World holds.
 */
export class StateJournal {
  readonly #undo = new Map<object, () => void>();

  /** Whether `key` already has its original value saved. */
  has(key: object): boolean {
    return this.#undo.has(key);
  }

  /** Saves `restore` for `key` unless one is saved already (the first save holds the original value). */
  save(key: object, restore: () => void): void {
    if (!this.#undo.has(key)) this.#undo.set(key, restore);
  }

  /** Puts every journalled object back as it was before its first write, and empties the journal. */
  rollback(): void {
    for (const restore of this.#undo.values()) restore();
    this.#undo.clear();
  }

  get size(): number {
    return this.#undo.size;
  }
}

/** The counters of a rule or built-in chain, saved before their first change. */
export function journalCounters(journal: StateJournal | undefined, c: { packets: number; bytes: number }): void {
  if (journal === undefined || journal.has(c)) return;
  const { packets, bytes } = c;
  journal.save(c, () => {
    c.packets = packets;
    c.bytes = bytes;
  });
}
