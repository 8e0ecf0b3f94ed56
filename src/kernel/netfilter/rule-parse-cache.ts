// Parse once, share the parse: a command line's parse is a pure function of the table it is in, the parser's
// flags (kube-proxy's lenient comments) and the line's text, except for one fact about the moment it is read:
// whether the chain its `-j` / `-g` names exists (do_parse() takes a name that is no target module for a
// chain). So a cached parse is reused only while that chain exists; otherwise the line is parsed again and
// fails (or succeeds) as it would have. Lines that fail are never cached (their messages carry their own line
// and column). `--match-set` lines depend on the namespace's ipsets: a restore given `sets` does not use the cache.
//
// What is shared between the rules made from one entry: the basics, the match and target instances, the words.
// Each rule gets its own counters (per namespace, and journalled by a checkpoint; at [0:0] the shared frozen
// RULE_ZERO until it counts: ruleset.ts). A match that keeps state in itself (`-m statistic --mode nth` counts,
// `-m limit` / `-m hashlimit` buckets: the kernel's per-rule private data) must not be shared, so a line with one
// is not cached; a match whose state lives in the namespace (`-m recent`, `-m nfacct`) or that only draws from
// the packet's RNG (`-m statistic --mode random`) is stateless as an object and shared.
//
// Lines of one shape are shared too (kube-proxy writes 12,000 `-A KUBE-SEP-X -s IP/32 -j KUBE-MARK-MASQ` over
// 90 pod addresses). In `-A CHAIN REST`, the parse of REST does not depend on CHAIN when CHAIN is a user chain:
// do_parse() reads the chain name only for its length (checkChainName()) and for the by-name checks of
// built-in chains (`-o` with PREROUTING / INPUT, `-i` with POSTROUTING / OUTPUT); the other uses are in error
// messages, and failing lines are never cached. And in `-A CHAIN MID -j NAME` where NAME is no target module,
// the parse of MID does not depend on NAME: the jump is taken as long as the chain NAME exists. So a line whose
// REST (or MID) was parsed before under another chain (or jump) gets that parse, rebased: its own chain, jump,
// words and columns (shifted by the difference in chain name length). The rebased entry is not kept for the
// line (the REST / MID map finds it again in about the time a line map would, and a full sync would otherwise
// keep a copy of every line and a map entry for it): it is made for one line of one restore, becomes that
// line's record (RebasedCommand.bind()) and is what its chain's record holds; its text is made from the
// template's only when read. The REST / MID maps are asked before the line map, since either answer is the
// line's parse.

import type { Match } from './module.js';
import type { CommandAt, RuleCommand } from './rule-parse.js';
import type { Counters, Rule, RuleBasics, RuleTarget, TableName } from './ruleset.js';
import { BUILTIN_CHAINS, RULE_ZERO, ruleCounters, ruleSharing } from './ruleset.js';
import { MAX_CHAIN_NAME } from './rule-parse.js';
import { findTarget } from './registry.js';
import { allowedHooks } from './hook-mask.js';
import { ownCopy } from './tokenize.js';
import type { Word } from './tokenize.js';
import type { LineHolder, RecordMaker } from './restore-chain-source.js';
import type { ShapeTemplate } from './rule-shape.js';
import { scannedOfShape, templateHash } from './rule-shape.js';
import { ShapedCommand, fillScanned, fillTemplate } from './rule-shape-fill.js';
import { scannedOptionHash, scanWords } from './rule-scan.js';

/** One parsed command line, kept as the template its rules are copied from. */
export interface CachedCommand {
  command: RuleCommand;
  at: CommandAt;
  /** The line's words as written (the RestoreLine words). */
  words: readonly string[];
  /** The chain its `-j` / `-g` names, which must exist for the parse to hold. */
  jumpsTo: string | null;
  /**
   * The line as first stored (the key): what a hit hands on as its text (restore-chain-source.ts), so that
   * records of a chain's lines keep no substrings of later restores' input alive.
   */
  text?: string;
}

