// Lines of a seen shape read in one scan of their characters, without splitWords()'s Word objects or shapeKey()'s
// key string (rule-shape.ts). The scan finds the words and hashes the option words (those written starting with
// `-`: a shape's fixed words, where its lines differ only in values); the templates of that hash are then checked
// against the line word by word (scannedOfShape()). A line whose quoting is anything but plain (a quote inside a
// word, a backslash inside quotes, an unterminated quote) is not scanned: splitWords() reads it.
//
// Where the words of the line scanned last are is kept here, one line at a time (each reader reads them before
// the next scan), and read through the scanned*() functions.

import type { Word } from './tokenize.js';

/** The most words a scanned line may have. */
const MAX_SCAN = 64;
/** The words of the line scanWords() read last: where each starts and ends as written, whether it is quoted. */
const START = new Int32Array(MAX_SCAN);
const END = new Int32Array(MAX_SCAN);
const QUOTED = new Uint8Array(MAX_SCAN);
/** The hash scanWords() gave the line it read last (see optionHash()). */
let scannedHash = 0;

const isBlank = (c: number): boolean => c === 32 || c === 9 || c === 10;

/** FNV-1a, over the option words: each one's index, length, and first, middle and last characters. */
const mix = (h: number, x: number): number => Math.imul(h ^ x, 16777619);
const mixWord = (h: number, i: number, len: number, first: number, middle: number, last: number): number =>
  mix(mix(mix(mix(mix(h, i), len), first), middle), last);
const HASH_START = 0x811c9dc5;

/**
 * The words of `line` as splitWords() reads them, into START / END / QUOTED (and the hash of its option words
 * into scannedHash): their count, or -1 when the line has a NUL, more than MAX_SCAN words, or a double quote
 * anywhere but around a whole word with no backslash inside.
 */
export function scanWords(line: string): number {
  // Only spaces between words and nothing escaped (kube-proxy's lines): each word's end found by indexOf(), which
  // reads the characters natively; else the scan character by character.
  if (line.indexOf('\t') >= 0 || line.indexOf('\n') >= 0 || line.indexOf('\\') >= 0 || line.indexOf('\u0000') >= 0) return scanWordsPlain(line);
  const len = line.length;
  // Where the next double quote is (len: none): a quoted word starts there, and no plain word may hold one.
  let quote = line.indexOf('"');
  if (quote < 0) quote = len;
  let n = 0;
  let i = 0;
  let h = HASH_START;
  for (;;) {
    while (i < len && line.charCodeAt(i) === 32) i++;
    if (i >= len) {
      scannedHash = mix(h, n) >>> 0;
      return n;
    }
    if (n === MAX_SCAN) return -1;
    const s = i;
    if (i === quote) {
      const close = line.indexOf('"', i + 1);
      if (close < 0) return -1;
      i = close + 1;
      if (i < len && line.charCodeAt(i) !== 32) return -1;
      quote = line.indexOf('"', i);
      if (quote < 0) quote = len;
      QUOTED[n] = 1;
    } else {
      let e = line.indexOf(' ', i);
      if (e < 0) e = len;
      if (quote < e) return -1;
      i = e;
      QUOTED[n] = 0;
      const c0 = line.charCodeAt(s);
      if (c0 === 45) h = mixWord(h, n, i - s, c0, line.charCodeAt(s + ((i - s) >> 1)), line.charCodeAt(i - 1));
    }
    START[n] = s;
    END[n] = i;
    n++;
  }
}

/** scanWords() character by character: any blanks, any quoting (for tests too, which hold the two to one another). */
export function scanWordsPlain(line: string): number {
  const len = line.length;
  let n = 0;
  let i = 0;
  let h = HASH_START;
  for (;;) {
    while (i < len && isBlank(line.charCodeAt(i))) i++;
    if (i >= len) {
      scannedHash = mix(h, n) >>> 0;
      return n;
    }
    if (n === MAX_SCAN) return -1;
    const s = i;
    const c0 = line.charCodeAt(i);
    if (c0 === 34) {
      // `"..."`: a word of its own, as add_param_to_argv() reads it when nothing inside is escaped.
      for (i++; i < len; i++) {
        const c = line.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 || c === 0) return -1;
      }
      if (i >= len) return -1;
      i++;
      if (i < len && !isBlank(line.charCodeAt(i))) return -1;
      QUOTED[n] = 1;
    } else {
      for (; i < len; i++) {
        const c = line.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10) break;
        if (c === 34 || c === 0) return -1;
      }
      QUOTED[n] = 0;
      if (c0 === 45) h = mixWord(h, n, i - s, c0, line.charCodeAt(s + ((i - s) >> 1)), line.charCodeAt(i - 1));
    }
    START[n] = s;
    END[n] = i;
    n++;
  }
}

/** The hash scanWords() gives a line whose words are `raw` as written: lines of one shape hash alike unless a value starts with `-`. */
export function optionHash(raw: readonly string[]): number {
  let h = HASH_START;
  for (let i = 0; i < raw.length; i++) {
    const w = raw[i];
    if (w.charCodeAt(0) === 45) h = mixWord(h, i, w.length, 45, w.charCodeAt(w.length >> 1), w.charCodeAt(w.length - 1));
  }
  return mix(h, raw.length) >>> 0;
}

/** The hash of the line scanWords() read last. */
export function scannedOptionHash(): number {
  return scannedHash;
}

/** Word `i` of the line scanWords() read last, as the command sees it. */
export function scannedText(line: string, i: number): string {
  return QUOTED[i] === 1 ? line.slice(START[i] + 1, END[i] - 1) : line.slice(START[i], END[i]);
}

/** Word `i` of the line scanWords() read last, as written (with its quotes). */
export function scannedRaw(line: string, i: number): string {
  return line.slice(START[i], END[i]);
}

/** Whether word `i` of the line scanWords() read last is written as the command sees it (not quoted). */
export function scannedPlain(i: number): boolean {
  return QUOTED[i] === 0;
}

/** The length of word `i` of the line scanWords() read last, as the command sees it. */
export function scannedLength(i: number): number {
  return END[i] - START[i] - 2 * QUOTED[i];
}

/** The column (from 1) of word `i` of the line scanWords() read last. */
export function scannedColumn(i: number): number {
  return START[i] + 1;
}

/** Whether word `i` of the scanned line is `w` as written. */
export function scannedIs(line: string, i: number, w: string): boolean {
  const s = START[i];
  if (END[i] - s !== w.length) return false;
  // Character by character: startsWith() on a slice of the restore's input is slower.
  for (let k = 0; k < w.length; k++) if (line.charCodeAt(s + k) !== w.charCodeAt(k)) return false;
  return true;
}

/** The words of the line scanWords() read last (`n` of them) as splitWords() gives them (for tests). */
export function scannedWords(line: string, n: number): Word[] {
  const words: Word[] = [];
  for (let i = 0; i < n; i++) words.push({ text: scannedText(line, i), raw: scannedRaw(line, i), col: scannedColumn(i) });
  return words;
}
