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
// A line of the shape gets the template's parse with each hole's value read by the very function the full parse
// uses (parseHostMask() as parseAddressList() reads one item, the module's option callback replayed with its
// calls, then its final check, the chain checks); when any of them fails, or gives a parse of another kind (an
// address list, a module that leaves no match, a match that holds state), the line is parsed in full, so its
// errors and columns are its own. What a replay made is kept by its values when they are short (a port: the
// match is shared, as a cached line's rules share theirs), and so is the last address each hole read, the last
// chain or jump name, and (for any template) the last comment match and address made: kube-proxy writes each
// Service port's KUBE-SERVICES line and its KUBE-SVC masquerade line one after the other, with one comment and
// one cluster IP, so the second shares the first's match, address and strings.
//
// A line written plainly (no quote inside a word, no escape) is read in one scan of its characters (scanWords(),
// scannedOfShape(), fillScanned(): see below), its words and columns made only when read (ShapedCommand); other
// lines go through splitWords() and shapeKey(). A line filled from a template is kept for itself only: its REST
// and MID (rule-parse-cache.ts) are not kept as templates, since the lines that would find them are of its shape.

import type { Match, MatchBuilder, RuleEnv, Target, TargetBuilder } from './module.js';
import type { ModuleUse, ParseTrace, CommandAt, RuleCommand } from './rule-parse.js';
import type { Rule, RuleBasics, RuleTarget } from './ruleset.js';
import type { Word } from './tokenize.js';
import type { CachedCommand } from './rule-parse-cache.js';
import { parseHostMask } from './basic-filter.js';
import { findTarget } from './registry.js';
import { commentMatch } from './matches/comment.js';
import { checkChainName } from './rule-parse.js';
import { BUILTIN_NAMES, shareableMatch } from './rule-parse-cache.js';
import { ownCopy } from './tokenize.js';

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

type HoleKind =
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

/** The longest hole value a use's replay is kept by, and how many results are kept per use. */
const MADE_VALUE_MAX = 12;
const MADE_MAX = 256;
/** The longest hole value compared with the template's, to share its string. */
const SHARED_VALUE_MAX = 16;

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

/**
 * The comment match made last by a replay (ShapeTemplate.commentHole), with its text and its word as written, and
 * the address read last by any template (with its `!`): what the next line written with the same value shares.
 * Both are pure results of the strings they are kept by.
 */
let LAST_COMMENT_MATCH: Match | null = null;
let LAST_COMMENT_RAW = '';
let LAST_COMMENT_TEXT = '';
let LAST_ADDR: { addr: number; mask: number; invert: boolean } | null = null;
let LAST_ADDR_TEXT = '';

/** One address of `-s` / `-d` as the full parse reads it, or undefined for anything else (a list, an error). */
function oneAddress(text: string, invert: boolean): { addr: number; mask: number; invert: boolean } | undefined {
  // Without a comma parseAddressList() reads one item, parseHostMask(), host bits cleared.
  if (text.indexOf(',') >= 0) return undefined;
  const a = parseHostMask(text);
  if (typeof a === 'string') return undefined;
  // `! -s A/0`: refused by the kernel (checkRuleSpec()).
  if (invert && a.mask === 0) return undefined;
  return { addr: (a.addr & a.mask) >>> 0, mask: a.mask, invert };
}

/** What a fill reads of a line's words: a word's text and its raw form, by word index. */
interface WordsRead {
  text(i: number): string;
  raw(i: number): string;
  /** Whether the word is written as the command sees it (no quotes, no escapes). */
  plain(i: number): boolean;
  /** Whether the word is `s` as written. */
  same(i: number, s: string): boolean;
}

/** Words from splitWords(), each value copied. */
class CopiedWords implements WordsRead {
  constructor(readonly words: readonly Word[]) {}
  text(i: number): string {
    return ownCopy(this.words[i].text);
  }
  raw(i: number): string {
    return ownCopy(this.words[i].raw);
  }
  plain(i: number): boolean {
    return this.words[i].raw === this.words[i].text;
  }
  same(i: number, s: string): boolean {
    return this.words[i].raw === s;
  }
}

