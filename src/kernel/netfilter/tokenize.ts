// Linux iptables: add_param_to_argv() in iptables/xshared.c, the word splitter of iptables-restore. Double
// quotes group words and may sit mid-word; a backslash escapes only inside quotes; single quotes are ordinary
// characters; `""` is an empty word; an unterminated quote runs to the end of the line, newline included.

export interface Word {
  /** The word as the command sees it (quotes removed, escapes resolved). */
  text: string;
  /** The word as written, quotes and escapes kept. */
  raw: string;
  /** 1-based column of its first character. */
  col: number;
}

/** Below this length V8 copies a substring instead of pointing into its parent (SlicedString::kMinLength). */
const MIN_SLICED = 13;

/**
 * `s`'s characters in a string that keeps no larger one alive. A substring of a restore's input (a line, a word)
 * points into the whole input; kept in a cache or a rule that outlives the restore, it would keep every earlier
 * 3 MB text alive. Prepending makes a new string, which slice() flattens into one of `s`'s own length.
 */
export function ownCopy(s: string): string {
  return s.length < MIN_SLICED ? s : ` ${s}`.slice(1);
}

export function splitWords(line: string, hasNewline: boolean): Word[] {
  // Without a double quote nothing groups or escapes: words are the runs between blanks, as written, taken
  // from a copy of the line so that what the parse keeps (words, rules' source words, comments) keeps only it.
  if (line.indexOf('"') < 0) return plainWords(ownCopy(line));
  // With the newline added the line is a new string already; slicing it flattens it.
  const input = hasNewline ? `${line}\n` : ownCopy(line);
  const words: Word[] = [];
  let quoteOpen = false;
  let escaped = false;
  // The word's text is built from runs of characters taken as they are (`run`: where the open one starts).
  let text = '';
  let run = -1;
  let started = -1;
  let pending = false;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (started < 0) started = i;
    if (quoteOpen) {
      if (escaped) {
        escaped = false;
        if (run < 0) run = i;
        continue;
      }
      if (c !== 92 && c !== 34) {
        if (run < 0) run = i;
        continue;
      }
      if (run >= 0) text += input.slice(run, i);
      run = -1;
      if (c === 92) {
        escaped = true;
        continue;
      }
      quoteOpen = false;
      // A closing quote ends the word (`"a b"c` gives "a b" and "c").
      words.push(word(input, text, started, i + 1));
      text = '';
      started = -1;
      pending = false;
      continue;
    }
    if (c === 34 || c === 32 || c === 9 || c === 10) {
      if (run >= 0) text += input.slice(run, i);
      run = -1;
      if (c === 34) {
        quoteOpen = true;
        pending = true;
        continue;
      }
      if (text.length === 0 && !pending) {
        started = -1;
        continue;
      }
      words.push(word(input, text, started, i));
      text = '';
      started = -1;
      pending = false;
      continue;
    }
    if (run < 0) run = i;
  }
  if (run >= 0) text += input.slice(run);
  if (text.length > 0 || pending) words.push(word(input, text, started, input.length));
  return words;
}

/** The word `text` written from `start` to `end` of `input` (a newline it ran into is not part of it). */
function word(input: string, text: string, start: number, end: number): Word {
  const last = end > start && input.charCodeAt(end - 1) === 10 ? end - 1 : end;
  return { text, raw: input.slice(start, last), col: start + 1 };
}

function plainWords(line: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 32;
    if (c === 32 || c === 9 || c === 10) {
      if (start >= 0) {
        const text = line.slice(start, i);
        words.push({ text, raw: text, col: start + 1 });
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  return words;
}
