// Lines of one shape with value holes: `-A CHAIN ...` lines that differ only in the values of options whose parse
// is a pure function of the value word share one parse. kube-proxy writes one KUBE-SERVICES line per Service that
// no other line repeats (its comment, ClusterIP, port and KUBE-SVC chain are its own); they all read as one shape.
//
// A hole is a word that follows one of these words as written (HOLE_AFTER): the chain after a leading `-A`
// (a user chain: built-in names are checked by name in do_parse()), the address of `-s` / `-d`, the chain of
// `-g`, the chain of `-j` when it names no target module, and the value of `--comment`, `--dport`, `--sport`,
// `--to-destination`, `--probability`. The shape's key is every other word as written, so the getopt loop of
// do_parse() reads a line of the shape exactly as it read the template's: which option takes which word, which
// module is loaded, in which order. The template is kept only when its parse took each hole as the argument of
// that very option (ParseTrace.argOf), so a word that merely follows such a word (a comment's text `-d`) makes
// no template.
//
// A line of a shape is filled from its template by rule-shape-fill.ts; a line written plainly (no quote inside a
// word, no escape) is first read in one scan of its characters (rule-scan.ts) and checked against the templates
// here (scannedOfShape()); other lines go through splitWords() and shapeKey().

import type { Match, RuleEnv, Target } from './module.js';
import type { ModuleUse, ParseTrace, CommandAt } from './rule-parse.js';
import type { Rule } from './ruleset.js';
import type { Word } from './tokenize.js';
import { findTarget } from './registry.js';
import { commentMatch } from './matches/comment.js';
import { BUILTIN_NAMES } from './rule-parse-cache.js';
import { optionHash, scannedIs, scannedLength, scannedText } from './rule-scan.js';

/** The option words (as written) whose next word is a hole; `-j`'s only when it names no target module. */
const HOLE_AFTER: ReadonlySet<string> = new Set(['-s', '-d', '-g', '-j', '--comment', '--dport', '--sport', '--to-destination', '--probability']);

/**
 * The shape of a `-A` line's words: each word as written, holes left empty (a raw word is never empty: `""` is
 * written with its quotes), joined by NUL (no word of a line with none holds one), and the holes' word indices.
 * Undefined when no word is a hole. A hole's own word is no option word here: the word after it is not a hole.
 */
export function shapeKey(words: readonly Word[], line: string): { key: string; holes: number[] } | undefined {
  if (words.length < 3 || words[0].raw !== '-A' || line.indexOf('\u0000') >= 0) return undefined;
  const holes: number[] = [];
  let key = '-A';
  // The chain: a user chain (do_parse() checks built-in chains by name).
  let prevHole = !BUILTIN_NAMES.has(words[1].text);
  if (prevHole) {
    holes.push(1);
    key += '\u0000';
  } else key += `\u0000${words[1].raw}`;
  for (let i = 2; i < words.length; i++) {
    const before = words[i - 1].raw;
    const hole = !prevHole && HOLE_AFTER.has(before) && (before !== '-j' || findTarget(words[i].text) === undefined);
    if (hole) {
      holes.push(i);
      key += '\u0000';
    } else key += `\u0000${words[i].raw}`;
    prevHole = hole;
  }
  return holes.length === 0 ? undefined : { key, holes };
}

export type HoleKind =
  | { kind: 'chain' | 'jump' | 'goto' | 'source' | 'destination'; word: number }
  | { kind: 'option'; word: number; use: number; call: number; arg: number };

/** A parse with value holes. */
export interface ShapeTemplate {
  holes: readonly HoleKind[];
  /** The template's words as written: a line of the shape has the same ones outside its holes. */
  raw: readonly string[];
  rule: Rule;
  /** The modules of the rule (matches, then the target last when it has one), replayed when a hole is theirs. */
  uses: readonly ModuleUse[];
  hasTarget: boolean;
  finishEnv: RuleEnv;
  /** Where `at`'s columns are, as word indices. */
  at: { command: number; chain: number; target: number; matches: readonly number[]; src: number; dst: number };
  /**
   * By module use: what its replay made, by its hole values (joined by NUL), when they are short (a port, a
   * probability); a pure result of the values, the template's other arguments and its final check's rule.
   */
  made: Array<Map<string, Match | Target> | undefined>;
  /**
   * Whether each line of the shape is written once: a hole holds a comment (kube-proxy writes one per Service
   * port), so no other line has its REST or MID (rule-parse-cache.ts) and they are not kept as templates.
   */
  perLine: boolean;
  /** The uses with option holes, in use order, each with its holes (indices into `holes`). */
  optionUses: ReadonlyArray<{ use: number; holes: readonly number[] }>;
  /**
   * The hole (index into `holes`) that is the whole argument of a `-m comment --comment` (its only option, not
   * inverted): its match is a pure function of the text (libxt_comment), kept for the next line that has it (LAST_COMMENT_MATCH); else -1.
   */
  commentHole: number;
  /** By hole: the chain or jump name read there last (written plainly), the restore's string for it. */
  lastName: Array<string | undefined>;
  /** By hole: the last `-s` / `-d` value read there, and what it read as (kube-proxy's `! -s CLUSTER_CIDR` repeats). */
  lastAddr: Array<{ text: string; addr: { addr: number; mask: number; invert: boolean } } | undefined>;
}

