// Linux iptables: the line loop of xtables_restore_parse() in iptables/xtables-restore.c (the nft backend's
// iptables-restore): `#` comments, `*table`, `:CHAIN POLICY [p:b]`, command lines handed
// to do_command, `COMMIT`. Bad input comes back as a list of errors (`line N: ...`), never as an exception.

import type { Chain, Counters, Policy, Rule, Ruleset, TableName } from './ruleset.js';
import { BUILTIN_CHAINS, RULE_ZERO, emptyRuleset, isTableName, ruleSharing } from './ruleset.js';
import { ownCopy, splitWords } from './tokenize.js';
import type { Word } from './tokenize.js';
import { CHAIN_CLASH, checkChainName, isStandardVerdict, isTargetName, newParseTrace, parseCommandWords, type CommandAt, type ParseTrace, type RuleCommand } from './rule-parse.js';
import { makeTemplate, shapeKey } from './rule-shape.js';
import type { CachedCommand, RuleParseCache } from './rule-parse-cache.js';
import { RebasedCommand, entryChain, hasLazyText, instantiate, instantiateEntry, instantiateRule, isRebaseHit, rebasedRule } from './rule-parse-cache.js';
import type { ChainSource, RecordMaker } from './restore-chain-source.js';
import { chainSource, sourceCount, sourceLineIs } from './restore-chain-source.js';
import { chainBlock, matchBlockLines } from './restore-chain-block.js';
import { isCommitted } from './committed-table.js';
import { ChainNameRecall } from './restore-name-recall.js';

export type RestoreLine =
  /** A `#` comment or a blank line, kept for printing the script back. */
  | { kind: 'comment'; line: number; text: string }
  | { kind: 'table'; line: number; table: TableName }
  | { kind: 'chain'; line: number; chain: string; policy: Policy | null; counters: Counters | null; raw: string }
  /**
   * `text`: the line as written, when its parse is one the rule cache may share (restore-chain-source.ts).
   * `announced`: for a `-D` by rule spec, the target names a chain line had announced by then (chainClash()).
   */
  | { kind: 'command'; line: number; command: RuleCommand; words: readonly string[]; at: CommandAt; text?: string; announced?: ReadonlySet<string> }
  /**
   * Only from parseRestore(..., keepChains): the user chain `chain` (a kept one, `from`) was declared at `line`
   * (`raw`) and then given exactly the `-A` lines it was built from, nothing else naming it: it stays as it is.
   */
  | { kind: 'keep'; line: number; chain: string; from: Chain; raw: string }
  | { kind: 'commit'; line: number };

/** An iptables-restore input, parsed. */
export interface RestoreScript {
  lines: RestoreLine[];
}

export interface RestoreError {
  /** The line at fault (for a jump to a missing chain, the rule's). */
  line: number;
  column?: number;
  message: string;
  /**
   * The line iptables-restore names when it is not `line`: a jump to a chain that does not exist at that point
   * is found as iptables-nft builds the table's batch at COMMIT, so the COMMIT line (iptables 1.8.9: `-A INPUT
   * -j NOPE`, `-A INPUT -j ACCEPT`, `COMMIT` is "Chain 'NOPE' does not exist", "Error occurred at line: 4", also
   * when a line after the jump declares NOPE or is a rule the kernel would refuse).
   */
  kernelLine?: number;
}

export interface RestoreOptions {
  /** `--noflush`: a declared chain is flushed, other chains are kept; otherwise each table is replaced. */
  noflush?: boolean;
  /** `--counters`: take the `[p:b]` of chain lines and `-c` of rules. */
  counters?: boolean;
  /** Accept kube-proxy FakeIPTables text, where `--comment` values with spaces are not quoted. */
  lenientComments?: boolean;
  /** The ipsets that exist (`ipset save`); when given, `--match-set` of any other set is refused. */
  sets?: ReadonlySet<string>;
  /** Parses of rule lines to reuse and to add to (not used when `sets` is given). */
  cache?: RuleParseCache;
}

/**
 * What takes a script's lines as they are read (restore-apply.ts RestoreApplier): parseRestore() given one hands
 * each line to it instead of keeping it, and stops at the first error or once the sink has `failed`.
 */
