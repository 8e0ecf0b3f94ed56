import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BLOCK_MIN_LINES, chainBlock, matchBlockLines } from './restore-chain-block.js';
import type { ChainSource } from './restore-chain-source.js';

// A source's lines, words and columns come one per line (chainBlock() reads the count from the words).
const source = (lines: string[]): ChainSource => ({
  table: 'nat', lenient: false, counters: true, lines, words: lines.map((l) => ({ words: l.split(' ') })),
  at: lines.map(() => ({ command: 1, chain: 4, target: null, matches: [] })),
});
const LINES = Array.from({ length: 40 }, (_, i) => `-A X -d 10.0.0.${i}/32 -j RETURN`);

describe('chain blocks', () => {
  it('are made for long chains whose lines all are `-A CHAIN ...`, once per source', () => {
    const src = source(LINES);
    const b = chainBlock(src, 'X');
    expect(b?.text).toBe(`${LINES.join('\n')}\n`);
    expect(b?.starts[LINES.length]).toBe(b?.text.length);
    expect(chainBlock(src, 'X')).toBe(b);
    expect(chainBlock(source(LINES.slice(0, BLOCK_MIN_LINES - 1)), 'X')).toBeNull();
    expect(chainBlock(source([...LINES, '--append X -j RETURN']), 'X')).toBeNull();
    expect(chainBlock(source([...LINES, '-A XY -j RETURN']), 'X')).toBeNull();
    expect(chainBlock(source([...LINES, '-A X']), 'X')).not.toBeNull();
  });

  it('match the lines a text holds at a position, each with its newline', () => {
    const b = chainBlock(source(LINES), 'X')!;
    fc.assert(
      fc.property(fc.nat(39), fc.nat(45), fc.string({ maxLength: 3 }), (from, upTo, junk) => {
        const shown = LINES.slice(from, Math.min(40, from + upTo));
        const text = `head\n${shown.join('\n')}${shown.length ? '\n' : ''}${junk}`;
        // The plain answer: lines compared one by one.
        const split = text.slice(5).split('\n');
        let want = 0;
        while (from + want < 40 && want < split.length - 1 && split[want] === LINES[from + want]) want++;
        expect(matchBlockLines(b, from, text, 5)).toBe(want);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
