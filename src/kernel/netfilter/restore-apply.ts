// Applying a parsed iptables-restore script: each table block is one transaction, committed at COMMIT. Without
// --noflush the block replaces the table; with it, a declared chain (`:NAME`) is created or flushed and other
// chains are kept (xtables_restore_parse(): nft_cmd_chain_user_flush / table flush). As with the real tool, the
// first failing table stops the restore: tables committed before it stay.
//
// Copy on write, chain by chain: the new table shares every chain the block does not change with the table it
// came from (and so with the ruleset passed in, whose structure is never modified); a chain is copied the first
// time a command changes it. The rules of shared chains are the same objects, counters included: a caller that
// keeps the old ruleset beside the new one and counts packets in either must cloneRuleset() it first. A --noflush commit is then checked by what it changed (jump-graph.ts) when that can
// prove it valid, else by the whole-table validation.

import type { Chain, Rule, Ruleset, Table, TableName } from './ruleset.js';
import { BUILTIN_CHAINS, emptyRuleset, emptyTable, userChain } from './ruleset.js';
import type { JumpGraph } from './jump-graph.js';
import { buildJumpGraph, surelyValid } from './jump-graph.js';
import type { RestoreError, RestoreOptions, RestoreScript } from './restore-parse.js';
import { CachedLine, parseRestore } from './restore-parse.js';
import type { CommandAt, RuleCommand } from './rule-parse.js';
import { ruleSpecText } from './rule-print.js';
import { danglingJumps, validateTable } from './table-validate.js';
import type { LineWords } from './restore-chain-source.js';
import { chainSource, setChainSource } from './restore-chain-source.js';
import { markCommitted } from './committed-table.js';
import { OverlayMap } from './overlay-map.js';
import { ChainRenames } from './restore-rename.js';
import { replaceRule } from './restore-replace.js';
import { zeroedPolicy } from './restore-zero.js';

/**
 * The jump graph of tables that --noflush commits were made on, computed the first time one is, then handed on
 * from each table to the table its commit made (a pure function of the table, which is never changed in place).
 */
const jumpGraphs = new WeakMap<Table, JumpGraph>();

/** Chain maps smaller than this are copied rather than overlaid. */
const SMALL_TABLE = 256;

/** The rules a block wrote, with their line and the command's word columns; looked up by rule only when needed. */
class Written {
  readonly #rules: Rule[] = [];
  readonly #lines: number[] = [];
  readonly #at: CommandAt[] = [];
  #index: Map<Rule, number> | null = null;

  add(r: Rule, line: number, at: CommandAt): void {
    this.#rules.push(r);
    this.#lines.push(line);
    this.#at.push(at);
    this.#index = null;
  }