export interface LineSink {
  line(l: RestoreLine): void;
  /**
   * Line `line`, `-A chain ...` answered from the rule cache's REST / MID template `maker`, appends the one rule
   * `rule` (as a line of kind 'command' whose record is `maker`, for the chain's record).
   */
  appendRule(line: number, chain: string, rule: Rule, maker: RecordMaker): void;
  /**
   * Line `line`, `-A chain ...` answered from the rule cache's entry `entry` (not a rebased one), appends the one
   * rule `rule`: a CachedLine of that entry, never made.
   */
  appendEntry(line: number, chain: string, rule: Rule, entry: CachedCommand): void;
  /**
   * Line `line`, `:chain - [0:0]` (or any declaration of a user chain), declares a chain no chain of that name
   * existed before, as the parse sees it (the apply checks it): a line of kind 'chain' of a user chain, never made.
   */
  newChain(line: number, chain: string): void;
  readonly failed: boolean;
}

/** `line N: message`, with the column when known: `line N:C: message`. */
export function formatRestoreError(e: RestoreError): string {
  return e.column ? `line ${e.line}:${e.column}: ${e.message}` : `line ${e.line}: ${e.message}`;
}

const COUNTERS = /^\[([0-9]+):([0-9]+)\]$/;

/**
 * Parses iptables-restore text. Whether `-j NAME` names a chain depends on the chains that exist at that
 * point, so `base` (the current ruleset, kept under --noflush) is consulted.
 */