/** The words scanWords() read last, of the entry's own copy of the line (`own`): slices of it. One reader, reset per line. */
class ScannedWords implements WordsRead {
  own = '';
  text(i: number): string {
    return QUOTED[i] === 1 ? this.own.slice(START[i] + 1, END[i] - 1) : this.own.slice(START[i], END[i]);
  }
  raw(i: number): string {
    return this.own.slice(START[i], END[i]);
  }
  plain(i: number): boolean {
    return QUOTED[i] === 0;
  }
  same(i: number, s: string): boolean {
    return scannedIs(this.own, i, s);
  }
}

const SCANNED = new ScannedWords();

/** What fillRule() made besides the rule: the chain, and its word as the entry keeps it. */
let FILLED_CHAIN = '';
let FILLED_CHAIN_RAW = '';
/** The option holes' values of the line being filled, by hole (one array: fillRule() calls nothing that fills). */
const VALUES: string[] = [];
/**
 * The chain or jump name read last by any template's hole, as the restore keeps it: kube-proxy's KUBE-SVC
 * masquerade line is written in the chain the KUBE-SERVICES line before it jumps to.
 */
let LAST_NAME = '';

/**
 * The rule of a line of `t`'s shape, each hole's value read by the function the full parse reads it with, or
 * undefined when a value reads otherwise than the template's did. The line's values are taken as `w` gives them:
 * strings that keep no part of a restore's input alive (a value written as the template's is the template's).
 */
function fillRule(t: ShapeTemplate, w: WordsRead, chainNamed: (name: string) => string | undefined): Rule | undefined {
  const r = t.rule;
  let basics: RuleBasics = r.basics;
  let target: RuleTarget = r.target;
  // The chain as the command sees it: a hole's is read below.
  let chain = t.holes[0].word === 1 ? '' : w.text(1);
  let chainRaw = t.raw[1];
  // The words after the chain as written: the template's outside the holes, a hole's own (a chain's as the restore keeps it).
  const source = t.raw.slice(2);
  // The option holes' values, by hole (VALUES, once an option hole is read).
  let values: string[] | null = null;
  const names = t.lastName;
  for (let k = 0; k < t.holes.length; k++) {
    const h = t.holes[k];
    const i = h.word;
    const plain = w.plain(i);
    let v: string;
    let written: string;
    // A short value written as the template's (a port, kube-proxy's cluster CIDR) is the template's string; a
    // chain or jump is the restore's name (below). A comment or address written as the one read last (by any
    // template: kube-proxy writes a Service port's KUBE-SERVICES line and its KUBE-SVC masquerade line one
    // after the other, with one comment and cluster IP) is that one's strings.
    const name = names[k];
    const isName = h.kind === 'chain' || h.kind === 'jump' || h.kind === 'goto';
    if (name !== undefined && plain && w.same(i, name)) {
      // A chain or jump written as the one this hole read last: that string (its hash known to the restore's map).
      written = v = name;
    } else if (isName && plain && LAST_NAME !== '' && w.same(i, LAST_NAME)) {
      // A chain or jump written as the one any template's hole read last: that string (chainNamed() below gives this restore's).
      written = v = LAST_NAME;
    } else if (!isName && t.raw[i].length <= SHARED_VALUE_MAX && w.same(i, t.raw[i])) {
      written = t.raw[i];
      v = plain ? written : w.text(i);
    } else if (k === t.commentHole && LAST_COMMENT_MATCH !== null && w.same(i, LAST_COMMENT_RAW)) {
      written = LAST_COMMENT_RAW;
      v = LAST_COMMENT_TEXT;
    } else if ((h.kind === 'source' || h.kind === 'destination') && plain && LAST_ADDR !== null && w.same(i, LAST_ADDR_TEXT)) {
      written = v = LAST_ADDR_TEXT;
    } else {
      v = w.text(i);
      written = plain ? v : w.raw(i);
    }
    if (i >= 2) source[i - 2] = written;
    switch (h.kind) {
      case 'chain':
        if (checkChainName(v) !== undefined) return undefined;
        chain = chainNamed(v) ?? v;
        chainRaw = plain ? chain : written;
        if (plain) names[k] = LAST_NAME = chain;
        break;
      case 'jump':
      case 'goto': {
        // do_parse(): a name that is no target module must be a chain that exists now (and DROP is refused in nat).
        if ((h.kind === 'goto' && checkChainName(v) !== undefined) || v === 'DROP') return undefined;
        const to = chainNamed(v);
        if (to === undefined) return undefined;
        // The template's own target when the line jumps where it does (kube-proxy's `-j KUBE-MARK-MASQ`).
        target = r.target.kind === h.kind && r.target.chain === to ? r.target : { kind: h.kind, chain: to };
        if (plain) {
          source[i - 2] = to;
          names[k] = LAST_NAME = to;
        }
        break;
      }
      case 'source':
      case 'destination': {
        const a = readAddress(t, k, h.kind === 'source' ? r.basics.src! : r.basics.dst!, v);
        if (a === undefined) return undefined;
        if (basics === r.basics) {
          const b = r.basics;
          // Field by field: a spread copies through a slower generic path.
          basics = { src: b.src, dst: b.dst, in: b.in, out: b.out, proto: b.proto, protoInvert: b.protoInvert, fragment: b.fragment };
        }
        if (h.kind === 'source') basics.src = a;
        else basics.dst = a;
        break;
      }
      case 'option':
        values ??= VALUES;
        values[k] = v;
        break;
    }
  }
  let matches = r.matches;
  if (values !== null) {
    for (const o of t.optionUses) {
      const u = o.use;
      const made = madeOf(t, o, values, source);
      if (made === undefined) return undefined;
      if (t.hasTarget && u === t.uses.length - 1) target = { kind: 'module', target: made as Target };
      else {
        const m = made as Match;
        if (!shareableMatch(m)) return undefined;
        if (matches === r.matches) matches = r.matches.slice();
        (matches as Match[])[t.uses[u].matchIndex] = m;
      }
    }
  }
  // The template's counters: an entry's rule never enters a ruleset, instantiate() gives each rule its own.
  FILLED_CHAIN = chain;
  FILLED_CHAIN_RAW = chainRaw;
  return { basics, matches, target, counters: r.counters, source };
}