/** Impure matches whose instance holds nothing of its own: their state is the namespace's, or the packet's RNG. */
const STATELESS_IMPURE: ReadonlySet<string> = new Set(['recent', 'nfacct']);

/** Whether `m` can serve rules of several namespaces (it holds no per-rule state). */
export function shareableMatch(m: Match): boolean {
  if (m.pure) return true;
  if (m.module === 'statistic') return m.branchProbability !== undefined;
  return STATELESS_IMPURE.has(m.module);
}

function shareableCommand(c: RuleCommand): boolean {
  if (!('rules' in c) || c.rules === null) return false;
  return c.rules.every((r) => r.matches.every(shareableMatch));
}

/**
 * The parse of one `-A CHAIN ...` line, kept for the lines that differ from it only in CHAIN (and in the jump).
 * It is also what a chain's record holds for such a line written in a one-pass restore (restore-chain-source.ts
 * RecordMaker): the line's chain and the rule it made tell the rest, made into the line's holder when read.
 */
export class Template implements RecordMaker {
  constructor(
    readonly entry: CachedCommand,
    readonly chain: string,
    /** The line (the cache's copy): a rebased line's text is made from it (RebasedCommand.text). */
    readonly text: string,
  ) {}

  /** allowedHooks() of the template's one rule, once asked; -1 before. */
  #hooks = -1;

  /** recordAfter(null), once asked; and recordAfter(first) by `first`. */
  #alone: readonly RecordMaker[] | undefined;
  #after: Map<RecordMaker, readonly RecordMaker[]> | undefined;

  /**
   * The record of a chain whose lines are this template's line alone, or `first`'s line then this one, shared
   * (restore-chain-source.ts RecordMaker.recordAfter()): kube-proxy's KUBE-SEP chains are a masquerade line and a
   * DNAT line of the same few endpoints, so a full sync's 60,000 such chains need a few hundred arrays.
   */
  recordAfter(first: RecordMaker | null): readonly RecordMaker[] {
    if (first === null) return (this.#alone ??= [this]);
    const after = (this.#after ??= new Map());
    let rec = after.get(first);
    if (rec === undefined) after.set(first, (rec = [first, this]));
    return rec;
  }

  /**
   * allowedHooks() of `rule`, made from this template by rebasedRule(): the template's rule's, which has the same
   * matches and the same target or a jump as its target (neither a target module), asked once per template.
   */
  hooksOf(rule: Rule): number {
    const own = (this.entry.command as { rules: Rule[] }).rules[0];
    if (rule.matches !== own.matches || (rule.target !== own.target && (rule.target.kind === 'module' || own.target.kind === 'module'))) return allowedHooks(rule);
    if (this.#hooks < 0) this.#hooks = allowedHooks(own);
    return this.#hooks;
  }

  /**
   * The holder of the line of chain `chain` that made `rule` from this template (rebasedRule()): its jump is the
   * rule's own when its target is not the template's (a MID hit), as rebase() made it.
   */
  holderFor(chain: string, rule: Rule): LineHolder {
    const own = (this.entry.command as { rules: Rule[] }).rules[0].target;
    const jump = rule.target === own ? null : (rule.target as { chain: string }).chain;
    const e = this.entry;
    const delta = chain.length - this.chain.length;
    let target: number | null = e.at.target === null ? null : e.at.target + delta;
    if (jump !== null) {
      // rebase(): the line's length less its jump's, plus one; the line is the template's with its chain and jump.
      const length = this.text.length + delta - e.jumpsTo!.length + jump.length;
      target = length - jump.length + 1;
    }
    return new RebasedCommand(this, chain, jump, shiftAt(e.at, delta, target));
  }
}

/**
 * A REST / MID hit of RuleParseCache.find(): its template, the line's chain and its own jump (null: the
 * template's), as the restore's strings. One object, filled by each find(): read it before the next.
 */
export interface RebaseHit {
  readonly template: Template;
  readonly chain: string;
  readonly jump: string | null;
}

const HIT: { template: Template; chain: string; jump: string | null } = { template: null as unknown as Template, chain: '', jump: null };

/** The parses kept for one table and parser flags. */
interface Kind {
  lines: Map<string, CachedCommand>;
  /** By REST of `-A CHAIN REST` (from the blank after CHAIN). */
  rest: Map<string, Template>;
  /** By MID of `-A CHAIN MID -j NAME`. */
  mid: Map<string, Template>;
  /** By shape (rule-shape.ts): its template, or how many of its lines' parses made none (tried MAX_TRIES times). */
  shapes: Map<string, ShapeTemplate | number>;
  /** The templates of `shapes` by the hash of their key (rule-shape.ts templateHash()), for lookupScanned(). */
  shapeHashes: Map<number, ShapeTemplate[]>;
}

/** How many lines of a shape may fail to make its template (an address list, a module that left no match) before none is tried. */
const MAX_TRIES = 4;

/**
 * The chain names do_parse() checks by name (checkRuleSpec() in rule-parse.ts), whatever the table: every hook's
 * (mangle has them all). A line naming one is never shared across chains (here and in rule-shape.ts).
 */
export const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTIN_CHAINS.mangle);

/** `-A CHAIN REST` with CHAIN a plain word (no quote) that may name a user chain: REST's start, else -1. */
function restStart(line: string): number {
  if (line.charCodeAt(0) !== 45 || line.charCodeAt(1) !== 65 || line.charCodeAt(2) !== 32) return -1; // '-A '
  let i = 3;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) break;
    if (c === 9 || c === 10 || c === 34) return -1; // tab, newline, '"'
  }
  if (i === 3 || i >= line.length || i - 3 > MAX_CHAIN_NAME || line.charCodeAt(3) === 45) return -1;
  // The built-in names are 5 to 11 characters long: other names are not sliced out to be looked up.
  return i - 3 >= 5 && i - 3 <= 11 && BUILTIN_NAMES.has(line.slice(3, i)) ? -1 : i;
}