export function parseRestore(
  text: string,
  base: Ruleset = emptyRuleset(),
  opts: RestoreOptions = {},
  keepChains = false,
  sink?: LineSink,
): { script: RestoreScript; errors: RestoreError[] } {
  const lines: RestoreLine[] = [];
  // With a sink, each line goes to it as it is read; a comment is kept by no one.
  const emit = sink === undefined ? (l: RestoreLine): void => void lines.push(l) : (l: RestoreLine): void => sink.line(l);
  const errors: RestoreError[] = [];
  const hasFinalNewline = text.endsWith('\n');
  let table: TableName | null = null;
  // The chains that exist at this point: those the block declared or created, else the kept ones (--noflush),
  // looked up in the table itself rather than copied (a table may hold tens of thousands).
  // By name, the name as this restore keeps it (a copy that keeps no text alive; a kept chain's own name).
  let chains = new Map<string, string>();
  let removed = new Set<string>();
  // Under --noflush a later block of the same table starts from the chains the earlier one left (iptables 1.8.9:
  // `*filter -N X COMMIT *filter -A D -j X COMMIT` is accepted); without it, each block starts from an empty table.
  const blocksBefore = new Map<TableName, { chains: Map<string, string>; removed: Set<string> }>();
  let kept: ReadonlyMap<string, Chain> | undefined;
  // The kept table was committed: each kept chain's jumps name chains of it (committed-table.ts).
  let keptValid = false;
  const chainExists = (c: string): boolean => chains.has(c) || (kept !== undefined && !removed.has(c) && kept.has(c));
  const lookupChain = (c: string): string | undefined => {
    const own = chains.get(c);
    if (own !== undefined || kept === undefined || removed.has(c)) return own;
    const k = kept.get(c);
    return k === undefined ? undefined : k.name === c ? k.name : c;
  };
  // The last two names asked and what they gave (a rule line asks its jump, then its chain, and kube-proxy
  // writes each chain's lines in a run), forgotten whenever the chains that exist change (forgetNames()); other
  // names that exist are recalled from the order of the declarations and the names asked lately
  // (restore-name-recall.ts), which forget only when a chain is deleted or the table changes (forgetChains()).
  let nameA: string | null = null;
  let namedA: string | undefined;
  let nameB: string | null = null;
  let namedB: string | undefined;
  const recall = new ChainNameRecall(lookupChain);
  const forgetNames = (): void => {
    nameA = nameB = null;
  };
  const forgetChains = (): void => {
    forgetNames();
    recall.forget();
  };
  const chainNamed = (c: string): string | undefined => {
    if (c === nameA) return namedA;
    const v = c === nameB ? namedB : recall.ask(c);
    nameB = nameA;
    namedB = namedA;
    nameA = c;
    namedA = v;
    return v;
  };
  // keepChains: kept user chains declared again whose `-A` lines so far are the first lines they were built from
  // (restore-chain-source.ts). Their lines are held back; anything else naming the chain gives them back first.
  const trackers = new Map<string, Tracker>();
  const giveBack = (t: Tracker): void => {
    trackers.delete(t.from.name);
    emit({ kind: 'chain', line: t.line, chain: t.from.name, policy: null, counters: t.counters, raw: t.raw });
    let i = 0;
    for (let r = 0; r < t.runs.length; r += 2) {
      for (let k = 0; k < t.runs[r + 1]; k++, i++) {
        const rule = ruleSharing(t.from.rules[i], RULE_ZERO);
        const command: RuleCommand = { op: 'append', chain: t.from.name, rules: [rule] };
        emit({ kind: 'command', line: t.runs[r] + k, command, words: t.src.words[i].words, at: t.src.at[i], text: t.src.lines[i] });
      }
    }
  };
  const giveBackAll = (): void => {
    for (const t of [...trackers.values()]) giveBack(t);
  };
  /** A command that names a held-back chain (or every chain, with no name) gives its lines back first. */
  const releaseFor = (chain: string | null): void => {
    if (trackers.size === 0) return;
    if (chain === null) giveBackAll();
    else {
      const t = trackers.get(chain);
      if (t !== undefined) giveBack(t);
    }
  };
  /** Whether the kept chain's line `i` may be held back: its `-j` / `-g` chain exists now. */
  const targetOk = (t: Tracker, i: number): boolean => {
    const target = t.from.rules[i].target;
    // A kept chain's targets are mostly kept chains: looked up there first.
    const jumps = target.kind === 'jump' || target.kind === 'goto' ? target.chain : null;
    return jumps === null || (removed.size === 0 && kept !== undefined && kept.has(jumps)) || chainExists(jumps);
  };
  /** Line `lineNo` (`line`), answered from the rule cache whichever way: its record (a line's own `-c P B` is taken only with --counters). */
  const pushCached = (lineNo: number, entry: CachedCommand, line: string): void => {
    if (sink !== undefined && !hasLazyText(entry)) {
      // One pass: the entry's one rule goes to the sink with the entry, no line record made.
      const rule = instantiateRule(entry, !opts.counters);
      if (rule !== null) {
        const chain = entryChain(entry)!;
        releaseFor(chain);
        sink.appendEntry(lineNo, chain, rule, entry);
        return;
      }
    }
    const l = CachedLine.of(lineNo, entry, line, !opts.counters);
    releaseFor(l.chain);
    emit(l);
  };
  // The input is read line by line where each line starts (no split of the whole text: a kept chain's run of
  // unchanged lines is compared as one block and skipped). `n` counts the lines as text.split('\n') would, less
  // the empty piece after a final newline.
  let n = 0;
  let pos = 0;
  // The block's jumps to missing chains, named at its COMMIT (RestoreError.kernelLine).
  let atCommit: RestoreError[] | null = null;
  // Target names a chain line declared (chainClash()): for the rest of the restore, in every table, `-j NAME`
  // jumps. Lines read after the first are parsed afresh, not from the rule cache, whose parses took NAME as the
  // target, nor held back as a kept chain's lines.
  let announced: Set<string> | undefined;
  while (pos <= text.length) {
    // A sink stops the read at the first error, or once it has failed: its caller reads the script anew.
    if (sink !== undefined && (errors.length > 0 || sink.failed)) return { script: { lines }, errors };
    const nl = text.indexOf('\n', pos);
    if (nl < 0 && hasFinalNewline) break;
    const end = nl < 0 ? text.length : nl;
    const lineNo = ++n;
    const line = text.slice(pos, end);
    const lineStart = pos;
    pos = end + 1;
    // xtables_restore_parse_line() looks at the first character only: an empty line or a `#` in column 1 is
    // skipped, `*` opens a table, `:` declares a chain, `COMMIT` alone commits; inside a table anything else is
    // a command (a blank or indented line too), outside one it is "line N failed".
    if (line === '' || line.startsWith('#')) {
      if (sink === undefined) emit({ kind: 'comment', line: lineNo, text: line });
      continue;
    }
    if (line === 'COMMIT' && table !== null) {
      for (const t of [...trackers.values()]) {
        if (t.count < sourceCount(t.src)) giveBack(t);
        else emit({ kind: 'keep', line: t.line, chain: t.from.name, from: t.from, raw: t.raw });
      }
      trackers.clear();
      if (atCommit !== null) {
        for (const e of atCommit) e.kernelLine = lineNo;
        atCommit = null;
      }
      emit({ kind: 'commit', line: lineNo });
      if (opts.noflush) blocksBefore.set(table, { chains, removed });
      table = null;
      continue;
    }
    if (line.startsWith('*') && table === null) {
      const name = line.slice(1).trimEnd();
      if (!isTableName(name)) {
        errors.push({ line: lineNo, column: 2, message: `table name '${name}' invalid` });
        continue;
      }
      table = name;
      const before = blocksBefore.get(name);
      chains = new Map<string, string>(before?.chains);
      for (const b of BUILTIN_CHAINS[name]) chains.set(b, b);
      removed = new Set<string>(before?.removed);
      forgetChains();
      const keptTable = opts.noflush ? base.tables.get(name) : undefined;
      kept = keptTable?.chains;
      keptValid = keptTable !== undefined && isCommitted(keptTable);
      emit({ kind: 'table', line: lineNo, table: name });
      continue;
    }
    if (table === null) {
      const col = line.search(/\S/) + 1 || 1;
      const what = line.trim() === '' ? 'a blank line' : `"${firstWord(line)}"`;
      const binary = /[\u0000-\u0008\u000e-\u001f\ufffd\ufeff]/.test(line) ? ' (the file does not look like text: is it iptables-save output?)' : '';
      errors.push({ line: lineNo, column: col, message: `line failed: ${what} outside a table (expected *filter, *nat, *mangle, *raw or *security, a # comment, or an empty line)${binary}` });
      continue;
    }
    if (line.startsWith(':')) {
      // `:NAME - [0:0]` (how kube-proxy declares every chain) is read without a parse object.
      const plain = plainChainName(line);
      const parsed = plain === undefined ? parseChainLine(line, table) : null;
      if (parsed !== null && 'message' in parsed) {
        errors.push({ line: lineNo, column: parsed.column, message: parsed.message });
        continue;
      }
      const name = ownCopy(parsed === null ? plain! : parsed.chain);
      const clash = chainClash(name);
      if (clash === 'refused') {
        errors.push({ line: lineNo, column: 2, message: CHAIN_CLASH });
        continue;
      }
      if (clash === 'announced' && announced?.has(name) !== true) {
        (announced ??= new Set()).add(name);
        giveBackAll();
      }
      const tracked = trackers.size === 0 ? undefined : trackers.get(name);
      if (tracked !== undefined) giveBack(tracked);
      // Set, then told by the size whether it was new (one lookup of the name rather than two).
      const had = chains.size;
      chains.set(name, name);
      const grew = chains.size !== had;
      const src = keepChains && grew && announced === undefined ? keptSource(kept, removed, name, table, opts) : undefined;
      if (removed.size > 0) removed.delete(name);
      if (grew) recall.declared(name);
      forgetNames();
      if (src !== undefined) {
        trackers.set(name, { from: src.chain, src: src.source, line: lineNo, raw: line, counters: zeroOr(parsed), runs: [], count: 0 });
        continue;
      }
      // A new chain is a user chain (the built-in ones are in `chains` from the block's start): no policy, and
      // its counters are not taken (restore-apply.ts).
      if (sink !== undefined && grew && !(kept !== undefined && !removed.has(name) && kept.has(name))) {
        sink.newChain(lineNo, name);
        continue;
      }
      emit({ kind: 'chain', line: lineNo, chain: name, policy: parsed === null ? null : parsed.policy, counters: zeroOr(parsed), raw: line });
      continue;
    }
    const hasNewline = nl >= 0;
    if (trackers.size > 0 && line.startsWith('-A ')) {
      const sp = line.indexOf(' ', 3);
      const t = trackers.get(sp < 0 ? line.slice(3) : line.slice(3, sp));
      if (t !== undefined) {
        const i = t.count;
        // The source's count from its words (its lines are made only if needed: see sourceLineIs()).
        const count = sourceCount(t.src);
        if (i < count && hasNewline && sourceLineIs(t.src, i, line) && targetOk(t, i)) {
          // The lines after it that are the chain's next source lines, checked as one run.
          const block = i + 1 < count ? chainBlock(t.src, t.from.name) : null;
          let more = block === null ? 0 : matchBlockLines(block, i + 1, text, pos);
          if (more > 0 && !(keptValid && removed.size === 0)) {
            let ok = 0;
            while (ok < more && targetOk(t, i + 1 + ok)) ok++;
            more = ok;
          }
          holdBack(t, lineNo, 1 + more);
          if (more > 0) {
            n += more;
            pos = lineStart + (block!.starts[i + 1 + more] - block!.starts[i]);
          }
          continue;
        }
        giveBack(t);
      }
    }
    // An unterminated quote takes the newline into its word: only lines that end with one are cached.
    const cache = opts.cache !== undefined && opts.sets === undefined && hasNewline && announced === undefined ? opts.cache : undefined;
    const lenient = opts.lenientComments === true;
    if (sink !== undefined && cache !== undefined) {
      // One pass: a line of a REST / MID template that makes one rule goes to the sink as that rule, and the
      // template as what its chain's record holds for it (restore-chain-source.ts RecordMaker): no entry, no record.
      const found = cache.find(table, lenient, line, chainNamed);
      if (found !== undefined) {
        if (isRebaseHit(found)) {
          const chain = found.chain;
          const rule = rebasedRule(found, !opts.counters);
          releaseFor(chain);
          sink.appendRule(lineNo, chain, rule, found.template);
        } else pushCached(lineNo, found, line);
        continue;
      }
    } else {
      const hit = cache?.lookup(table, lenient, line, chainNamed);
      if (hit !== undefined) {
        pushCached(lineNo, hit, line);
        continue;
      }
    }
    // A plainly written line of a shape seen before, read in one scan of its characters (rule-shape.ts).
    const scanned = cache !== undefined && !lenient ? cache.lookupScanned(table, lenient, line, chainNamed) : undefined;
    if (scanned !== undefined) {
      pushCached(lineNo, scanned, line);
      continue;
    }
    const words = splitWords(line, hasNewline);
    let counters: Counters | null = null;
    if (words.length && COUNTERS.test(words[0].text)) {
      const m = COUNTERS.exec(words[0].text)!;
      counters = { packets: parseInt(m[1], 10), bytes: parseInt(m[2], 10) };
      words.shift();
    }
    // A line of a shape with value holes (rule-shape.ts): from the shape's template, or parsed with a trace to make one.
    const shape = cache !== undefined && counters === null && !lenient ? shapeKey(words, line) : undefined;
    let trace: ParseTrace | undefined;
    if (shape !== undefined) {
      const got = cache!.lookupShape(table, lenient, shape.key, words, line, chainNamed);
      if (got !== undefined && got !== 'template') {
        pushCached(lineNo, got, line);
        continue;
      }
      if (got === 'template') trace = newParseTrace();
    }
    const t = table;
    const parsed = parseCommandWords(words, { table: t, chainExists, announced, lenientComments: opts.lenientComments, sets: opts.sets, trace });
    if ('message' in parsed) {
      const e: RestoreError = { line: lineNo, column: parsed.col ?? (line.search(/\S/) + 1 || 1), message: parsed.message };
      errors.push(e);
      if (parsed.atCommit === true) (atCommit ??= []).push(e);
      continue;
    }
    const { at, ...cmd } = parsed;
    releaseFor(cmd.chain);
    if (cmd.op === 'new-chain') {
      chains.set(cmd.chain, cmd.chain);
      removed.delete(cmd.chain);
      forgetNames();
    }
    if (cmd.op === 'delete-chain' && cmd.chain) {
      chains.delete(cmd.chain);
      removed.add(cmd.chain);
      forgetChains();
    }
    const rawWords = words.map((w) => w.raw);
    let shared = false;
    let stored: CachedCommand | undefined;
    if ('rules' in cmd && cmd.rules) {
      setRuleSources(cmd.rules, words, at);
      // A `[p:b]` prefix sets the counters from outside the parse: such lines are not cached.
      if (cache !== undefined && counters === null) {
        const target = cmd.rules[0]?.target;
        const jumpsTo = target !== undefined && (target.kind === 'jump' || target.kind === 'goto') ? target.chain : null;
        stored = { command: instantiate(cmd as RuleCommand), at, words: rawWords, jumpsTo, text: line };
        shared = cache.store(table, lenient, line, stored);
        if (trace !== undefined && shape !== undefined) {
          cache.storeShape(table, lenient, shape.key, shared ? (makeTemplate(words, shape.holes, trace, (stored.command as { rules: Rule[] }).rules, at) ?? null) : null);
        }
      }
      for (const r of cmd.rules) {
        if (!opts.counters) r.counters = RULE_ZERO;
        else if (counters) r.counters = { ...counters };
      }
    }
    const parsedLine: RestoreLine = { kind: 'command', line: lineNo, command: cmd as RuleCommand, words: rawWords, at };
    // A later chain line may announce more: the names as they are at this line (a two-pass apply reads it after).
    if (announced !== undefined && cmd.op === 'delete' && cmd.rules !== null) parsedLine.announced = new Set(announced);
    // The cache's own copy of the line: a slice of `text` would keep this restore's whole input alive.
    if (shared) parsedLine.text = stored?.text ?? line;
    emit(parsedLine);
  }
  giveBackAll();
  if (table !== null) {
    // No COMMIT, no batch built: the missing COMMIT is what iptables-restore reports.
    if (atCommit !== null) for (const e of atCommit) e.kernelLine = n + 2;
    errors.push({ line: n + 1, column: 1, message: `COMMIT expected at line ${n + 1}` });
  }
  return { script: { lines }, errors };
}

