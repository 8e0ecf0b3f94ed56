// A command line as a POSIX shell splits it (the way `net realize` runs it): blanks separate words, '...' is
// literal, "..." keeps its content with \ escaping only $ ` " \, a backslash outside quotes escapes the next
// character. Operators that would make the line more than one simple command are refused.

import type { Word } from '../netfilter/tokenize.js';

export type ShellWords = { ok: true; words: Word[] } | { ok: false; column: number; message: string };

const OPERATORS = new Set([';', '|', '&', '<', '>', '`', '$', '(', ')']);

/** iptables-restore's own quoting of a word (xshared.c add_param_to_argv()): plain, or "..." with \" and \\. */
function restoreQuoted(text: string): string {
  return /^[^\s"\\']+$/.test(text) ? text : `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

/** The words of `line`; `raw` is each word written the way iptables-restore input would write it. */
export function shellWords(line: string): ShellWords {
  const words: Word[] = [];
  let text = '';
  let start = -1;
  let quoted = false;
  const flush = () => {
    if (start >= 0) words.push({ text, raw: restoreQuoted(text), col: start + 1 });
    text = '';
    start = -1;
    quoted = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      flush();
      continue;
    }
    if (start < 0) start = i;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, column: i + 1, message: 'unterminated \' quote' };
      text += line.slice(i + 1, end);
      quoted = true;
      i = end;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '$`"\\'.includes(line[j + 1])) j++;
        else if (line[j] === '$' || line[j] === '`') return { ok: false, column: j + 1, message: `"${line[j]}" expansions are not taken in a command: write the value` };
        text += line[j];
      }
      if (j >= line.length) return { ok: false, column: i + 1, message: 'unterminated " quote' };
      quoted = true;
      i = j;
      continue;
    }
    if (c === '\\') {
      if (i + 1 < line.length) text += line[++i];
      continue;
    }
    if (OPERATORS.has(c)) {
      return { ok: false, column: i + 1, message: `"${c}" is shell syntax: a step holds one command of one tool` };
    }
    text += c;
  }
  if (quoted || start >= 0) flush();
  return { ok: true, words };
}
