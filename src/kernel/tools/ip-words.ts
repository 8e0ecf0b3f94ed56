// Helpers shared by the `ip` subcommands: the arguments as the Linux-syntax parsers take them, and where they
// start in the command text so their columns can be moved back into it.

import type { Word } from '../syntax-words.js';

/** The text from word `at` on, and the offset to add to a column within it. */
export function argsOf(text: string, words: readonly Word[], at: number): { args: string; offset: number } {
  const first = words[at];
  if (first === undefined) return { args: '', offset: text.length };
  return { args: text.slice(first.column - 1), offset: first.column - 1 };
}

/** iproute2's matches(): `word` is a non-empty prefix of `keyword`. */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}
