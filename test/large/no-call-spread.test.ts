// No spread of an array into a call's arguments anywhere in src/: `push(...list)`, `Math.max(...list)` and
// the like put every element on the stack, and a large input (125,000 diagnostics, 150,000 rules) then dies
// with "Maximum call stack size exceeded" instead of an answer. Array literals (`[...a, ...b]`) iterate and are
// fine; rest parameters (`f(...args: T[])`) are declarations, not calls.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) yield path;
  }
}

/** A spread directly among a call's arguments: `name(... ` or `name(a, b, ...`, not `name(...rest: T)`. */
const CALL_SPREAD = /[\w$)\]]\s*\((?:[^()[\]{}]*?,\s*)?\.\.\.(?![\w$]+\??\s*:)/;

function callSpreads(text: string): number[] {
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\/?\*)/.test(line)) return;
    if (CALL_SPREAD.test(line)) lines.push(i + 1);
  });
  return lines;
}

describe('no spread of arrays into call arguments in src/', () => {
  it('the scanner sees the forms that overflow the stack, and not the harmless ones', () => {
    expect(callSpreads('out.push(...list);')).toEqual([1]);
    expect(callSpreads('const m = Math.max(5, ...xs.map((x) => x));')).toEqual([1]);
    expect(callSpreads('const a = [...x, ...y];\nconst o = { ...p };\nfunction f(...args: string[]) {}')).toEqual([]);
    expect(callSpreads('// out.push(...list)')).toEqual([]);
  });

  it('finds none', () => {
    const found: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      for (const line of callSpreads(readFileSync(file, 'utf8'))) found.push(`${relative(ROOT, file)}:${line}`);
    }
    expect(found).toEqual([]);
  });
});