/**
 * The template of a `-A` line's successful parse (one rule, its matches shareable), or undefined when a hole was
 * not taken as the argument of the option it follows, or the parse is of a kind a hole could change.
 */
export function makeTemplate(words: readonly Word[], holes: readonly number[], trace: ParseTrace, rules: readonly Rule[], at: CommandAt): ShapeTemplate | undefined {
  if (rules.length !== 1 || trace.finishEnv === null || at.command !== words[0].col || at.chain !== words[1].col) return undefined;
  const rule = rules[0];
  const uses: ModuleUse[] = trace.matches.slice();
  if (trace.target !== null) uses.push(trace.target);
  const kinds: HoleKind[] = [];
  for (const w of holes) {
    const a = trace.argOf[w];
    if (a === undefined) return undefined;
    if (a.kind === 'option') {
      const use = uses.indexOf(a.use);
      if (use < 0 || (use < trace.matches.length && a.use.matchIndex < 0)) return undefined;
      kinds.push({ kind: 'option', word: w, use, call: a.call, arg: a.arg });
      continue;
    }
    if (w === 1 ? a.kind !== 'chain' : a.kind === 'chain') return undefined;
    if ((a.kind === 'jump' || a.kind === 'goto') && rule.target.kind !== a.kind) return undefined;
    if (a.kind === 'source' && rule.basics.src === null) return undefined;
    if (a.kind === 'destination' && rule.basics.dst === null) return undefined;
    kinds.push({ kind: a.kind, word: w });
  }
  const index = (col: number | null | undefined): number => (col === null || col === undefined ? -1 : words.findIndex((x) => x.col === col));
  const matches = at.matches.map(index);
  if (matches.some((m) => m < 0)) return undefined;
  const optionUses: Array<{ use: number; holes: number[] }> = [];
  for (let u = 0; u < uses.length; u++) {
    const hs: number[] = [];
    for (let k = 0; k < kinds.length; k++) {
      const h = kinds[k];
      if (h.kind === 'option' && h.use === u) hs.push(k);
    }
    if (hs.length > 0) optionUses.push({ use: u, holes: hs });
  }
  let commentHole = -1;
  for (let k = 0; k < kinds.length; k++) {
    const h = kinds[k];
    if (h.kind !== 'option') continue;
    const use = uses[h.use];
    const c = use.calls[0];
    if (use.module === commentMatch && use.calls.length === 1 && h.call === 0 && h.arg === 0 && c.args.length === 1 && !c.invert && c.spec === 'comment') commentHole = k;
  }
  return {
    holes: kinds,
    commentHole,
    perLine: kinds.some((h) => h.kind === 'option' && uses[h.use].module.name === 'comment'),
    optionUses,
    raw: words.map((w) => w.raw),
    rule,
    uses,
    hasTarget: trace.target !== null,
    finishEnv: trace.finishEnv,
    at: { command: 0, chain: 1, target: index(at.target), matches, src: index(at.src), dst: index(at.dst) },
    // Every field made here, none added later: the fill reads templates of one hidden class.
    made: new Array<Map<string, Match | Target> | undefined>(uses.length).fill(undefined),
    lastName: new Array<string | undefined>(kinds.length).fill(undefined),
    lastAddr: new Array<{ text: string; addr: { addr: number; mask: number; invert: boolean } } | undefined>(kinds.length).fill(undefined),
  };
}

/** The hash scanWords() gives the lines of `t`'s shape (but those with a value starting with `-`). */
export function templateHash(t: ShapeTemplate): number {
  return optionHash(t.raw);
}

/**
 * Whether the scanned line (`n` words) is of `t`'s shape: shapeKey() would give it `t`'s key. Its words are the
 * template's outside the holes; then the word before each hole is the template's, so shapeKey() takes the hole
 * for one as it did the template's, except for what it reads of the hole itself: a chain must be no built-in one,
 * and a word after `-j` must name no target module. (A word after a hole is no hole for either.)
 */
export function scannedOfShape(t: ShapeTemplate, line: string, n: number): boolean {
  if (t.raw.length !== n) return false;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (k < t.holes.length && t.holes[k].word === i) {
      k++;
      if (i === 1) {
        // The built-in names are 5 to 11 characters long.
        const len = scannedLength(1);
        if (len >= 5 && len <= 11 && BUILTIN_NAMES.has(scannedText(line, 1))) return false;
      } else if (t.raw[i - 1] === '-j') {
        // The name this hole read last was no target module then, and the modules are fixed (registry.ts).
        const last = t.lastName[k - 1];
        if (!(last !== undefined && scannedIs(line, i, last)) && findTarget(scannedText(line, i)) !== undefined) return false;
      }
    } else if (!scannedIs(line, i, t.raw[i])) return false;
  }
  return true;
}