type Address = { addr: number; mask: number; invert: boolean };

/**
 * Hole `k`'s address `v` (`-s` / `-d`, read by the template as `was`: its `!`) as the full parse reads it, or
 * undefined when it reads otherwise (a list, an error): the one read last there or by any hole when `v` is
 * its text, else read now.
 */
function readAddress(t: ShapeTemplate, k: number, was: Address, v: string): Address | undefined {
  const invert = was.invert;
  const kept = t.lastAddr[k];
  if (kept !== undefined && kept.text === v) return kept.addr;
  if (LAST_ADDR !== null && LAST_ADDR_TEXT === v && LAST_ADDR.invert === invert) return LAST_ADDR;
  const a = oneAddress(v, invert);
  if (a === undefined) return undefined;
  LAST_ADDR = a;
  LAST_ADDR_TEXT = v;
  if (kept === undefined) t.lastAddr[k] = { text: v, addr: a };
  else {
    kept.text = v;
    kept.addr = a;
  }
  return a;
}

/**
 * What option use `o`'s replay makes with the line's `values` in its holes (a match, or the target), or
 * undefined when the module refuses a value or makes nothing: kept by its values when they are short, and the
 * comment match read last (LAST_COMMENT_MATCH) when it is a comment of that text.
 */
function madeOf(t: ShapeTemplate, o: { use: number; holes: readonly number[] }, values: readonly string[], source: readonly string[]): Match | Target | undefined {
  const u = o.use;
  const comment = o.holes[0] === t.commentHole;
  if (comment && LAST_COMMENT_MATCH !== null && LAST_COMMENT_TEXT === values[t.commentHole]) return LAST_COMMENT_MATCH;
  const key = madeKey(o.holes, values);
  const memo = key === undefined ? undefined : t.made[u];
  const had = memo?.get(key!);
  if (had !== undefined) return had;
  const m = replay(t, o, values);
  if (m === undefined) return undefined;
  if (comment) {
    const c = t.commentHole;
    LAST_COMMENT_RAW = source[t.holes[c].word - 2];
    LAST_COMMENT_TEXT = values[c];
    LAST_COMMENT_MATCH = m as Match;
  }
  // Matches only: a target keeps its own instance per line.
  if (key !== undefined && !(t.hasTarget && u === t.uses.length - 1) && shareableMatch(m as Match)) {
    const kept = (t.made[u] ??= new Map());
    if (kept.size < MADE_MAX) kept.set(key, m);
  }
  return m;
}