/** `... -j NAME` at the end of the line, NAME a plain word: the index of its ` -j `, else -1. */
function jumpStart(line: string, from: number): number {
  const j = line.lastIndexOf(' -j ');
  if (j < from || j + 4 >= line.length) return -1;
  for (let i = j + 4; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 34 || c === 92) return -1;
  }
  return j;
}

function shiftAt(at: CommandAt, delta: number, target: number | null): CommandAt {
  // Chain names of one length (kube-proxy's hashed names) leave every column where it was.
  if (delta === 0 && target === at.target) return at;
  const matches = new Array<number>(at.matches.length);
  for (let i = 0; i < matches.length; i++) matches[i] = at.matches[i] + delta;
  const out: CommandAt = { command: at.command, chain: at.chain, target, matches };
  if (at.src !== undefined) out.src = at.src + delta;
  if (at.dst !== undefined) out.dst = at.dst + delta;
  return out;
}

/** `t`'s parse for `line`, whose chain is `chain` (and jump `jump`, for a MID template). */
function rebase(t: Template, line: string, chain: string, jump: string | null): CachedCommand {
  const e = t.entry;
  const delta = chain.length - t.chain.length;
  let target: number | null = e.at.target === null ? null : e.at.target + delta;
  if (jump !== null) target = line.length - jump.length + 1;
  return new RebasedCommand(t, chain, jump, shiftAt(e.at, delta, target));
}

/**
 * A rebased parse: its template's rules, in its own chain, with its own jump (and source words ending in it).
 * Its command, words and text are made the first time they are read (printing the script back, giving
 * held-back lines back, a later restore comparing its lines with a kept chain's); a restore makes its rules
 * from the template directly (fresh()). It is made for one line of one restore (the cache keeps no entry per
 * rebased line: the REST / MID map finds the line again), and is what that line's record and its chain's
 * record hold (restore-chain-source.ts).
 */
