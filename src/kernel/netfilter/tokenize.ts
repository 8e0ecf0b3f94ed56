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

export function splitWords(line: string, hasNewline: boolean): Word[] {
  // Without a double quote nothing groups or escapes: words are the runs between blanks, as written.
  if (line.indexOf('"') < 0) return plainWords(line);
  const input = hasNewline ? `${line}\n` : line;
  const words: Word[] = [];
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
        // A closing quote ends the word (`"a b"c` gives "a b" and "c").
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
