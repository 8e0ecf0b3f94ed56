// The chain names a restore's parse asks (restore-parse.ts chainNamed(): each rule line's chain, and its `-j` /
// `-g` name), answered without hashing the name into the block's map of 80,000 chains for most of them.
// kube-proxy's full sync declares every chain first (`:KUBE-SVC-X`, then that Service's `:KUBE-SEP-*`, in the
// order it then writes them), and its rule lines ask each name twice: first as the jump that reaches the chain, in
// the order of the declarations, then as the chain of the chain's own lines, a few names later. So a name is
// looked for as the declaration after the last one asked (a cursor), then among the names asked lately (a small
// table by the name's last characters), and only then in the map. Only names that exist are kept, and the map's
// answer is the name itself (a copy of the declaration's), so every answer is the map's (the same characters);
// a chain deleted (`-X NAME`) or a new table forgets everything.

/** Slots of the table of names asked lately (a power of two). */
const RECENT_SLOTS = 256;

/** How far past the cursor a name the map gave is looked for, to move the cursor there. */
const RESYNC_AHEAD = 8;

export class ChainNameRecall {
  /** The user chains the block declared, in order (each the string the map answers for it). */
  #declared: string[] = [];
  /** The declaration the next new name is expected to be. */
  #cursor = 0;
  readonly #recent: (string | null)[] = new Array<string | null>(RECENT_SLOTS).fill(null);

  /** `lookup`: the map's answer, the name as the restore keeps it when the chain exists, else undefined. */
  constructor(private readonly lookup: (name: string) => string | undefined) {}

  /** lookup(name), from what was asked before when it can. */
  ask(name: string): string | undefined {
    const n = name.length;
    const slot = n < 2 ? n : (name.charCodeAt(n - 1) * 31 + name.charCodeAt(n - 2)) & (RECENT_SLOTS - 1);
    const seen = this.#recent[slot];
    if (seen !== null && seen === name) return seen;
    let v: string | undefined;
    const d = this.#declared;
    const at = this.#cursor;
    if (at < d.length && d[at] === name) {
      v = d[at];
      this.#cursor = at + 1;
    } else {
      v = this.lookup(name);
      if (v === undefined) return undefined;
      this.#resync(v);
    }
    this.#recent[slot] = v;
    return v;
  }

  /** The map's answer `v` is a declaration a little past the cursor: the cursor moves on after it. */
  #resync(v: string): void {
    const d = this.#declared;
    const end = Math.min(d.length, this.#cursor + RESYNC_AHEAD);
    for (let k = this.#cursor; k < end; k++) {
      if (d[k] === v) {
        this.#cursor = k + 1;
        return;
      }
    }
  }

  /** A chain of this name was declared, none existed before (`name`: the string the map now answers). */
  declared(name: string): void {
    this.#declared.push(name);
  }

  /** The chains that exist lost one or were replaced (a chain deleted, a new table): nothing asked is kept. */
  forget(): void {
    this.#declared = [];
    this.#cursor = 0;
    this.#recent.fill(null);
  }
}