export class RebasedCommand implements CachedCommand {
  /**
   * The line of the restore it answers, once bound to it (bind(): then it is that line's record too, a
   * RestoreLine of kind 'command', so a full sync makes one object per such line); 0 before.
   */
  line = 0;
  /** bind()'s one rule of the line (shared parse, own counters); null when the line makes several (an address list). */
  rule: Rule | null = null;
  #words: readonly string[] | null = null;
  #command: RuleCommand | null = null;
  #text: string | null = null;
  readonly #t: Template;
  readonly #from: CachedCommand;
  readonly #chain: string;
  readonly #jump: string | null;
  /** With a jump of its own: the target (each rule's source words are the template's, ending in the jump: JumpRule). */
  readonly #target: RuleTarget | null = null;
  readonly jumpsTo: string | null;

  constructor(
    t: Template,
    chain: string,
    jump: string | null,
    readonly at: CommandAt,
  ) {
    const from = t.entry;
    this.#t = t;
    this.#from = from;
    this.#chain = chain;
    this.#jump = jump;
    this.jumpsTo = jump ?? from.jumpsTo;
    if (jump !== null) this.#target = { kind: 'jump', chain: jump };
  }

  /** The chain of its `-A` line (the restore's string for it). */
  get chain(): string {
    return this.#chain;
  }