  /** Where `r` was written: its line and the column of its `-j` target (else its command), and of its matches. */
  get(r: Rule): { line: number; column: number; matches?: number[] } | undefined {
    if (this.#index === null) {
      this.#index = new Map();
      for (let i = 0; i < this.#rules.length; i++) this.#index.set(this.#rules[i], i);
    }
    const i = this.#index.get(r);
    if (i === undefined) return undefined;
    const at = this.#at[i];
    return { line: this.#lines[i], column: at.target ?? at.command, matches: at.matches };
  }

  has(r: Rule): boolean {
    return this.get(r) !== undefined;
  }
}

interface Block {
  table: Table;
  /** The committed table this block changes (--noflush), or null when it starts from an empty table. */
  base: Table | null;
  /** Chains this block made or copied: it may change them in place. */
  owned: Set<Chain>;
  /** Names of the chains it changed, created or deleted. */
  changed: Set<string>;
  /** Where each rule was written: its line and the column of its `-j` target (else its command), and of its matches. */
  written: Written;
  deleted: Map<string, { line: number; column: number }>;
  failed: boolean;
  /** An empty block (`*nat` + `COMMIT`) does not create the table. */
  touched: boolean;
  /**
   * User chains built in this block by a declaration then only `-A` lines the rule cache may share, with those
   * lines (null: touched otherwise); recorded on the committed chains (restore-chain-source.ts).
   */
  clean: Map<string, CleanLines | null>;
  /** `-E` lines and the chains the block declared or made, for the renames at COMMIT (restore-rename.ts). */
  renames?: ChainRenames;
  /** What the kernel refuses of the batch, reported at COMMIT: `-X` of a chain that still has rules. */
  refused?: RestoreError[];
}

interface CleanLines {
  lines: string[];
  words: LineWords[];
  at: CommandAt[];
}

function noteCommand(b: Block, cmd: RuleCommand, words: LineWords, at: CommandAt, text: string | undefined): void {
  if (cmd.chain === null) {
    b.clean.clear();
    return;
  }
  if (cmd.op === 'new-chain') {
    b.clean.set(cmd.chain, { lines: [], words: [], at: [] });
    return;
  }
  const c = b.clean.get(cmd.chain);
  if (c === undefined || c === null) return;
  const r = cmd.op === 'append' && text !== undefined && cmd.rules.length === 1 ? cmd.rules[0] : undefined;
  if (r === undefined || r.counters.packets !== 0 || r.counters.bytes !== 0) {
    b.clean.set(cmd.chain, null);
    return;
  }
  c.lines.push(text!);
  c.words.push(words);
  c.at.push(at);
}

function chainSourceLines(c: Chain): CleanLines | undefined {
  const s = chainSource(c);
  return s === undefined ? undefined : { lines: s.lines.slice(), words: s.words.slice(), at: s.at.slice() };
}

function allZero(c: Chain): boolean {
  for (const r of c.rules) if (r.counters.packets !== 0 || r.counters.bytes !== 0) return false;
  return true;
}

/** The chain named `name`, copied first unless this block already owns it. */
function writable(b: Block, name: string): Chain | undefined {
  const c = b.table.chains.get(name);
  if (!c || b.owned.has(c)) return c;
  const copy: Chain = { ...c, counters: { ...c.counters }, rules: c.rules.slice() };
  b.table.chains.set(name, copy);
  b.owned.add(copy);
  b.changed.add(name);
  return copy;
}

function applyCommand(b: Block, cmd: RuleCommand, line: number, at: CommandAt): string | undefined {
  const t = b.table;
  const chainOf = (name: string): Chain | undefined => writable(b, name);
  switch (cmd.op) {
    case 'append':
    case 'insert': {
      const c = chainOf(cmd.chain);
      if (!c) return 'No chain/target/match by that name.';
      for (const r of cmd.rules) b.written.add(r, line, at);
      if (cmd.op === 'append') for (const r of cmd.rules) c.rules.push(r);
      else {
        if (cmd.index > c.rules.length + 1) return 'Index of insertion too big.';
        // do_command() inserts each address pair at the same number in turn, so the last pair ends up first.
        for (const r of cmd.rules) c.rules.splice(cmd.index - 1, 0, r);
      }
      return undefined;
    }
    case 'delete': {
      const c = chainOf(cmd.chain);
      if (!c) return 'No chain/target/match by that name.';
      if (cmd.index !== null) {
        if (cmd.index > c.rules.length) return 'Index of deletion too big.';
        c.rules.splice(cmd.index - 1, 1);
        return undefined;
      }
      for (const r of cmd.rules) {
        const text = ruleSpecText(r);
        const at = c.rules.findIndex((x) => ruleSpecText(x) === text);
        if (at < 0) return 'Bad rule (does a matching rule exist in that chain?).';
        c.rules.splice(at, 1);
      }
      return undefined;
    }
    case 'new-chain': {
      if (t.chains.has(cmd.chain)) return 'Chain already exists.';
      const c = userChain(cmd.chain);
      t.chains.set(cmd.chain, c);
      b.owned.add(c);
      b.changed.add(cmd.chain);
      (b.renames ??= new ChainRenames()).declare(cmd.chain);
      return undefined;
    }
    case 'delete-chain': {
      const names = cmd.chain === null ? [...t.chains.values()].filter((c) => c.hook === null).map((c) => c.name) : [cmd.chain];
      for (const n of names) {
        const c = t.chains.get(n);
        if (!c) return 'No chain/target/match by that name.';
        if (c.hook !== null) return `CHAIN_DEL failed (Operation not permitted): chain ${n}`;
        // nf_tables_delchain(): iptables-nft asks with NLM_F_NONREC, so a chain that still holds rules at this
        // point of the batch is EBUSY; the kernel fails the batch at COMMIT (iptables 1.8.9: `-N P`, `-A P -j
        // ACCEPT`, `-X P` is "line 4: CHAIN_DEL failed (Device or resource busy): chain P"; `-F P` first is fine).
        if (c.rules.length > 0) (b.refused ??= []).push({ line, column: at.chain ?? at.command, message: `CHAIN_DEL failed (Device or resource busy): chain ${n}` });
        t.chains.delete(n);
        b.changed.add(n);
        b.deleted.set(n, { line, column: at.chain ?? at.command });
      }
      return undefined;
    }
    case 'flush':
    case 'zero': {
      const list = cmd.chain === null ? [...t.chains.keys()].map((n) => chainOf(n)) : [chainOf(cmd.chain)];
      for (const c of list) {
        if (!c) return 'No chain/target/match by that name.';
        if (cmd.op === 'flush') c.rules = [];
        else {
          c.counters = { packets: 0, bytes: 0 };
          c.policy = zeroedPolicy(b.base, c);
          // A rule this block wrote is its own; one kept from the table before is shared with it: replaced.
          c.rules = c.rules.map((r) => {
            if (b.written.has(r)) {
              r.counters = { packets: 0, bytes: 0 };
              return r;
            }
            return { ...r, counters: { packets: 0, bytes: 0 } };
          });
        }
      }
      return undefined;
    }
    case 'replace':
      b.written.add(cmd.rules[0], line, at);
      return replaceRule(chainOf(cmd.chain), cmd.index, cmd.rules[0]);
    case 'rename-chain':
      return (b.renames ??= new ChainRenames()).request(t, cmd.chain, cmd.to, line, at.to ?? at.chain ?? at.command);
    case 'policy': {
      const c = chainOf(cmd.chain);
      if (!c) return 'No chain/target/match by that name.';
      if (c.hook === null) return 'Bad built-in chain name';
      c.policy = cmd.policy;
      return undefined;
    }
  }
}

/**
 * What the kernel refuses of the block's batch that was found before COMMIT (`Block.refused`), else
 * the block's renames applied to its table (restore-rename.ts) and what they fail with; undefined when nothing.
 */
function batchRefusals(b: Block): RestoreError[] | undefined {
  if (b.refused !== undefined) return b.refused;
  if (b.renames === undefined || b.renames.empty) return undefined;
  const touched = (n: string): void => {
    b.changed.add(n);
    b.clean.set(n, null);
  };
  const errors = b.renames.commit(b.table, (n) => writable(b, n), touched);
  return errors.length > 0 ? errors : undefined;
}

function commitErrors(b: Block, commitLine: number): RestoreError[] {
  if (b.base !== null) {
    let g = jumpGraphs.get(b.base);
    if (g === undefined) g = buildJumpGraph(b.base);
    jumpGraphs.delete(b.base);
    if (surelyValid(g, b.base, b.table, b.changed)) {
      jumpGraphs.set(b.table, g);
      return [];
    }
  }
  for (const d of danglingJumps(b.table)) {
    const del = b.deleted.get(d.target);
    if (del !== undefined) return [{ ...del, message: `CHAIN_DEL failed (Device or resource busy): chain ${d.target}` }];
    const at = b.written.get(d.rule);
    return [{ line: at?.line ?? commitLine, column: at?.column ?? 1, message: `Chain '${d.target}' does not exist` }];
  }
  return validateTable(b.table).map((p) => {
    const at = p.rule ? b.written.get(p.rule) : undefined;
    if (!at) return { line: commitLine, column: 1, message: p.message };
    return { line: at.line, column: (p.match !== undefined ? at.matches?.[p.match] : undefined) ?? at.column, message: p.message };
  });
}

/** Applies `script` on a copy of `base`; `errors` holds what failed (the parse's errors are passed in too). */
export function applyRestore(
  base: Ruleset,
  script: RestoreScript,
  opts: RestoreOptions = {},
  parseErrors: readonly RestoreError[] = [],
): { ruleset: Ruleset; errors: RestoreError[] } {
  const rs: Ruleset = { tables: new Map(base.tables) };
  const errors: RestoreError[] = [...parseErrors];
  let firstParseError = Infinity;
  for (const e of parseErrors) firstParseError = Math.min(firstParseError, e.line);
  let block: Block | null = null;
  let stopped = false;
  for (const l of script.lines) {
    if (stopped) break;
    if (l.kind === 'table') {
      const existing = rs.tables.get(l.table);
      const keep = opts.noflush === true && existing !== undefined;
      // The kept table's chains as an overlay (overlay-map.ts): a commit costs the chains it changes (a small
      // table is copied).
      const chains = keep ? (existing.chains.size < SMALL_TABLE ? new Map(existing.chains) : OverlayMap.over(existing.chains)) : null;
      const table: Table = chains !== null ? { name: existing!.name, chains } : emptyTable(l.table);
      block = {
        table, base: keep ? existing : null, owned: new Set(keep ? [] : table.chains.values()), changed: new Set(),
        written: new Written(), deleted: new Map(), failed: false, touched: existing !== undefined, clean: new Map(),
      };
      continue;
    }
    if (!block) continue;
    if (l.line > firstParseError) block.failed = true;
    if (l.kind === 'chain' || l.kind === 'command') block.touched = true;
    if (l.kind === 'keep') {
      block.touched = true;
      // The chain as it is, with its rules' counters zeroed: the kernel flushed it and added the rules anew
      // (checked with iptables 1.8.9 nf_tables: rules at [5:6] and [7:8], then `iptables-restore --noflush
      // --counters` of `:X - [0:0]` and the same `-A X` lines without counters, gives [0:0] for both).
      (block.renames ??= new ChainRenames()).declare(l.chain);
      if (block.failed || allZero(l.from)) continue;
      const c = writable(block, l.chain);
      if (c !== undefined) c.rules = c.rules.map((r) => ({ ...r, counters: { packets: 0, bytes: 0 } }));
      const src = chainSourceLines(l.from);
      if (src !== undefined) block.clean.set(l.chain, src);
      continue;
    }
    if (l.kind === 'chain') {
      if (!block.failed) {
        if (l.policy === null && !(BUILTIN_CHAINS[block.table.name] as readonly string[]).includes(l.chain)) block.clean.set(l.chain, { lines: [], words: [], at: [] });
      }
      const c = writable(block, l.chain);
      // A user chain declared here is new to iptables' cache, without a kernel handle (restore-rename.ts).
      if (c === undefined || c.hook === null) (block.renames ??= new ChainRenames()).declare(l.chain);
      if (c && c.hook !== null) {
        if (l.policy) c.policy = l.policy;
        // A built-in chain line sets the policy; under --noflush it does not flush the chain.
        if (opts.counters && l.counters) c.counters = { ...l.counters };
      } else if (c) {
        c.rules = [];
      } else {
        const u = userChain(l.chain);
        if (opts.counters && l.counters) u.counters = { ...l.counters };
        block.table.chains.set(l.chain, u);
        block.owned.add(u);
        block.changed.add(l.chain);
      }
      continue;
    }
    if (l.kind === 'command') {
      if (block.failed) continue;
      const e = applyCommand(block, l.command, l.line, l.at);
      // A line answered from the rule cache hands on the cache's entry: its words are made only if read.
      noteCommand(block, l.command, l instanceof CachedLine ? l.entry : l, l.at, l.text);
      if (e) {
        const column = e.startsWith('Bad rule') || e.startsWith('Index of') ? l.at.command : l.at.chain ?? l.at.command;
        errors.push({ line: l.line, column, message: e });
        block.failed = true;
      }
      continue;
    }
    if (l.kind === 'commit') {
      if (!block.failed) {
        const ce = batchRefusals(block) ?? commitErrors(block, l.line);
        if (ce.length) {
          for (const e of ce) errors.push(e);
          block.failed = true;
        }
      }
      if (block.failed) stopped = true;
      else if (block.touched) {
        block.table.chains = OverlayMap.settle(block.table.chains);
        rs.tables.set(block.table.name as TableName, block.table);
        markCommitted(block.table);
        for (const [name, c] of block.clean) {
          const chain = c === null ? undefined : block.table.chains.get(name);
          if (chain !== undefined && chain.hook === null && c !== null) {
            setChainSource(chain, { table: block.table.name, lenient: opts.lenientComments === true, counters: opts.counters === true, ...c });
          }
        }
      }
      block = null;
    }
  }
  errors.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
  return { ruleset: rs, errors };
}

/** iptables-restore: parse `text` and apply it to `base` (default: a namespace with no tables). */
export function restore(text: string, base: Ruleset = emptyRuleset(), opts: RestoreOptions = {}): { ruleset: Ruleset; errors: RestoreError[] } {
  // Kept chains (restore-chain-source.ts) are worth looking for only under --noflush with a rule cache. Their
  // rules are not in the block's record of written lines, which error messages are located with: a restore that
  // fails is done again without them, so every error is the one the plain restore gives.
  if (opts.noflush === true && opts.cache !== undefined && opts.sets === undefined) {
    const fast = parseRestore(text, base, opts, true);
    if (fast.errors.length === 0) {
      const r = applyRestore(base, fast.script, opts);
      if (r.errors.length === 0) return r;
    }
  }
  const { script, errors } = parseRestore(text, base, opts);
  return applyRestore(base, script, opts, errors);
}
