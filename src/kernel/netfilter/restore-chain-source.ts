// What a committed user chain was built from, when it was built only by `:CHAIN` (or `-N`) and then `-A CHAIN`
// lines whose parse the rule cache may share (rule-parse-cache.ts): one rule per line, zero counters after the
// parse. A later --noflush restore that declares the chain again and appends exactly these lines, in this order,
// with every `-j` / `-g` chain they name existing when each is read, rebuilds rules equal to the chain's own
// (a line's parse is a pure function of the table, the parser flags, its text and those chains: see
// rule-parse-cache.ts), so the restore may keep the chain instead of parsing and inserting every line again
// (restore-parse.ts, restore-apply.ts). Chains are never changed in place once committed (copy on write), so
// the record stays true for the chain object it is attached to.
//
// The chains a restore block makes or copies are BlockChains: they record their lines as they are written (one
// array per chain) and make the ChainSource only when it is first read, so a full sync (80,000 chains) pays
// neither a record object per chain nor a WeakMap entry per chain at its commit. Other chains (built in code,
// cloneTable()'s copies) carry their record in a WeakMap.

import type { NfHook } from './hooks.js';
import type { CommandAt } from './rule-parse.js';
import type { Chain, Counters, Policy, Rule, TableName } from './ruleset.js';

export interface ChainSource {
  table: TableName;
  /** RestoreOptions.lenientComments and .counters of the restore that built the chain. */
  lenient: boolean;
  counters: boolean;
  /** The `-A` lines, as written (without the newline), in rule order: line i made rule i. */
  lines: readonly string[];
  /**
   * What holds each line's words (RestoreLine.words: a cache entry, read only when the lines are given back or
   * printed) and each line's columns (RestoreLine.at), to give the lines back when needed.
   */
  words: readonly LineWords[];
  at: readonly CommandAt[];
}

/** Something whose `words` are a line's words as written (a RestoreLine, a rule cache entry). */
export interface LineWords {
  readonly words: readonly string[];
}

/** What holds a written line's words and columns (a RestoreLine, a rule cache entry). */
export interface LineHolder extends LineWords {
  readonly at: CommandAt;
  /** The line as written, when the rule cache may share its parse (a rebased entry makes it when first read). */
  readonly text?: string;
  /** Whether `line` is `text`, told without making the text (a rebased entry's). */
  textIs?(line: string): boolean;
}

/**
 * What a chain's record may hold for a line in place of its holder (a rule cache template, RebaseHit): the line's
 * chain and the rule it made tell the line, whose holder is made when the record is read.
 */
export interface RecordMaker {
  holderFor(chain: string, rule: Rule): LineHolder;
  /**
   * The record of a chain whose lines so far are this maker's line alone (`[this]`), or `first`'s line then this
   * one (`[first, this]`): one array per maker or pair, shared by every chain recorded so (never changed: record()
   * makes a new array for a third line, and RecordedSource copies a record before it writes a holder into it).
   */
  recordAfter?(first: RecordMaker | null): readonly RecordMaker[];
}

type Recorded = LineHolder | RecordMaker;

function isMaker(h: Recorded): h is RecordMaker {
  return typeof (h as Partial<RecordMaker>).holderFor === 'function';
}

/** The table and flags of one restore block: what every ChainSource its chains make shares; also its owner mark. */
export interface SourceScope {
  readonly table: TableName;
  readonly lenient: boolean;
  readonly counters: boolean;
}

/**
 * A ChainSource made from a chain's recorded lines (their holders, each with its text, or what makes the holder
 * from the chain's name and rule i: RecordMaker), its arrays made on first read.
 */
class RecordedSource implements ChainSource {
  readonly table: TableName;
  readonly lenient: boolean;
  readonly counters: boolean;
  #rec: readonly Recorded[];
  /** Whether #rec holds a RecordMaker still (its holders are then made on first read). */
  #makers: boolean;
  readonly #chain: string;
  readonly #rules: readonly Rule[];
  #lines: string[] | undefined;
  #at: CommandAt[] | undefined;