  /** The rules with their own counters (the template's, or zero when `zero`), as instantiate() makes them. */
  fresh(zero: boolean): RuleCommand {
    return { op: 'append', chain: this.#chain, rules: this.#rules(zero, true) };
  }

  /** fresh()'s one rule, when the line makes one rule (no address list); else null. */
  freshRule(zero: boolean): Rule | null {
    const from = (this.#from.command as { rules: Rule[] }).rules;
    return from.length === 1 ? this.#rule(from[0], zero, true) : null;
  }

  #rules(zero: boolean, own: boolean): Rule[] {
    const from = (this.#from.command as { rules: Rule[] }).rules;
    const rules = new Array<Rule>(from.length);
    for (let i = 0; i < from.length; i++) rules[i] = this.#rule(from[i], zero, own);
    return rules;
  }

  #rule(r: Rule, zero: boolean, own: boolean): Rule {
    const n = r.counters;
    // The template's counters for a cached rule: it never enters a ruleset, instantiate() gives each rule its own.
    const counters = !own ? n : zero ? RULE_ZERO : ruleCounters(n);
    const target = this.#target;
    if (target === null) return ruleSharing(r, counters);
    const source = r.source;
    if (source !== undefined) return new JumpRule(r.basics, r.matches, target, counters, source);
    return { basics: r.basics, matches: r.matches, target, counters };
  }

  /** A line's record: a command line. */
  get kind(): 'command' {
    return 'command';
  }

  /** The entry whose words and columns are the line's (CachedLine's): itself. */
  get entry(): CachedCommand {
    return this;
  }

  /**
   * Binds the entry to line `line` of a restore with its own rules (counters zero when `zero`, else the
   * parse's), as CachedLine.of() makes a line of any other entry; it is then that line's record.
   */
  bind(line: number, zero: boolean): this {
    this.line = line;
    this.rule = this.freshRule(zero);
    this.#command = this.rule === null ? this.fresh(zero) : null;
    return this;
  }

  /**
   * Once bound, the line's command (its own rules, made when first read for one rule); before, the template's
   * rules in this chain (with this jump).
   */
  get command(): RuleCommand {
    if (this.#command === null) {
      if (this.line > 0) this.#command = { op: 'append', chain: this.#chain, rules: [this.rule!] };
      else {
        const from = this.#from.command as { rules: Rule[] };
        this.#command = { op: 'append', chain: this.#chain, rules: this.#jump === null ? from.rules : this.#rules(false, false) };
      }
    }
    return this.#command;
  }

  /**
   * The line as written: `-A `, its chain, then the template's words after its chain (with a jump of its own,
   * the template's up to its ` -j ` and then this jump), as the REST / MID map found them equal. Made of the
   * restore's chain names and the cache's copy of the template line, so it keeps no restore's input alive.
   */
  get text(): string {
    if (this.#text === null) {
      const t = this.#t;
      const from = 3 + t.chain.length;
      this.#text = this.#jump === null
        ? `-A ${this.#chain}${t.text.slice(from)}`
        : `-A ${this.#chain}${t.text.slice(from, t.text.length - t.entry.jumpsTo!.length - 4)} -j ${this.#jump}`;
    }
    return this.#text;
  }

  /** Whether `line` is this line's text, told without making the text (compared piece by piece). */
  textIs(line: string): boolean {
    if (this.#text !== null) return this.#text === line;
    const t = this.#t;
    const chain = this.#chain;
    const jump = this.#jump;
    const tt = t.text;
    const from = 3 + t.chain.length;
    const end = jump === null ? tt.length : tt.length - t.entry.jumpsTo!.length - 4;
    const length = 3 + chain.length + (end - from) + (jump === null ? 0 : 4 + jump.length);
    if (line.length !== length || !line.startsWith('-A ') || !line.startsWith(chain, 3)) return false;
    let p = 3 + chain.length;
    for (let i = from; i < end; i++, p++) if (line.charCodeAt(p) !== tt.charCodeAt(i)) return false;
    return jump === null || (line.startsWith(' -j ', p) && line.startsWith(jump, p + 4));
  }

  get words(): readonly string[] {
    if (this.#words === null) {
      const words = this.#from.words.slice();
      words[1] = this.#chain;
      if (this.#jump !== null) words[words.length - 1] = this.#jump;
      this.#words = words;
    }
    return this.#words;
  }
}

/** Whether `e`, the parse of `line` (a `-A` line, MID ending at `j`), jumps to the line's last word through its `-j`. */
function jumpsToLastWord(e: CachedCommand, line: string, j: number): boolean {
  const c = e.command;
  if (c.op !== 'append' || c.rules.length === 0) return false;
  const name = line.slice(j + 4);
  if (e.jumpsTo !== name || e.at.target !== j + 5 || e.words[e.words.length - 1] !== name) return false;
  for (const r of c.rules) {
    if (r.target.kind !== 'jump' || r.target.chain !== name) return false;
    if (r.source !== undefined && r.source[r.source.length - 1] !== name) return false;
  }
  return true;
}

/** The parses of rule lines, shared by every restore given this cache (e.g. all namespaces of one World). */
export class RuleParseCache {
  readonly #byKind = new Map<string, Kind>();
  #hits = 0;
  #misses = 0;

  #kind(table: TableName, lenientComments: boolean): Kind {
    const key = lenientComments ? `${table}+lenient` : table;
    let k = this.#byKind.get(key);
    if (k === undefined) this.#byKind.set(key, (k = { lines: new Map(), rest: new Map(), mid: new Map(), shapes: new Map(), shapeHashes: new Map() }));
    return k;
  }

  /**
   * The cached parse of `line`, when there is one and the chain it jumps to exists now. `chainNamed` gives the
   * name of a chain that exists now, as the restore keeps it (a shaped line's chain and jump are that string).
   */
  lookup(table: TableName, lenientComments: boolean, line: string, chainNamed: (name: string) => string | undefined): CachedCommand | undefined {
    const kind = this.#kind(table, lenientComments);
    // The REST / MID maps first: they answer most lines of a full sync, which the line map then need not hash.
    // Either answer is the parse of the line (see the top of this file), so the order changes no result.
    let hit = this.#shaped(kind, line, chainNamed);
    if (hit === undefined) {
      hit = kind.lines.get(line);
      if (hit !== undefined && hit.jumpsTo !== null && chainNamed(hit.jumpsTo) === undefined) hit = undefined;
    }
    if (hit === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return hit;
  }

  /** The parse of a line of a shape parsed before (see the top of this file), kept for the line; undefined if none. */
  #shaped(kind: Kind, line: string, chainNamed: (name: string) => string | undefined): CachedCommand | undefined {
    if (!this.#find(kind, line, chainNamed)) return undefined;
    return rebase(HIT.template, line, HIT.chain, HIT.jump);
  }

  /** Whether `line` is of a REST / MID template (HIT then tells which, with the line's chain and jump). */
  #find(kind: Kind, line: string, chainNamed: (name: string) => string | undefined): boolean {
    if (kind.rest.size === 0) return false;
    const r = restStart(line);
    if (r < 0) return false;
    let t: Template | undefined;
    let jump: string | undefined;
    const j = jumpStart(line, r);
    if (j >= 0) {
      t = kind.mid.get(line.slice(r, j));
      if (t !== undefined) {
        const name = line.slice(j + 4);
        // The template's own jump names no target module (its parse took the name for a chain, and the modules
        // are fixed: registry.ts), so a line with the same jump is not looked up there (kube-proxy's KUBE-MARK-MASQ).
        jump = name === t.entry.jumpsTo || findTarget(name) === undefined ? chainNamed(name) : undefined;
        if (jump === undefined) t = undefined;
        // The template's own jump: the line differs from it in the chain only, and shares its rules as they are.
        else if (jump === t.entry.jumpsTo) jump = undefined;
      }
    }
    if (t === undefined) {
      jump = undefined;
      t = kind.rest.get(line.slice(r));
      if (t === undefined || (t.entry.jumpsTo !== null && chainNamed(t.entry.jumpsTo) === undefined)) return false;
    }
    // Not kept for the line (the maps find it again). Its chain and jump are the restore's strings (a chain that
    // does not exist, which the apply refuses, a copy): it keeps no substring of the restore's input.
    const chain = line.slice(3, r);
    HIT.template = t;
    HIT.chain = chainNamed(chain) ?? ownCopy(chain);
    HIT.jump = jump ?? null;
    return true;
  }

  /**
   * lookup() for a one-pass restore: a REST / MID hit whose template makes one rule is told as the hit (RebaseHit,
   * read before the next call; rebasedRule() makes its rule), with no entry made for the line; any other answer
   * is lookup()'s.
   */
  find(table: TableName, lenientComments: boolean, line: string, chainNamed: (name: string) => string | undefined): CachedCommand | RebaseHit | undefined {
    const kind = this.#kind(table, lenientComments);
    if (this.#find(kind, line, chainNamed)) {
      this.#hits++;
      if ((HIT.template.entry.command as { rules: Rule[] }).rules.length === 1) return HIT;
      return rebase(HIT.template, line, HIT.chain, HIT.jump);
    }
    let hit = kind.lines.get(line);
    if (hit !== undefined && hit.jumpsTo !== null && chainNamed(hit.jumpsTo) === undefined) hit = undefined;
    if (hit === undefined) this.#misses++;
    else this.#hits++;
    return hit;
  }

  /**
   * After lookup() missed: the parse of `line` (its `words`, of shape `key`) from the template of its shape, kept
   * for the line; 'template' when the shape has none yet (the caller parses the line with a trace and gives its
   * template to storeShape()); undefined when the line must be parsed in full.
   */
  lookupShape(
    table: TableName,
    lenientComments: boolean,
    key: string,
    words: readonly Word[],
    line: string,
    chainNamed: (name: string) => string | undefined,
  ): CachedCommand | 'template' | undefined {
    const kind = this.#kind(table, lenientComments);
    const t = kind.shapes.get(key);
    if (t === undefined || (typeof t === 'number' && t < MAX_TRIES)) return 'template';
    if (typeof t === 'number') return undefined;
    const hit = fillTemplate(t, words, line, chainNamed);
    if (hit === undefined) return undefined;
    this.#keepShaped(kind, t, hit.text!, hit);
    // lookup() counted the line as a miss.
    this.#misses--;
    this.#hits++;
    return hit;
  }

  /**
   * After lookup() missed: the parse of `line`, a plainly written line of a shape that has a template, read in one
   * scan of its characters (rule-scan.ts, rule-shape-fill.ts) and kept for the line; undefined when it is none, or a value reads
   * otherwise (the caller then reads it by lookupShape(), or parses it in full).
   */
  lookupScanned(table: TableName, lenientComments: boolean, line: string, chainNamed: (name: string) => string | undefined): CachedCommand | undefined {
    const kind = this.#kind(table, lenientComments);
    if (kind.shapeHashes.size === 0) return undefined;
    const n = scanWords(line);
    if (n < 0) return undefined;
    const ts = kind.shapeHashes.get(scannedOptionHash());
    if (ts === undefined) return undefined;
    let t: ShapeTemplate | undefined;
    for (let i = 0; i < ts.length && t === undefined; i++) if (scannedOfShape(ts[i], line, n)) t = ts[i];
    if (t === undefined) return undefined;
    // The entry's own copy of the line (its key and text), which the words it keeps are slices of (same columns).
    const own = ownCopy(line);
    const hit = fillScanned(t, own, chainNamed);
    if (hit === undefined) return undefined;
    this.#keepShaped(kind, t, own, hit);
    // lookup() counted the line as a miss.
    this.#misses--;
    this.#hits++;
    return hit;
  }

  /**
   * Keeps `entry`, filled from `t` for `line` (the cache's copy), for the line, and as the template of the lines
   * of its REST and MID unless each line of its shape is written once (ShapeTemplate.perLine): either way a line
   * reads the same (the tests hold the paths to one another), the maps only save the lines that repeat a REST.
   */
  #keepShaped(kind: Kind, t: ShapeTemplate, line: string, entry: CachedCommand): void {
    kind.lines.set(line, entry);
    if (!t.perLine) this.#keepShapes(kind, line, entry);
  }

  /** The template of a shape, or null when the parse of a line of the shape made none; the first template is kept. */
  storeShape(table: TableName, lenientComments: boolean, key: string, template: ShapeTemplate | null): void {
    const kind = this.#kind(table, lenientComments);
    const had = kind.shapes.get(key);
    if (typeof had === 'object') return;
    kind.shapes.set(key, template ?? (had ?? 0) + 1);
    if (template !== null) {
      const h = templateHash(template);
      const same = kind.shapeHashes.get(h);
      if (same === undefined) kind.shapeHashes.set(h, [template]);
      else same.push(template);
    }
  }

  /** Keeps a successful parse of a rule line (append / insert / delete by spec) whose matches can be shared; whether it did. */
  store(table: TableName, lenientComments: boolean, text: string, entry: CachedCommand): boolean {
    if (!shareableCommand(entry.command)) return false;
    const kind = this.#kind(table, lenientComments);
    // The key and what a hit hands on as the line's text, from a copy that keeps the restore's input free.
    const line = ownCopy(text);
    if (entry.text !== undefined) entry.text = line;
    kind.lines.set(line, entry);
    this.#keepShapes(kind, line, entry);
    return true;
  }

  /** `entry`, the parse of `line` (the cache's copy), as the template of the lines of its REST and MID. */
  #keepShapes(kind: Kind, line: string, entry: CachedCommand): void {
    const r = entry.command.op === 'append' && entry.at.command === 1 && entry.at.chain === 4 ? restStart(line) : -1;
    if (r < 0 || entry.words[1] !== line.slice(3, r)) return;
    const t = new Template(entry, line.slice(3, r), line);
    const rest = line.slice(r);
    if (!kind.rest.has(rest)) kind.rest.set(rest, t);
    const j = jumpStart(line, r);
    if (j >= 0 && jumpsToLastWord(entry, line, j)) {
      const mid = line.slice(r, j);
      if (!kind.mid.has(mid)) kind.mid.set(mid, t);
    }
  }