/**
 * What a chain line `:NAME` is to the targets: xtables_restore_parse() announces every chain it declares
 * (xtables_announce_chain()), after which xtables_find_target() loads no target of that name, so `-j NAME` jumps
 * to the chain; only the standard verdicts are still found, and their names are refused as a chain's. iptables
 * 1.8.9 (nf_tables), measured: nat `:MASQUERADE - [0:0]`, `-A MASQUERADE -j ACCEPT`, `-A OUTPUT -j MASQUERADE`
 * commits a jump (the MASQUERADE target would be refused in OUTPUT); `-A POSTROUTING -j MASQUERADE` before the
 * `:MASQUERADE` line is the target, the same line after it a jump (nft: `masquerade`, then `jump MASQUERADE`);
 * `:MASQUERADE` then `-X MASQUERADE`, or a `:MASQUERADE` in an earlier filter block, then `-j MASQUERADE` is
 * "Chain 'MASQUERADE' does not exist"; a chain the kernel has (--noflush) announces nothing, nor does `-N` (which
 * a target name refuses unless announced); `:ACCEPT` is "chain name may not clash with target name".
 */
function chainClash(name: string): 'refused' | 'announced' | null {
  if (isStandardVerdict(name)) return 'refused';
  return isTargetName(name) ? 'announced' : null;
}