  constructor(scope: SourceScope, rec: readonly Recorded[], chain: string, rules: readonly Rule[]) {
    this.table = scope.table;
    this.lenient = scope.lenient;
    this.counters = scope.counters;
    this.#rec = rec;
    this.#makers = true;
    this.#chain = chain;
    this.#rules = rules;
  }

  /** The holders, each line's made from its maker (the chain's name and rule i) when first read. */
  #holders(): readonly LineHolder[] {
    if (this.#makers) {
      for (let i = 0; i < this.#rec.length; i++) this.#holder(i);
      this.#makers = false;
    }
    return this.#rec as readonly LineHolder[];
  }

  /** Line `i`'s holder, made from its maker when first read (the record is then this source's own copy). */
  #holder(i: number): LineHolder {
    const h = this.#rec[i];
    if (!isMaker(h)) return h;
    // The chain's record array is shared with no one once it is a source, but a short one may be NO_LINES-like
    // and shared: the first holder made copies it.
    if (!this.#own) {
      this.#rec = this.#rec.slice();
      this.#own = true;
    }
    const made = h.holderFor(this.#chain, this.#rules[i]);
    (this.#rec as Recorded[])[i] = made;
    return made;
  }

  #own = false;

  get lines(): readonly string[] {
    if (this.#lines === undefined) {
      const rec = this.#holders();
      const out = new Array<string>(rec.length);
      for (let i = 0; i < out.length; i++) out[i] = rec[i].text!;
      this.#lines = out;
    }
    return this.#lines;
  }

  get words(): readonly LineWords[] {
    return this.#holders();
  }

  /** How many lines (words.length, without making the holders). */
  get count(): number {
    return this.#rec.length;
  }

  /** Whether line `i` is `line`, asked of its holder (which need not make its text to tell). */
  lineIs(i: number, line: string): boolean {
    if (this.#lines !== undefined) return this.#lines[i] === line;
    const h = this.#holder(i);
    return h.textIs !== undefined ? h.textIs(line) : h.text === line;
  }

  get at(): readonly CommandAt[] {
    if (this.#at === undefined) {
      const h = this.#holders();
      const out = new Array<CommandAt>(h.length);
      for (let i = 0; i < h.length; i++) out[i] = h[i].at;
      this.#at = out;
    }
    return this.#at;
  }
}

/** Arrays shorter than this are grown by grown(), longer ones by push(). */
export const EXACT_ARRAY_MAX = 8;

/**
 * A new array of `a`'s items then `x`, no larger than they need (push() would give it room for 17 more, which
 * every scavenge copies while it is young: a chain's rules and record are short and kept).
 */
export function grown<T>(a: readonly T[], x: T): T[] {
  // A literal, or concat(), makes its result at its length, packed (a spread or a copy and push() would leave
  // room to grow); the literals for the commonest lengths make no argument array.
  switch (a.length) {
    case 0:
      return [x];
    case 1:
      return [a[0], x];
    case 2:
      return [a[0], a[1], x];
    case 3:
      return [a[0], a[1], a[2], x];
    case 4:
      return [a[0], a[1], a[2], a[3], x];
    default:
      return a.concat([x]);
  }
}

/** The record of a chain declared and given no line yet: shared, never changed. */
const NO_LINES: readonly Recorded[] = [];

/**
 * A chain made or copied by a restore block (restore-apply.ts): the block that may change it in place (its
 * scope), and the lines it was built from while that is only a declaration and shareable `-A` lines. Its
 * enumerable fields are a Chain's and nothing else, so a spread copy of it is a plain chain with no record.
 */
export class BlockChain implements Chain {
  name: string;
  hook: NfHook | null;
  policy: Policy | null;
  counters: Counters;
  rules: Rule[];
  readonly #scope: SourceScope;
  /**
   * The holders of the lines recorded since the declaration (each with its text); null: not built that way. An
   * array of three or more is the chain's own (record() pushes to it); shorter ones are replaced, never changed
   * (and may be shared: RecordMaker.recordAfter()).
   */
  #rec: readonly Recorded[] | null = null;
  /** A finished record (a kept chain's, handed on to its copy), or the one made from #rec. */
  #source: ChainSource | undefined = undefined;

  constructor(name: string, hook: NfHook | null, policy: Policy | null, counters: Counters, rules: Rule[], scope: SourceScope) {
    this.name = name;
    this.hook = hook;
    this.policy = policy;
    this.counters = counters;
    this.rules = rules;
    this.#scope = scope;
  }

  /** Whether the block of `scope` made or copied this chain (and so may change it in place). */
  ownedBy(scope: SourceScope): boolean {
    return this.#scope === scope;
  }

  /**
   * While recording: the hooks that every recorded line's rule allows (hook-mask.ts allowedHooks(), ANDed; 31,
   * every hook, before the first), told by the caller of record().
   */
  #hooks = 31;

  /**
   * The chain's number in the last whole-table commit check that numbered it (compact-jump-check.ts), so that
   * check reads a jump's number from the chain the table's own map gives, with no index of its own. Told true
   * only by that check's own arrays (a chain shared by several tables is numbered by each check in turn).
   */
  #checkNumber = -1;

  get checkNumber(): number {
    return this.#checkNumber;
  }

  set checkNumber(v: number) {
    this.#checkNumber = v;
  }

  /** Starts recording: the chain was just declared (emptied) or created. */
  startRecord(): void {
    this.#rec = NO_LINES;
    this.#source = undefined;
    this.#hooks = 31;
  }

  /**
   * The hooks all its rules allow (allowedHooks() of each, ANDed), when its record tells (it is recording: its
   * rules are exactly its recorded lines' rules, line i rule i); else -1 (the commit check asks each rule).
   */
  get recordedHooks(): number {
    return this.#rec === null ? -1 : this.#hooks;
  }

  /** Whether lines are being recorded. */
  get recording(): boolean {
    return this.#rec !== null;
  }

  /**
   * Records one `-A` line, `holder.text` its text, or what makes its holder (while recording); `hooks` is
   * allowedHooks() of the one rule it appended.
   */
  record(holder: LineHolder | RecordMaker, hooks: number): void {
    const rec = this.#rec;
    if (rec === null) return;
    this.#hooks &= hooks;
    // Most chains get one to three lines: a first push would give the array room for 17. A record of one or two
    // lines is never changed (a third line makes a new array), so a maker's may be shared (recordAfter()).
    if (rec.length === 0) this.#rec = isMaker(holder) && holder.recordAfter !== undefined ? holder.recordAfter(null) : [holder];
    else if (rec.length === 1) {
      const first = rec[0];
      this.#rec = isMaker(holder) && holder.recordAfter !== undefined && isMaker(first) ? holder.recordAfter(first) : [first, holder];
    } else if (rec.length < EXACT_ARRAY_MAX) this.#rec = grown(rec, holder);
    else (rec as Recorded[]).push(holder);
  }

  /** The chain was changed some other way: it has no record. */
  stopRecord(): void {
    this.#rec = null;
    this.#source = undefined;
  }

  /** Takes `s` as the finished record. */
  setSource(s: ChainSource): void {
    this.#rec = null;
    this.#source = s;
  }

  /** The record, made from the recorded lines on first read (only read once the chain is committed). */
  source(): ChainSource | undefined {
    if (this.#source === undefined && this.#rec !== null && this.hook === null) this.#source = new RecordedSource(this.#scope, this.#rec, this.name, this.rules);
    return this.#source;
  }
}

/** How many lines `src` has (`src.words.length`, without making recorded lines' holders). */
export function sourceCount(src: ChainSource): number {
  return src instanceof RecordedSource ? src.count : src.words.length;
}

/** Whether line `i` of `src` is `line` (`src.lines[i] === line`, without making the lines when they are recorded ones). */
export function sourceLineIs(src: ChainSource, i: number, line: string): boolean {
  return src instanceof RecordedSource ? src.lineIs(i, line) : src.lines[i] === line;
}

const sources = new WeakMap<Chain, ChainSource>();

export function chainSource(c: Chain): ChainSource | undefined {
  return c instanceof BlockChain ? c.source() : sources.get(c);
}

export function setChainSource(c: Chain, s: ChainSource): void {
  if (c instanceof BlockChain) c.setSource(s);
  else sources.set(c, s);
}
