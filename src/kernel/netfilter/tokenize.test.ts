// The word splitter: a line without double quotes splits at blanks (its fast path); quotes group and escape.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitWords } from './tokenize.js';

describe('splitWords', () => {
  it('splits a line without quotes at spaces and tabs, with each word as written and its column', () => {
    const chars = fc.constantFrom('a', '-', '!', "'", '\\', ' ', ' ', '\t', '/', '1');
    fc.assert(fc.property(fc.array(chars, { maxLength: 40 }).map((cs) => cs.join('')), fc.boolean(), (line, nl) => {
      const expected: Array<{ text: string; raw: string; col: number }> = [];
      for (const m of line.matchAll(/[^ \t\n]+/g)) expected.push({ text: m[0], raw: m[0], col: m.index + 1 });
      expect(splitWords(line, nl)).toEqual(expected);
    }), { numRuns: 500, seed: 3 });
  });

  it('groups quoted words, escapes inside quotes, and keeps an unterminated quote to the newline', () => {
    expect(splitWords('-m comment --comment "a \\"b\\" c" -j X', true).map((w) => [w.text, w.raw, w.col])).toEqual([
      ['-m', '-m', 1], ['comment', 'comment', 4], ['--comment', '--comment', 12], ['a "b" c', '"a \\"b\\" c"', 22], ['-j', '-j', 34], ['X', 'X', 37],
    ]);
    expect(splitWords('x "open', true).map((w) => w.text)).toEqual(['x', 'open\n']);
    expect(splitWords('x "open', false).map((w) => w.text)).toEqual(['x', 'open']);
  });

  it('splits quoted lines as the character-by-character splitter it replaced did', () => {
    const chars = fc.constantFrom('a', 'b', '-', '"', '"', '\\', ' ', '\t', '\n', "'", '!');
    fc.assert(fc.property(fc.array(chars, { maxLength: 40 }).map((cs) => cs.join('')), fc.boolean(), (line, nl) => {
      expect(splitWords(line, nl)).toEqual(referenceSplit(line, nl));
    }), { numRuns: 2000, seed: 5 });
  });
});

/** The splitter as first written: one character at a time (the reference for the faster one). */
function referenceSplit(line: string, hasNewline: boolean): Array<{ text: string; raw: string; col: number }> {
  const input = hasNewline ? `${line}\n` : line;
  const words: Array<{ text: string; raw: string; col: number }> = [];
  let quoteOpen = false;
  let escaped = false;
  let text = '';
  let started = -1;
  let pending = false;
  const flush = (end: number) => {
    words.push({ text, raw: input.slice(started, end).replace(/\n$/, ''), col: started + 1 });
    text = '';
    started = -1;
    pending = false;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (started < 0) started = i;
    if (quoteOpen) {
      if (escaped) {
        text += c;
        escaped = false;
        continue;
      }
      if (c === '\\') {
        escaped = true;
        continue;
      }
      if (c === '"') {
        quoteOpen = false;
        flush(i + 1);
        continue;
      }
      text += c;
      continue;
    }
    if (c === '"') {
      quoteOpen = true;
      pending = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (text.length === 0 && !pending) {
        started = -1;
        continue;
      }
      flush(i);
      continue;
    }
    text += c;
  }
  if (text.length > 0 || pending) flush(input.length);
  return words;
}