/** The module of option use `o` given its options again in the order they were given, the line's `values` in place. */
function replay(t: ShapeTemplate, o: { use: number; holes: readonly number[] }, values: readonly string[]): Match | Target | undefined {
  const use = t.uses[o.use];
  // The calls' arguments with the line's values in place (only for the calls that have holes).
  const calls = new Array<string[] | undefined>(use.calls.length);
  for (const k of o.holes) {
    const h = t.holes[k] as Extract<HoleKind, { kind: 'option' }>;
    const args = (calls[h.call] ??= use.calls[h.call].args.slice());
    args[h.arg] = values[k];
  }
  const b = use.module.create() as MatchBuilder | TargetBuilder;
  for (let c = 0; c < use.calls.length; c++) {
    const call = use.calls[c];
    const e = b.option(call.spec, calls[c] ?? call.args, call.invert, call.env);
    if (e !== undefined) return undefined;
  }
  const m = b.finish(t.finishEnv);
  return m === null || typeof m === 'string' ? undefined : m;
}

/** The chain a filled rule jumps to (`-j` / `-g`), else null. */
function jumpOf(r: Rule): string | null {
  return r.target.kind === 'jump' || r.target.kind === 'goto' ? r.target.chain : null;
}

/** The key of a use's replay with `values` in its holes (`holes`: indices into the template's), or undefined when a value is long. */
function madeKey(holes: readonly number[], values: readonly string[]): string | undefined {
  let key = '';
  for (let k = 0; k < holes.length; k++) {
    const v = values[holes[k]];
    if (v.length > MADE_VALUE_MAX) return undefined;
    key = k === 0 ? v : `${key}\u0000${v}`;
  }
  return key;
}

/** `t.at`'s word indices as columns, a word's column given by `col`. */
function atOf(t: ShapeTemplate, col: (i: number) => number): CommandAt {
  const a = t.at;
  const matchCols = new Array<number>(a.matches.length);
  for (let i = 0; i < matchCols.length; i++) matchCols[i] = col(a.matches[i]);
  const at: CommandAt = { command: col(a.command), chain: col(a.chain), target: a.target < 0 ? null : col(a.target), matches: matchCols };
  if (a.src >= 0) at.src = col(a.src);
  if (a.dst >= 0) at.dst = col(a.dst);
  return at;
}

/**
 * The parse of `words` (a line of `t`'s shape) from `t`, or undefined when a value reads otherwise than the
 * template's did (the line is then parsed in full). `text` is what the entry hands on as the line's text.
 */
export function fillTemplate(t: ShapeTemplate, words: readonly Word[], text: string, chainNamed: (name: string) => string | undefined): CachedCommand | undefined {
  // A copy of each value: what the entry and the modules keep (a comment) must not keep the line's words alive.
  const rule = fillRule(t, new CopiedWords(words), chainNamed);
  if (rule === undefined) return undefined;
  const raw = new Array<string>(words.length);
  raw[0] = t.raw[0];
  raw[1] = FILLED_CHAIN_RAW;
  const source = rule.source!;
  for (let i = 0; i < source.length; i++) raw[i + 2] = source[i];
  return { command: { op: 'append', chain: FILLED_CHAIN, rules: [rule] }, at: atOf(t, (i) => words[i].col), words: raw, jumpsTo: jumpOf(rule), text: ownCopy(text) };
}

// Lines of a seen shape read in one scan of their characters, without splitWords()'s Word objects or shapeKey()'s
// key string. The scan finds the words and hashes the option words (those written starting with `-`: a shape's
// fixed words, where its lines differ only in values); the templates of that hash are then checked against the
// line word by word (scannedOfShape()): the same words outside the template's holes, and in its holes values
// that shapeKey() takes for holes too, which makes the line's key the template's. A line whose quoting is
// anything but plain (a quote inside a word, a backslash inside quotes, an unterminated quote) is not scanned:
// splitWords() reads it.

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

/** The hash scanWords() gives the lines of `t`'s shape (but those with a value starting with `-`). */
export function templateHash(t: ShapeTemplate): number {
  return optionHash(t.raw);
}

