// A kept chain's source lines (restore-chain-source.ts) as one text, so that a restore declaring the chain again
// can compare a run of its lines with one string comparison (V8 compares flat one-byte strings with memcmp)
// instead of cutting the input into lines and comparing each. Made on first need, once per ChainSource (a
// source is never changed), and only for chains long enough to be worth it.

import type { ChainSource } from './restore-chain-source.js';
import { sourceCount } from './restore-chain-source.js';

/** Chains with fewer source lines are compared line by line. */
export const BLOCK_MIN_LINES = 16;

export interface ChainBlock {
  /** Every source line followed by `\n`. */
  text: string;
  /** starts[i]: where line i begins in `text`; starts[lines] = text.length. */
  starts: Int32Array;
}

const blocks = new WeakMap<ChainSource, ChainBlock | null>();

/**
 * The block of `src`, the lines of chain `chain`; null when it is short or when some line is not `-A CHAIN ...`
 * (iptables-restore's line loop would not take such a line as the chain's own: see parseRestore).
 */
export function chainBlock(src: ChainSource, chain: string): ChainBlock | null {
  // Told by the count (words: the lines' holders), without the lines or a WeakMap entry per short chain.
  if (sourceCount(src) < BLOCK_MIN_LINES) return null;
  let b = blocks.get(src);
  if (b !== undefined) return b;
  b = makeBlock(src.lines, chain);
  blocks.set(src, b);
  return b;
}

function makeBlock(lines: readonly string[], chain: string): ChainBlock | null {
  if (lines.length < BLOCK_MIN_LINES) return null;
  const head = `-A ${chain}`;
  const starts = new Int32Array(lines.length + 1);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    // The tracker lookup takes the word after `-A ` up to the next space as the chain's name.
    if (!l.startsWith(head) || (l.length > head.length && l.charCodeAt(head.length) !== 32)) return null;
    starts[i] = at;
    at += l.length + 1;
  }
  starts[lines.length] = at;
  return { text: `${lines.join('\n')}\n`, starts };
}

/**
 * How many of the block's lines from line `from` on `text` holds at `pos`, each with its newline: compared in
 * runs that double while they match and halve when one does not, so the bytes compared stay within a few times
 * the bytes matched.
 */
export function matchBlockLines(block: ChainBlock, from: number, text: string, pos: number): number {
  const { starts } = block;
  const total = starts.length - 1;
  let j = from;
  let p = pos;
  let step = 1;
  let grow = true;
  while (j < total) {
    const k = Math.min(step, total - j);
    const len = starts[j + k] - starts[j];
    if (p + len <= text.length && text.slice(p, p + len) === block.text.slice(starts[j], starts[j + k])) {
      j += k;
      p += len;
      if (grow) step *= 2;
    } else {
      if (step === 1) break;
      step >>= 1;
      grow = false;
    }
  }
  return j - from;
}
