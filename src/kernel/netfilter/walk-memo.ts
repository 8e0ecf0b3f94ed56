// Chain walks shared between the runs of a branch exploration (trace/branches.ts). A run is a deterministic
// function of the random choices it is handed (the World is rolled back to one checkpoint, the RNG seeded
// alike), so the k-th chain walk of two runs whose choices agree so far is the same walk: same packet, same
// state, same rules. The memo keeps each walk as a tree of the random choices met inside it, with the walk's
// result at each leaf; a later run replays a known walk by handing the same choices to the explorer again
// (so its probabilities and the rules it records are exactly those of a real walk) and takes the leaf, and
// walks for real only from where the tree has no leaf yet. Runs share every walk before their first different
// choice instead of re-walking it.
//
// What a replayed walk leaves out is what no run reads: the rule counters it would have counted (the run is
// rolled back anyway). A replayed walk still sets skb->mark and the connection's mark as the real walk did.
// Only rulesets whose every match is pure or a decided random one are shared: an nth counter, a limit bucket
// or a recent list would make a skipped walk differ from a real one.

import type { EvalResult } from './evaluate.js';
import type { Ruleset } from './ruleset.js';

/** What a walk left: its result, skb->mark after it, and the connection mark as the walk's view left it. */
export interface WalkLeaf {
  res: EvalResult;
  mark: number;
  ctMark: number | null;
}

interface ChoiceNode {
  probability: number;
  rule: string;
  /** The walk after answering false, and after answering true. */
  next: [WalkNode | undefined, WalkNode | undefined];
}

type WalkNode = { leaf: WalkLeaf } | ChoiceNode;

/** One random choice inside a walk, as the explorer was asked and answered. */
export interface WalkChoice {
  probability: number;
  rule: string;
  choice: boolean;
}

/** A walk of this run: where its tree is kept. */
export interface WalkSlot {
  readonly key: string;
}

export class WalkMemo {
  readonly #walks = new Map<string, WalkNode>();
  readonly #stateless = new WeakMap<Ruleset, boolean>();
  #ordinal = 0;
  #choices: string[] = [];
  /** Walks replayed from the memo, and walks done for real (for tests and the bench). */
  replayed = 0;
  walked = 0;

  /** A new run: walks are counted from the start, and no choice has been made. */
  startRun(): void {
    this.#ordinal = 0;
    this.#choices = [];
  }

  /** Every random choice of the run (rules and ECMP alike), in order, as the explorer answered it. */
  noteChoice(choice: boolean): void {
    this.#choices.push(choice ? '1' : '0');
  }

  /** Whether walks of `rs` may be shared: every match pure, or random and decided by the explorer. */
  shareable(rs: Ruleset): boolean {
    let ok = this.#stateless.get(rs);
    if (ok === undefined) {
      ok = true;
      for (const t of rs.tables.values()) {
        for (const c of t.chains.values()) {
          for (const r of c.rules) if (!r.matches.every((m) => m.pure || m.branchProbability !== undefined)) ok = false;
        }
      }
      this.#stateless.set(rs, ok);
    }
    return ok;
  }

  /** The run's next walk. */
  enter(): WalkSlot {
    const key = `${this.#ordinal}|${this.#choices.join('')}`;
    this.#ordinal++;
    return { key };
  }

  /**
   * Replays the walk as far as the tree knows it: each stored choice is asked again through `decide` (which
   * reaches the explorer), following its answer. Returns the leaf when the answers lead to one, and the
   * choices made on the way (a real walk must take them again without asking).
   */
  replay(slot: WalkSlot, decide: (probability: number, rule: string) => boolean): { leaf: WalkLeaf | null; asked: WalkChoice[] } {
    const asked: WalkChoice[] = [];
    let node = this.#walks.get(slot.key);
    while (node !== undefined && !('leaf' in node)) {
      const choice = decide(node.probability, node.rule);
      asked.push({ probability: node.probability, rule: node.rule, choice });
      node = node.next[choice ? 1 : 0];
    }
    if (node !== undefined) this.replayed++;
    return { leaf: node?.leaf ?? null, asked };
  }

  /** Keeps a real walk's leaf under the choices it made. */
  store(slot: WalkSlot, choices: readonly WalkChoice[], leaf: WalkLeaf): void {
    this.walked++;
    if (choices.length === 0) {
      this.#walks.set(slot.key, { leaf });
      return;
    }
    const first = choices[0];
    const top = this.#walks.get(slot.key);
    let node: ChoiceNode;
    if (top === undefined || 'leaf' in top) {
      node = { probability: first.probability, rule: first.rule, next: [undefined, undefined] };
      this.#walks.set(slot.key, node);
    } else {
      node = top;
    }
    for (let i = 0; i < choices.length; i++) {
      const at = choices[i].choice ? 1 : 0;
      const after = choices[i + 1];
      if (after === undefined) {
        node.next[at] = { leaf };
        return;
      }
      const child = node.next[at];
      if (child === undefined || 'leaf' in child) {
        const fresh: ChoiceNode = { probability: after.probability, rule: after.rule, next: [undefined, undefined] };
        node.next[at] = fresh;
        node = fresh;
      } else {
        node = child;
      }
    }
  }
}