/** The hash of the line scanWords() read last. */
export function scannedOptionHash(): number {
  return scannedHash;
}

/** Word `i` of the line scanWords() read last, as the command sees it. */
function scannedText(line: string, i: number): string {
  return QUOTED[i] === 1 ? line.slice(START[i] + 1, END[i] - 1) : line.slice(START[i], END[i]);
}

/** Whether word `i` of the scanned line is `w` as written. */
function scannedIs(line: string, i: number, w: string): boolean {
  const s = START[i];
  if (END[i] - s !== w.length) return false;
  // Character by character: startsWith() on a slice of the restore's input is slower.
  for (let k = 0; k < w.length; k++) if (line.charCodeAt(s + k) !== w.charCodeAt(k)) return false;
  return true;
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
        const len = END[1] - START[1] - 2 * QUOTED[1];
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

/** The words of the line scanWords() read last (`n` of them) as splitWords() gives them (for tests). */
export function scannedWords(line: string, n: number): Word[] {
  const words: Word[] = [];
  for (let i = 0; i < n; i++) words.push({ text: scannedText(line, i), raw: line.slice(START[i], END[i]), col: START[i] + 1 });
  return words;
}

/**
 * A line filled from a template (fillScanned()): its rule, chain and jump made at once; its command, columns and
 * words when first read (a line record takes the rule and chain: instantiateRule(), entryChain()), the columns
 * and words from its text scanned again.
 */
export class ShapedCommand implements CachedCommand {
  /**
   * What is made when first read (the columns: an error's location, lines given back; the words, the command),
   * in one object made then: the apply of a filled line reads none of them, and a full sync keeps 40,000 lines.
   */
  #read: { at: CommandAt | null; words: readonly string[] | null; command: (RuleCommand & { op: 'append' }) | null } | null = null;
  readonly #t: ShapeTemplate;

  constructor(
    t: ShapeTemplate,
    /** The chain of its `-A` (the restore's string for it) and its one rule. */
    readonly chain: string,
    readonly rule: Rule,
    public text: string,
  ) {
    this.#t = t;
  }

  /** The chain the rule jumps to (`-j` / `-g`), else null: read from the rule, not kept beside it. */
  get jumpsTo(): string | null {
    return jumpOf(this.rule);
  }

  #made(): { at: CommandAt | null; words: readonly string[] | null; command: (RuleCommand & { op: 'append' }) | null } {
    return (this.#read ??= { at: null, words: null, command: null });
  }

  get command(): RuleCommand & { op: 'append' } {
    const read = this.#made();
    return (read.command ??= { op: 'append', chain: this.chain, rules: [this.rule] });
  }

  get at(): CommandAt {
    const read = this.#made();
    if (read.at === null) {
      // The text is the line's own copy: its words are where the line's were.
      scanWords(this.text);
      read.at = atOf(this.#t, (i) => START[i] + 1);
    }
    return read.at;
  }

  get words(): readonly string[] {
    const read = this.#made();
    if (read.words === null) {
      const source = this.rule.source!;
      const raw = new Array<string>(source.length + 2);
      raw[0] = this.#t.raw[0];
      // The chain as fillRule() kept it: the restore's name when written plainly, else as written.
      scanWords(this.text);
      raw[1] = QUOTED[1] === 0 ? this.chain : this.text.slice(START[1], END[1]);
      for (let i = 0; i < source.length; i++) raw[i + 2] = source[i];
      read.words = raw;
    }
    return read.words;
  }
}

/**
 * The parse of `own` (a copy of the line, which the entry keeps as its text) from `t`, right after
 * scanWords(own) and scannedOfShape() said it is a line of `t`'s shape; undefined when a value reads
 * otherwise than the template's did (the line is then read by splitWords() and parsed in full).
 */
export function fillScanned(t: ShapeTemplate, own: string, chainNamed: (name: string) => string | undefined): CachedCommand | undefined {
  // Slices of the entry's own text: they keep nothing else alive.
  SCANNED.own = own;
  const rule = fillRule(t, SCANNED, chainNamed);
  if (rule === undefined) return undefined;
  return new ShapedCommand(t, FILLED_CHAIN, rule, own);
}