/**
 * A command line answered from the rule cache: its words are read from the cache's entry when asked for (a
 * rebased entry makes them then), not copied into every line.
 */
export class CachedLine {
  readonly kind = 'command';
  /** The chain the command names. */
  readonly chain: string | null;
  /**
   * The line's one rule, when it appends one (most lines): the command is then made only if read, and the apply
   * appends the rule itself (restore-apply.ts); else null.
   */
  readonly rule: Rule | null;
  #command: RuleCommand | null;
  /** The line's text, or null: the entry's (a rebased entry makes it when first read). */
  readonly #text: string | null;

  constructor(
    readonly line: number,
    command: RuleCommand | null,
    /** The cache's entry, whose words and columns are the line's. */
    readonly entry: CachedCommand,
    text: string | null,
    rule: Rule | null = null,
  ) {
    this.#command = command;
    this.#text = text;
    this.rule = command === null ? rule : null;
    this.chain = command === null ? entryChain(entry) : command.chain;
  }

  /**
   * The line `text` (line `line`) answered by `entry`, with its own rules (counters zero when `zero`, else the
   * parse's). A rebased entry (made for this line) is bound to it and is the line's record itself.
   */
  static of(line: number, entry: CachedCommand, text: string, zero: boolean): CachedLine | RebasedCommand {
    if (entry instanceof RebasedCommand && entry.line === 0) return entry.bind(line, zero);
    const rule = instantiateRule(entry, zero);
    // The entry's text, which keeps no restore's input alive (made only if read for a rebased entry).
    const own = hasLazyText(entry) ? null : entry.text ?? text;
    return rule !== null ? new CachedLine(line, null, entry, own, rule) : new CachedLine(line, instantiateEntry(entry, zero), entry, own);
  }

