/** Records of counters (three slots each) after which saveCounters() drops repeats: a bound for long runs. */
const COMPACT_AT = 3 * 4096;

/**
 * An undo journal for state that lives inside shared, otherwise immutable objects (rule and policy counters,
 * `-m statistic --mode nth` counters): the first write to each object during a run saves how to put it back,
 * so undoing costs what the run touched, never what the World holds.
 */
export class StateJournal {
  /** Each journalled object, with how to put it back. */
  readonly #undo = new Map<object, () => void>();
  /**
   * Counters saved by saveCounters(): each object, then its packets and bytes before that write, once per write
   * (no lookup of whether the object was saved already: a map keyed by every counters object a run writes cost
   * more than the writes). Put back last to first, so each object ends with its first saved, original, values.
   */
  #counters: ({ packets: number; bytes: number } | number)[] = [];
  /** The length of #counters at which it is next made one record per object (compactCounters()). */
  #compactAt = COMPACT_AT;

  /** Whether `key` already has its original value saved. */
  has(key: object): boolean {
    return this.#undo.has(key);
  }

  /** Saves `restore` for `key` unless one is saved already (the first save holds the original value). */
  save(key: object, restore: () => void): void {
    if (!this.#undo.has(key)) this.#undo.set(key, restore);
  }

  /**
   * Saves a rule's or built-in chain's counters before a change (nft_counter_eval() writes them per packet): the
   * first save of an object holds its original values, and rollback() puts saves back last to first.
   */
  saveCounters(c: { packets: number; bytes: number }): void {
    const saved = this.#counters;
    // The same counters twice in a row (a chain's policy, a rule a flood's copies match) need one record.
    if (saved.length !== 0 && saved[saved.length - 3] === c) return;
    saved.push(c, c.packets, c.bytes);
    if (saved.length >= this.#compactAt) this.#compactCounters();
  }

  /** Keeps each object's first record only, so a long run holds one record per counters object it wrote. */
  #compactCounters(): void {
    const saved = this.#counters;
    const seen = new Set<object>();
    const kept: ({ packets: number; bytes: number } | number)[] = [];
    for (let i = 0; i < saved.length; i += 3) {
      const c = saved[i] as { packets: number; bytes: number };
      if (seen.has(c)) continue;
      seen.add(c);
      kept.push(c, saved[i + 1], saved[i + 2]);
    }
    this.#counters = kept;
    this.#compactAt = Math.max(COMPACT_AT, kept.length * 2);
  }

  /** Puts every journalled object back as it was before its first write, and empties the journal. */
  rollback(): void {
    for (const restore of this.#undo.values()) restore();
    const saved = this.#counters;
    for (let i = saved.length - 3; i >= 0; i -= 3) {
      const c = saved[i] as { packets: number; bytes: number };
      c.packets = saved[i + 1] as number;
      c.bytes = saved[i + 2] as number;
    }
    this.#undo.clear();
    this.#counters = [];
    this.#compactAt = COMPACT_AT;
  }
}

/** The counters of a rule or built-in chain, saved before their first change. */
export function journalCounters(journal: StateJournal | undefined, c: { packets: number; bytes: number }): void {
  journal?.saveCounters(c);
}