  /** Lookups answered from the cache, and not. */
  get stats(): { hits: number; misses: number; lines: number } {
    let lines = 0;
    for (const k of this.#byKind.values()) lines += k.lines.size;
    return { hits: this.#hits, misses: this.#misses, lines };
  }
}

/** Whether `e` makes its text when first read (a rebased entry): then it always has one. */
export function hasLazyText(e: CachedCommand): boolean {
  return e instanceof RebasedCommand;
}

/** Whether `line` is `e.text`, without making a rebased entry's text. */
export function entryTextIs(e: CachedCommand, line: string): boolean {
  return e instanceof RebasedCommand ? e.textIs(line) : e.text === line;
}

/** Whether `e` has a text (`e.text !== undefined`), without making a rebased entry's. */
export function entryHasText(e: CachedCommand): boolean {
  return e instanceof RebasedCommand || e.text !== undefined;
}

/** The chain an entry's command names (a rebased entry's own). */
export function entryChain(e: CachedCommand): string | null {
  return e instanceof RebasedCommand || e instanceof ShapedCommand ? e.chain : e.command.chain;
}

/**
 * The one fresh rule of an entry that appends one rule (shared parse, own counters: the parse's, or zero when
 * `zero`), as instantiateEntry() would make it; null for any other entry (the caller takes instantiateEntry()).
 */
export function instantiateRule(e: CachedCommand, zero: boolean): Rule | null {
  if (e instanceof RebasedCommand) return e.freshRule(zero);
  // A filled line (rule-shape-fill.ts): its one rule, its command not made.
  if (e instanceof ShapedCommand) return ruleSharing(e.rule, zero ? RULE_ZERO : ruleCounters(e.rule.counters));
  const c = e.command;
  if (c.op !== 'append' || c.rules.length !== 1) return null;
  return ruleSharing(c.rules[0], zero ? RULE_ZERO : ruleCounters(c.rules[0].counters));
}

/** Fresh rules from a cache entry: shared parse, own counters (the parse's, or zero when `zero`). */
export function instantiateEntry(e: CachedCommand, zero: boolean): RuleCommand {
  return e instanceof RebasedCommand ? e.fresh(zero) : instantiate(e.command, zero);
}

/** Fresh rules from a cached command: shared parse, own counters (the parse's, or zero when `zero`). */
export function instantiate(c: RuleCommand, zero = false): RuleCommand {
  if (!('rules' in c) || c.rules === null) return c;
  const from = c.rules;
  const rules = new Array<Rule>(from.length);
  for (let i = 0; i < from.length; i++) {
    rules[i] = ruleSharing(from[i], zero ? RULE_ZERO : ruleCounters(from[i].counters));
  }
  // The common command built field by field (a spread copies through a slower generic path).
  if (c.op === 'append') return { op: 'append', chain: c.chain, rules };
  return { ...c, rules } as RuleCommand;
}

/** Whether a find() answer is a REST / MID hit. */
export function isRebaseHit(x: CachedCommand | RebaseHit): x is RebaseHit {
  return x === HIT;
}

/**
 * The one rule of the line a REST / MID hit answers (shared parse, own counters: the template's, or zero when
 * `zero`), as RebasedCommand.freshRule() makes it for the rebased entry.
 */
export function rebasedRule(hit: RebaseHit, zero: boolean): Rule {
  const r = (hit.template.entry.command as { rules: Rule[] }).rules[0];
  const counters = zero ? RULE_ZERO : ruleCounters(r.counters);
  const jump = hit.jump;
  if (jump === null) {
    if (r.source !== undefined) return { basics: r.basics, matches: r.matches, target: r.target, counters, source: r.source };
    return { basics: r.basics, matches: r.matches, target: r.target, counters };
  }
  const target: RuleTarget = { kind: 'jump', chain: jump };
  const src = r.source;
  if (src === undefined) return { basics: r.basics, matches: r.matches, target, counters };
  return new JumpRule(r.basics, r.matches, target, counters, src);
}

/**
 * A rule of a MID template with a jump of its own (kube-proxy's 60,000 `-A KUBE-SVC-X ... -j KUBE-SEP-Y` in a full
 * sync): its source words are the template's with the jump as the last word, made each time they are read
 * (ruleSourceText(), ruleSharing()) instead of copied for every rule and kept with it.
 */
class JumpRule implements Rule {
  constructor(
    readonly basics: RuleBasics,
    readonly matches: readonly Match[],
    readonly target: RuleTarget,
    public counters: Counters,
    /** The template rule's source words, its jump the last. */
    readonly from: readonly string[],
  ) {}

  get source(): readonly string[] {
    const own = this.from.slice();
    own[own.length - 1] = (this.target as { chain: string }).chain;
    return own;
  }
}