  /** The line as written (the rule cache's copy of it). */
  get text(): string {
    return this.#text ?? this.entry.text!;
  }

  get command(): RuleCommand {
    if (this.#command === null) this.#command = { op: 'append', chain: this.chain!, rules: [this.rule!] };
    return this.#command;
  }

  get words(): readonly string[] {
    return this.entry.words;
  }

  get at(): CommandAt {
    return this.entry.at;
  }
}

/** Whether `l` is a line answered from the rule cache (a CachedLine, or a rebased entry bound to its line). */
export function isCachedLine(l: RestoreLine): l is Extract<RestoreLine, { kind: 'command' }> & (CachedLine | RebasedCommand) {
  return l instanceof CachedLine || l instanceof RebasedCommand;
}

/** A declared chain whose `-A` lines are being held back (parseRestore's keepChains). */
interface Tracker {
  from: Chain;
  src: ChainSource;
  /** The `:CHAIN` line. */
  line: number;
  raw: string;
  counters: Counters | null;
  /** The lines held back, as runs of consecutive line numbers: [first, count, first, count, ...]; the i-th held is src.lines[i]. */
  runs: number[];
  /** How many are held back. */
  count: number;
}

function holdBack(t: Tracker, lineNo: number, k: number): void {
  const r = t.runs.length;
  if (r > 0 && t.runs[r - 2] + t.runs[r - 1] === lineNo) t.runs[r - 1] += k;
  else t.runs.push(lineNo, k);
  t.count += k;
}

/** The kept user chain `name` and what it was built from, when a restore with these options may keep it. */
function keptSource(
  kept: ReadonlyMap<string, unknown> | undefined,
  removed: ReadonlySet<string>,
  name: string,
  table: TableName,
  opts: RestoreOptions,
): { chain: Chain; source: ChainSource } | undefined {
  if (kept === undefined || removed.has(name) || opts.sets !== undefined) return undefined;
  const chain = kept.get(name) as Chain | undefined;
  if (chain === undefined || chain.hook !== null) return undefined;
  const source = chainSource(chain);
  if (source === undefined || source.table !== table) return undefined;
  if (source.lenient !== (opts.lenientComments === true) || source.counters !== (opts.counters === true)) return undefined;
  return { chain, source };
}

/** The line's first word for a message: at most 40 characters, control and non-ASCII bytes escaped (a binary file). */
function firstWord(line: string): string {
  const w = line.trim().split(/\s+/)[0];
  const cut = w.length > 40 ? `${w.slice(0, 40)}...` : w;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\uffff]/g, (c) => (c.charCodeAt(0) < 0x100 ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * The words of each rule an address list expanded into (`-s A,B -d C,D`: A C, A D, B C, B D, as
 * xtables_ipparse_multiple() and the nested loop of do_command4() make them), with its own address in place of
 * the list, as written: each is the rule iptables-save would print, and a fan of n x m rules keeps n x m short
 * texts instead of n x m copies of the whole line.
 */
export function setRuleSources(rules: readonly Rule[], words: readonly Word[], at: CommandAt): void {
  const raw = words.map((w) => w.raw);
  if (rules.length === 1) {
    rules[0].source = sourceWords(raw);
    return;
  }
  const own = expandedSources(words, raw, at);
  for (const [i, r] of rules.entries()) r.source = own(i);
}

function expandedSources(words: readonly Word[], raw: readonly string[], at: CommandAt): (i: number) => string[] {
  const at0 = (col: number | undefined): number => (col === undefined ? -1 : words.findIndex((w) => w.col === col));
  const si = at0(at.src);
  const di = at0(at.dst);
  const srcItems = si < 0 ? [''] : words[si].text.split(',');
  const dstItems = di < 0 ? [''] : words[di].text.split(',');
  return (i) => {
    const own = [...raw];
    if (si >= 0) own[si] = srcItems[Math.floor(i / dstItems.length)];
    if (di >= 0) own[di] = dstItems[i % dstItems.length];
    return sourceWords(own);
  };
}

/** The words of a rule without its `-A CHAIN` / `-I CHAIN [n]` command. */
function sourceWords(raw: readonly string[]): string[] {
  const i = raw.findIndex((w) => /^(-[AIDR]|--append|--insert|--delete|--replace)$/.test(w));
  if (i < 0) return [...raw];
  let end = i + 2;
  if (/^(-[IDR]|--insert|--delete|--replace)$/.test(raw[i]) && end < raw.length && /^[0-9]+$/.test(raw[end])) end++;
  return [...raw.slice(0, i), ...raw.slice(end)];
}

/**
 * parseChainLine() of `:NAME - [0:0]` (how kube-proxy declares every chain), NAME a valid name without blanks:
 * the same result without splitting the line; undefined for any other line.
 */
export function plainChainLine(line: string): { chain: string; policy: null; counters: Counters } | undefined {
  const chain = plainChainName(line);
  // A built-in chain's `-` keeps its policy, as a user chain has none.
  return chain === undefined ? undefined : { chain, policy: null, counters: { packets: 0, bytes: 0 } };
}

/** The counters of a chain line: `[0:0]` when it was read plainly (plainChainName(): none made for a new chain's). */
function zeroOr(parsed: { counters: Counters | null } | null): Counters | null {
  return parsed === null ? { packets: 0, bytes: 0 } : parsed.counters;
}

/** The NAME of plainChainLine()'s `:NAME - [0:0]` (a slice of `line`); undefined for any other line. */
export function plainChainName(line: string): string | undefined {
  const end = line.length - 8;
  if (end < 2 || !line.endsWith(' - [0:0]')) return undefined;
  for (let i = 1; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) return undefined;
  }
  const chain = line.slice(1, end);
  return checkChainName(chain) === undefined ? chain : undefined;
}

/** `:CHAIN POLICY [p:b]`; the counters are optional and ignored when malformed, as the real tool does. */
export function parseChainLine(line: string, table: TableName): { chain: string; policy: Policy | null; counters: Counters | null } | { message: string; column: number } {
  const parts = splitBlanks(line, 1);
  const chain = parts[0];
  const nameErr = checkChainName(chain);
  if (nameErr) return { message: nameErr, column: 2 };
  const policyWord = parts[1];
  const policyCol = line.indexOf(policyWord ?? '', 1 + chain.length) + 1;
  if (policyWord === undefined || policyWord === '') return { message: 'parse error: no policy in chain line', column: line.length + 1 };
  let policy: Policy | null = null;
  if (policyWord === 'ACCEPT' || policyWord === 'DROP') policy = policyWord;
  else if (policyWord !== '-') return { message: 'Bad policy name.', column: policyCol };
  const builtin = (BUILTIN_CHAINS[table] as readonly string[]).includes(chain);
  // kube-proxy declares every chain with `[0:0]`.
  const m = parts[2] === '[0:0]' || !parts[2] ? null : COUNTERS.exec(parts[2]);
  const counters = parts[2] === '[0:0]' ? { packets: 0, bytes: 0 } : m ? { packets: parseInt(m[1], 10), bytes: parseInt(m[2], 10) } : null;
  return { chain, policy: builtin ? policy : null, counters };
}

/** `line.slice(from).split(/[ \t]+/)`, without the regular expression. */
export function splitBlanks(line: string, from: number): string[] {
  const out: string[] = [];
  let start = from;
  for (let i = from; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) continue;
    out.push(line.slice(start, i));
    while (i + 1 < line.length && (line.charCodeAt(i + 1) === 32 || line.charCodeAt(i + 1) === 9)) i++;
    start = i + 1;
  }
  out.push(line.slice(start));
  return out;
}

/** The script as text: each line as it was written (commands re-joined word by word). */
export function printRestore(script: RestoreScript): string {
  const out: string[] = [];
  for (const l of script.lines) {
    if (l.kind === 'comment') out.push(l.text);
    else if (l.kind === 'table') out.push(`*${l.table}`);
    else if (l.kind === 'chain') out.push(l.raw);
    else if (l.kind === 'command') out.push(l.words.join(' '));
    else if (l.kind === 'keep') {
      out.push(l.raw);
      const src = chainSource(l.from);
      if (src !== undefined) for (const w of src.words) out.push(w.words.join(' '));
    }
    else out.push('COMMIT');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
