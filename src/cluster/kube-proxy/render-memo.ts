// What renderSync() keeps from one sync to the next of the same proxier, so that a sync where few Services
// changed costs little more than their lines: the nat chains the Service segments declare (counted, updated by
// the segments that differ from the last sync's), and the text of runs of consecutive segments (reused while the
// run is made of the same segment objects). Only a cache: the text and the chains are what a fresh render gives.

import type { ServiceSegment } from './render.js';

/** Segments per run of text: a changed Service rebuilds one run. */
const RUN = 64;

type Part = 'filterRules' | 'natChains' | 'natRules';

interface Run {
  segs: ServiceSegment[];
  text: Partial<Record<Part, string>>;
}

export class RenderMemo {
  /** The segments of the last sync, in Service order. */
  #segs: ServiceSegment[] = [];
  /** How many of those segments declare each nat chain. */
  readonly #declared = new Map<string, number>();
  #runs: Run[] = [];

  /** Makes `segs` (this sync's segments, in Service order) the current ones. */
  update(segs: readonly ServiceSegment[]): void {
    const old = this.#segs;
    const n = Math.max(old.length, segs.length);
    for (let i = 0; i < n; i++) {
      const a = old[i];
      const b = segs[i];
      if (a === b) continue;
      if (a !== undefined) for (const c of a.active) this.#count(c, -1);
      if (b !== undefined) for (const c of b.active) this.#count(c, 1);
    }
    this.#segs = segs.slice();
  }

  #count(chain: string, d: number): void {
    const k = (this.#declared.get(chain) ?? 0) + d;
    if (k === 0) this.#declared.delete(chain);
    else this.#declared.set(chain, k);
  }

  /** Whether a current segment declares `chain`. */
  declares(chain: string): boolean {
    return this.#declared.has(chain);
  }

  /** The current segments' lines of `part`, joined by newlines, one string per run (empty runs left out). */
  texts(part: Part): string[] {
    const segs = this.#segs;
    const runs: Run[] = [];
    const out: string[] = [];
    for (let r = 0; r * RUN < segs.length; r++) {
      const from = r * RUN;
      const to = Math.min(segs.length, from + RUN);
      let run: Run | undefined = this.#runs[r];
      if (run !== undefined && (run.segs.length !== to - from || run.segs.some((s, j) => s !== segs[from + j]))) run = undefined;
      run ??= { segs: segs.slice(from, to), text: {} };
      const text = (run.text[part] ??= joinPart(run.segs, part));
      runs.push(run);
      if (text !== '') out.push(text);
    }
    this.#runs = runs;
    return out;
  }
}

function joinPart(segs: readonly ServiceSegment[], part: Part): string {
  const lines: string[] = [];
  for (const s of segs) for (const l of s[part]) lines.push(l);
  return lines.join('\n');
}
