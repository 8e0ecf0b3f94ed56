// Lines of a shape filled from its template (rule-shape.ts).
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
// A line filled from a template is kept for itself only: its REST and MID (rule-parse-cache.ts) are not kept as
// templates, since the lines that would find them are of its shape. A line read in one scan (rule-scan.ts) is
// filled from the scan's slices of its text, its words and columns made only when read (ShapedCommand).

import type { Match, MatchBuilder, Target, TargetBuilder } from './module.js';
import type { CommandAt, RuleCommand } from './rule-parse.js';
import type { Rule, RuleBasics, RuleTarget } from './ruleset.js';
import type { Word } from './tokenize.js';
import type { CachedCommand } from './rule-parse-cache.js';
import type { HoleKind, ShapeTemplate } from './rule-shape.js';
import { parseHostMask } from './basic-filter.js';
import { checkChainName } from './rule-parse.js';
import { shareableMatch } from './rule-parse-cache.js';
import { scanWords, scannedColumn, scannedIs, scannedPlain, scannedRaw, scannedText } from './rule-scan.js';
import { ownCopy } from './tokenize.js';

/** The longest hole value a use's replay is kept by, and how many results are kept per use. */
const MADE_VALUE_MAX = 12;
const MADE_MAX = 256;
/** The longest hole value compared with the template's, to share its string. */
const SHARED_VALUE_MAX = 16;

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
    return scannedText(this.own, i);
  }
  raw(i: number): string {
    return scannedRaw(this.own, i);
  }
  plain(i: number): boolean {
    return scannedPlain(i);
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
      read.at = atOf(this.#t, scannedColumn);
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
      raw[1] = scannedPlain(1) ? this.chain : scannedRaw(this.text, 1);
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
