// The word-level grammar that `ip route`, `ip rule`, `ip neigh` and `bridge fdb` share: whitespace-separated
// words, `KEYWORD VALUE` pairs in any order, numbers as strtoul() reads them. Parsers built on it report the
// 1-based column of the offending word, so a scenario loader can point inside the line the user wrote.

/** One word of a command line and where it starts (1-based). */
export interface Word {
  text: string;
  column: number;
}

/** A parse error: what is wrong and the 1-based column of the word at fault. */
export interface SyntaxFailure {
  ok: false;
  error: string;
  column: number;
}

/** What every Linux-syntax parser returns: a value, or one error pointing at a word. */
export type SyntaxResult<T> = { ok: true; value: T } | SyntaxFailure;

/** Splits a command line on blanks, as the shell would for unquoted words. */
export function splitWords(text: string): Word[] {
  const words: Word[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    words.push({ text: m[0], column: m.index + 1 });
  }
  return words;
}

export function syntaxError(error: string, column: number): SyntaxFailure {
  return { ok: false, error, column };
}

/** The word after the first of `keywords` in `text`, e.g. the device after `dev`. */
export function wordAfter(text: string, keywords: readonly string[]): Word | undefined {
  const words = splitWords(text);
  const i = words.findIndex((w) => keywords.includes(w.text));
  return i >= 0 ? words[i + 1] : undefined;
}

/**
 * An unsigned number as iproute2's get_u32() reads it (strtoul with base 0), limited to decimal and 0x hex:
 * a leading zero would make strtoul read octal, which nobody means in a scenario, so it is refused.
 */
export function parseUnsigned(text: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= max ? n : undefined;
}

export const U32_MAX = 0xffffffff;

/** Linux: dev_valid_name(): 1..15 bytes (IFNAMSIZ 16 with the NUL), not "." or "..", no '/', ':' or blank. */
export function isValidIfname(name: string): boolean {
  // IFNAMSIZ counts bytes: 15 'é' are 15 characters but 30 bytes.
  if (name.length === 0 || utf8Length(name) >= 16) return false;
  if (name === '.' || name === '..') return false;
  return !/[/:\s]/.test(name);
}

/** Bytes of a string in UTF-8, as the kernel sees a name. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The closest candidate to a mistyped word, or undefined when none is close (graphql-js suggestionList). */
export function closestWord(word: string, candidates: Iterable<string>): string | undefined {
  const threshold = Math.floor(word.length * 0.4) + 1;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0.5 : editDistance(word, candidate);
    if (d <= threshold && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** " (did you mean \"x\"?)" for a mistyped word, or "" when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = closestWord(word, candidates);
  return s === undefined ? '' : ` (did you mean "${s}"?)`;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[i].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}
