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
import { RULE_ZERO, USER_CHAIN_ZERO, emptyRuleset, emptyTable, ruleSharing, userChainCounters } from './ruleset.js';
import type { JumpGraph } from './jump-graph.js';
import { buildJumpGraph, forkJumpGraph, surelyValid, wholeTableValid } from './jump-graph.js';
import type { LineSink, RestoreError, RestoreLine, RestoreOptions, RestoreScript } from './restore-parse.js';
import { isCachedLine, parseRestore } from './restore-parse.js';
import type { CachedCommand } from './rule-parse-cache.js';
import { Template, entryHasText } from './rule-parse-cache.js';
import { allowedHooks } from './hook-mask.js';
import type { CommandAt, RuleCommand } from './rule-parse.js';
import { ruleSpecText } from './rule-print.js';
import { type ChainFlush, type RemovedRule, type ValidationProblem, type WrittenAt, danglingJumps, removedMatter, sentRefusalsOf, validateTable } from './table-validate.js';
import type { LineHolder, RecordMaker, SourceScope } from './restore-chain-source.js';
import { BlockChain, EXACT_ARRAY_MAX, chainSource, grown } from './restore-chain-source.js';
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

/**
 * The rules a block wrote, with their line and the command's word columns: found from the script's lines when
 * first needed (an error to locate, `-Z`), so a block that commits keeps no record per rule.
 */
class Written {
  /** The script's lines; the block's start at `lines[start]`; null when streaming (RestoreApplier.line()). */
  readonly lines: readonly RestoreLine[] | null;
  /** Streaming: the lines were asked for (the result may then differ from the two-pass apply's). */
  missing = false;
  readonly start: number;
  /** The lines before this one have been applied (the caller moves it on). */
  end: number;
  #done: number;
  #index: Map<Rule, number> | null = null;
  /** The rules `-D` and `-F` removed, in order: the kernel's replay of the batch holds them until then (table-validate.ts). */
  readonly removed: RemovedRule[] = [];
  /** The `-F CHAIN` lines: iptables-nft drops the batch's earlier messages on that chain (table-validate.ts). */
  readonly flushed: ChainFlush[] = [];

  constructor(lines: readonly RestoreLine[] | null, start: number) {
    this.lines = lines;
    this.start = start;
    this.end = start;
    this.#done = start;
  }

  /** Where `r` was written: its line, its command, the column of its `-j` target (else its command), and of its matches. */
  get(r: Rule): { line: number; op: WrittenAt['op']; column: number; matches?: number[] } | undefined {
    const lines = this.lines;
    if (lines === null) {
      this.missing = true;
      return undefined;
    }
    const index = (this.#index ??= new Map());
    for (; this.#done < this.end; this.#done++) {
      const l = lines[this.#done];
      if (l.kind !== 'command') continue;
      const op = l.command.op;
      if (op === 'append' || op === 'insert' || op === 'replace') for (const x of l.command.rules) index.set(x, this.#done);
    }
    const i = index.get(r);
    if (i === undefined) return undefined;
    const l = lines[i] as Extract<RestoreLine, { kind: 'command' }>;
    const op = l.command.op;
    if (op !== 'append' && op !== 'insert' && op !== 'replace') return undefined;
    const at = l.at;
    return { line: l.line, op, column: at.target ?? at.command, matches: at.matches };
  }

  has(r: Rule): boolean {
    return this.get(r) !== undefined;
  }
}

interface Block {
  table: Table;
  /** The committed table this block changes (--noflush), or null when it starts from an empty table. */
  base: Table | null;
  /**
   * The block's mark: the chains it made or copied are BlockChains of this scope, which it may change in place
   * (with no base, every chain of its table is its own).
   */
  scope: SourceScope;
  /**
   * Names of the chains it created, copied or deleted, in that order (a name may come more than once): what
   * the commit check is told changed.
   */
  touched: string[];
  /** The chain the last writable() gave, by name: kube-proxy writes each chain's lines in a run. */
  lastName: string | null;
  lastChain: Chain | null;
  /**
   * The chains newChain() made, in order, each in the table under its name (null once a chain was deleted or
   * replaced): kube-proxy writes its chains in the order it declares them, so writable() looks at `made[madeAt]`,
   * the one after the last it found there, before the table's map.
   */
  made: BlockChain[] | null;
  madeAt: number;
  /**
   * The chain writable() last found in the table's map, by name (kube-proxy's KUBE-SERVICES, written between
   * every Service's own chains), until a chain is deleted or replaced.
   */
  mapName: string | null;
  mapChain: Chain | null;
  /** Where each rule was written: its line and the column of its `-j` target (else its command), and of its matches. */
  written: Written;
  deleted: Map<string, { line: number; column: number }>;
  failed: boolean;
  /**
   * Whether the table is there after COMMIT: a plain restore's `*TABLE` line deletes it (iptables-nft's table
   * flush), and only a line that sends a message makes it again, not an empty block (`*nat` + `COMMIT`) nor `-F`,
   * `-Z` or `-X` of every chain (iptables 1.8.9: a plain restore of `*filter`, `-Z`, `COMMIT` over a table with
   * rules leaves no filter table, nor does `iptables -F` in a namespace with none).
   */
  nonEmpty: boolean;
  /** The `-E` lines, for the renames at COMMIT (restore-rename.ts). */
  renames?: ChainRenames;
  /** What the kernel refuses of the batch, reported at COMMIT: `-X` of a chain that still has rules. */
  refused?: RestoreError[];
  /** A line of the block set a base chain's policy (`-P`, `:CHAIN POLICY`): `-Z` of a chain not made yet then fails otherwise. */
  policySet?: boolean;
}

/** Whether the block may change `c` in place. */
function owns(b: Block, c: Chain): boolean {
  return b.base === null || (c instanceof BlockChain && c.ownedBy(b.scope));
}

/** A user chain the block made, recording its lines when `record` (restore-chain-source.ts). */
function newChain(b: Block, name: string): BlockChain {
  // USER_CHAIN_COUNTERS: a user chain keeps no counters (apply()), so it shares one frozen [0:0] (ruleset.ts USER_CHAIN_ZERO).
  const c = new BlockChain(name, null, null, USER_CHAIN_ZERO, [], b.scope);
  const had = b.table.chains.size;
  b.table.chains.set(name, c);
  b.touched.push(name);
  b.lastName = null;
  // Made over a chain of that name (a one-pass apply in doubt), the chain made before may no longer be there.
  if (b.table.chains.size === had) forgetMade(b);
  else if (b.made !== null) b.made.push(c);
  return c;
}

/** A chain of the block's table was deleted or replaced: the chains made before are not looked for in order. */
function forgetMade(b: Block): void {
  b.lastName = null;
  b.mapName = null;
  b.made = null;
}

/** The chain `made[madeAt]` when it is named `name` (then the next is looked at next), else undefined. */
function nextMade(b: Block, name: string): Chain | undefined {
  const m = b.made;
  const k = b.madeAt;
  if (m === null || k >= m.length || m[k].name !== name) return undefined;
  b.madeAt = k + 1;
  return m[k];
}

/** The table's map gave `c`: a chain made a little after `made[madeAt]` moves the cursor past it. */
function resyncMade(b: Block, c: Chain): void {
  const m = b.made;
  if (m === null) return;
  const end = Math.min(m.length, b.madeAt + MADE_AHEAD);
  for (let k = b.madeAt; k < end; k++) {
    if (m[k] === c) {
      b.madeAt = k + 1;
      return;
    }
  }
}

/** How far past the cursor resyncMade() looks (a declared chain no line writes is skipped so). */
const MADE_AHEAD = 8;

/**
 * The chain of a command naming `cmd.chain`, after it: user chains the block built by a declaration then only
 * `-A` lines the rule cache may share record those lines (restore-chain-source.ts); anything else ends the record.
 */
function noteCommand(b: Block, cmd: RuleCommand, holder: LineHolder): void {
  if (cmd.chain === null) {
    for (const c of b.table.chains.values()) if (c instanceof BlockChain && owns(b, c)) c.stopRecord();
    return;
  }
  const c = b.lastName === cmd.chain ? b.lastChain : b.table.chains.get(cmd.chain);
  if (!(c instanceof BlockChain) || !owns(b, c)) return;
  if (cmd.op === 'new-chain') {
    c.startRecord();
    return;
  }
  if (!c.recording) return;
  const r = cmd.op === 'append' && cmd.rules.length === 1 ? cmd.rules[0] : undefined;
  if (r === undefined || r.counters.packets !== 0 || r.counters.bytes !== 0 || holder.text === undefined) c.stopRecord();
  else c.record(holder, allowedHooks(r));
}

/**
 * noteCommand() of a line answered from the rule cache that appends the one rule `r` to `c`, the chain
 * writable() just gave: its holder is the cache's entry (whose text is asked whether it has, not made).
 */
function noteAppend(b: Block, c: Chain, r: Rule, entry: CachedCommand): void {
  if (!(c instanceof BlockChain) || !owns(b, c) || !c.recording) return;
  if (r.counters.packets !== 0 || r.counters.bytes !== 0 || !entryHasText(entry)) c.stopRecord();
  else c.record(entry, allowedHooks(r));
}

/**
 * Appends the one rule of a line answered from the rule cache to chain `name`, as applyCommand() appends (its
 * command never made): the chain, or undefined after recording the error of a chain that does not exist.
 */
function appendCached(b: Block, errors: RestoreError[], name: string, r: Rule, line: number, column: number | HasAt): Chain | undefined {
  const c = writable(b, name);
  if (c === undefined) {
    const at = typeof column === 'number' ? column : (column.at.chain ?? column.at.command);
    errors.push({ line, column: at, message: 'No chain/target/match by that name.' });
    b.failed = true;
    return undefined;
  }
  append(c, r);
  return c;
}

/** A line whose columns are read only for an error (a cached line's are made when first read). */
interface HasAt {
  readonly at: CommandAt;
}

/** Appends `r` to `c`, a chain the block owns. */
function append(c: Chain, r: Rule): void {
  const rules = c.rules;
  // Most chains get one to eight rules: a push would give the array room for 17 more, which every scavenge then
  // copies (kube-proxy's 20,000 KUBE-SVC chains of four rules), so a short array is made anew at its size.
  const n = rules.length;
  if (n === 0) c.rules = [r];
  else if (n === 1) c.rules = [rules[0], r];
  else if (n < EXACT_ARRAY_MAX) c.rules = grown(rules, r);
  else rules.push(r);
}

function allZero(c: Chain): boolean {
  for (const r of c.rules) if (r.counters.packets !== 0 || r.counters.bytes !== 0) return false;
  return true;
}

/**
 * The chain named `name`, copied first unless this block already owns it. A line naming a base chain creates it
 * in the kernel's table if it is not there (Table.kernelOrder); `creates` false: a line that names every chain
 * (`-F`, `-Z`), which creates none (iptables 1.8.9: `-F` then `-A INPUT ...` under --noflush over a table with
 * OUTPUT alone leaves OUTPUT before INPUT, no FORWARD), and whose lookups are then not remembered.
 */
function writable(b: Block, name: string, creates = true): Chain | undefined {
  if (name === b.lastName) return b.lastChain!;
  let w = nextMade(b, name) ?? (name === b.mapName ? b.mapChain! : undefined);
  if (w === undefined) {
    const c = b.table.chains.get(name);
    if (!c) return undefined;
    if (c.hook !== null && creates) created(b.table, name);
    resyncMade(b, c);
    w = c;
    if (!owns(b, c)) {
      const counters = c.hook === null ? userChainCounters(c.counters) : c.counters;
      w = new BlockChain(c.name, c.hook, c.policy, counters === USER_CHAIN_ZERO ? counters : { ...counters }, c.rules.slice(), b.scope);
      b.table.chains.set(name, w);
      b.touched.push(name);
    }
    if (c.hook !== null && !creates) return w;
    b.mapName = name;
    b.mapChain = w;
  }
  b.lastName = name;
  b.lastChain = w;
  return w;
}

/** Base chain `name` of `t` was named by a line: nf_tables_newchain() appends it to the table's chains if new. */
function created(t: Table, name: string): void {
  const order = t.kernelOrder;
  if (order !== undefined && !order.includes(name)) order.push(name);
}

/**
 * `-X` with no chain: iptables-nft 1.8.9 deletes, besides every user chain, each base chain that has no rules and
 * policy ACCEPT as its cache has them: the batch's rules, but the policy the kernel's table had, ACCEPT for a chain
 * the batch made (nft_chain_set() batches the policy without changing the cache's chain). A later line makes it
 * again, after the table's other chains, with policy ACCEPT; iptables-save still prints it. Measured: `iptables -X`
 * over INPUT empty, OUTPUT DROP, FORWARD with a rule leaves OUTPUT and FORWARD in `nft list table`, and `-A INPUT
 * ...` then puts INPUT last; in a --noflush batch `:INPUT ACCEPT [0:0]`, `-X` deletes INPUT, `-A OUTPUT ...`, `-X`
 * keeps an empty ACCEPT OUTPUT, and `-P OUTPUT ACCEPT` (with or without `-F OUTPUT`), `-X` keeps an empty OUTPUT
 * that was DROP; a plain restore of `:OUTPUT DROP [0:0]` (or `-P OUTPUT DROP`), `-X` leaves no OUTPUT, saved as
 * `:OUTPUT ACCEPT`, and so does `-P OUTPUT DROP`, `-X` under --noflush over an empty ACCEPT OUTPUT.
 */
function dropIdleBaseChains(b: Block): void {
  const t = b.table;
  const order = t.kernelOrder;
  if (order === undefined) return;
  const dropped: string[] = [];
  t.kernelOrder = order.filter((name) => {
    const c = t.chains.get(name);
    if (c === undefined || c.hook === null || c.rules.length > 0) return true;
    if ((kernelChain(b, name)?.policy ?? 'ACCEPT') !== 'ACCEPT') return true;
    dropped.push(name);
    return false;
  });
  for (const name of dropped) {
    const c = t.chains.get(name)!;
    if (c.policy === 'ACCEPT' && c.counters.packets === 0 && c.counters.bytes === 0) continue;
    const w = writable(b, name, false)!;
    w.policy = 'ACCEPT';
    w.counters = { packets: 0, bytes: 0 };
  }
}

/** Base chain `name` as the kernel's table held it before the block (--noflush), else undefined. */
function kernelChain(b: Block, name: string): Chain | undefined {
  const base = b.base;
  if (base === null) return undefined;
  const c = base.chains.get(name);
  if (c === undefined || c.hook === null) return undefined;
  return base.kernelOrder === undefined || base.kernelOrder.includes(name) ? c : undefined;
}

/** Whether iptables-nft sends the kernel a message for `cmd`: not for `-F`, `-Z` or `-X` of every chain of a table its cache lacks. */
function sendsMessage(cmd: RuleCommand): boolean {
  return cmd.chain !== null || (cmd.op !== 'flush' && cmd.op !== 'zero' && cmd.op !== 'delete-chain');
}

/**
 * writable() for a command that looks a rule up in chain `name` by its number or zeroes it (`-D CHAIN N`, `-R`,
 * `-Z CHAIN`): a base chain the kernel's table does not hold yet (no line named it, Table.kernelOrder) is not in
 * iptables' cache, so missing (iptables 1.8.9: each as the first line of a restore, or as `iptables` over a table
 * with INPUT alone, is "No chain/target/match by that name."; after `-A OUTPUT ...` or `:OUTPUT ACCEPT` it is
 * found; `-D OUTPUT -j ACCEPT` is "Bad rule" either way).
 */
function heldChain(b: Block, name: string): Chain | undefined {
  const c = b.table.chains.get(name);
  if (c !== undefined && c.hook !== null && b.table.kernelOrder?.includes(name) === false) return undefined;
  return writable(b, name);
}

/**
 * What iptables-restore prints when it cannot read back a rule of iptables' cache, and exits at once: nothing of
 * the table's batch is sent (iptables 1.8.9, xtables_error(VERSION_PROBLEM) in
 * nft_rule_to_iptables_command_state(), after "Error: target extension not found").
 */
export const UNPARSABLE_RULE = 'Parsing nftables rule failed';

/**
 * The index of the first rule of `c` that `-D` by spec `r` names, or -1; 'unparsable' when a rule met before it
 * has a target module a chain line announced (`announced`): nft_rule_find() reads back each rule of the chain in
 * order until one is the same, and xtables_find_target() then finds no such target (iptables 1.8.9, nat: `-A
 * POSTROUTING -j MASQUERADE`, `:MASQUERADE - [0:0]`, `-D POSTROUTING -j MASQUERADE` fails so, also over the rule
 * kept by the kernel under --noflush, and so does `-D POSTROUTING -j ACCEPT` with the MASQUERADE rule before the
 * ACCEPT one; after it, or with the rule a jump written after the announcement, the rule is deleted). A jump to a
 * chain named like a target and that target print alike, and are not the same rule (compare_targets(): the jump
 * kept by the kernel, then `-D POSTROUTING -j MASQUERADE` in a later restore with no `:MASQUERADE` line, or with
 * `iptables -t nat -D`, is "Bad rule").
 */
function specIndex(c: Chain, r: Rule, announced: ReadonlySet<string> | undefined): number | 'unparsable' {
  const text = ruleSpecText(r);
  const module = r.target.kind === 'module';
  const rules = c.rules;
  for (let i = 0; i < rules.length; i++) {
    const t = rules[i].target;
    if (announced !== undefined && t.kind === 'module' && announced.has(t.target.name)) return 'unparsable';
    if ((t.kind === 'module') === module && ruleSpecText(rules[i]) === text) return i;
  }
  return -1;
}

function applyCommand(b: Block, cmd: RuleCommand, line: number, at: CommandAt, announced?: ReadonlySet<string>): string | undefined {
  const t = b.table;
  const chainOf = (name: string): Chain | undefined => writable(b, name);
  switch (cmd.op) {
    case 'append':
    case 'insert': {
      const c = chainOf(cmd.chain);
      if (!c) return 'No chain/target/match by that name.';
      if (cmd.op === 'append') for (const r of cmd.rules) c.rules.push(r);
      else {
        if (cmd.index > c.rules.length + 1) return 'Index of insertion too big.';
        // do_command() inserts each address pair at the same number in turn, so the last pair ends up first.
        for (const r of cmd.rules) c.rules.splice(cmd.index - 1, 0, r);
      }
      return undefined;
    }
    case 'delete': {
      const c = cmd.index !== null ? heldChain(b, cmd.chain) : chainOf(cmd.chain);
      if (!c) return 'No chain/target/match by that name.';
      if (cmd.index !== null) {
        if (cmd.index > c.rules.length) return 'Index of deletion too big.';
        for (const r of c.rules.splice(cmd.index - 1, 1)) b.written.removed.push({ rule: r, chain: c.name, hook: c.hook, index: cmd.index - 1, line, by: '-D' });
        return undefined;
      }
      for (const r of cmd.rules) {
        const at = specIndex(c, r, announced);
        if (at === 'unparsable') return UNPARSABLE_RULE;
        if (at < 0) return 'Bad rule (does a matching rule exist in that chain?).';
        b.written.removed.push({ rule: c.rules[at], chain: c.name, hook: c.hook, index: at, line, by: '-D' });
        c.rules.splice(at, 1);
      }
      return undefined;
    }
    case 'new-chain': {
      if (t.chains.has(cmd.chain)) return 'Chain already exists.';
      newChain(b, cmd.chain);
      return undefined;
    }
    case 'delete-chain': {
      if (cmd.chain === null) dropIdleBaseChains(b);
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
        b.touched.push(n);
        forgetMade(b);
        b.deleted.set(n, { line, column: at.chain ?? at.command });
      }
      return undefined;
    }
    case 'flush':
    case 'zero': {
      // nft_rule_flush() with no chain returns at once when iptables' cache has no such table, which it has only
      // under --noflush over a table the kernel already holds (the `*TABLE` line of a plain restore flushes it
      // from the cache): `-F` then changes nothing, the batch's earlier rules stay (iptables 1.8.9: `-A INPUT -j
      // ACCEPT`, `-F`, `-A OUTPUT -j ACCEPT` commits both rules, also over a table with rules, also with
      // --noflush where the kernel has no filter table; `-A INPUT -j ACCEPT`, `-F`, `-D INPUT -j ACCEPT` is
      // fine). Over a kept table it is `-F CHAIN` of every chain: the kernel's rules and the batch's are gone (the
      // same lines under --noflush over a table with a FORWARD rule commit `-A OUTPUT -j ACCEPT` alone; an owner
      // rule in INPUT before the `-F` is never sent, so not refused; a `-D INPUT -j ACCEPT` after it is "Bad rule").
      if (cmd.op === 'flush' && cmd.chain === null && b.base === null) return undefined;
      const list = cmd.chain === null ? [...t.chains.keys()].map((n) => writable(b, n, false)) : [cmd.op === 'zero' ? heldChain(b, cmd.chain) : chainOf(cmd.chain)];
      // iptables 1.8.9: `-P INPUT ACCEPT` (or `:INPUT ACCEPT [0:0]`) then `-Z OUTPUT` in a restore is "Bad built-in
      // chain name.", without the policy "No chain/target/match by that name.".
      if (cmd.op === 'zero' && cmd.chain !== null && list[0] === undefined && b.policySet === true && (t.chains.get(cmd.chain)?.hook ?? null) !== null) return 'Bad built-in chain name.';
      for (const c of list) {
        if (!c) return 'No chain/target/match by that name.';
        if (cmd.op === 'flush') {
          // The batch's own earlier messages on the chain are dropped, not sent (table-validate.ts RemovedRule).
          c.rules.forEach((r, index) => b.written.removed.push({ rule: r, chain: c.name, hook: c.hook, index, line, by: '-F CHAIN' }));
          b.written.flushed.push({ chain: c.name, line });
          c.rules = [];
        } else {
          // __nft_chain_zero_counters(): iptables-nft zeroes a rule that has counters by replacing it, which a rule
          // written in this batch (no kernel handle yet) cannot be: EINVAL, the batch fails (1.8.9 under
          // --counters: `[5:6] -A E -j ACCEPT` then `-Z E` is "line 4: RULE_REPLACE failed (Invalid argument):
          // rule in chain E"; with [0:0] it is no error).
          if (c.rules.some((r) => (r.counters.packets !== 0 || r.counters.bytes !== 0) && b.written.has(r))) {
            (b.refused ??= []).push({ line, column: at.chain ?? at.command, message: `RULE_REPLACE failed (Invalid argument): rule in chain ${c.name}` });
          }
          c.counters = { packets: 0, bytes: 0 };
          c.policy = zeroedPolicy(b.base, c);
          // A rule this block wrote is its own; one kept from the table before is shared with it: replaced.
          c.rules = c.rules.map((r) => {
            if (b.written.has(r)) {
              r.counters = RULE_ZERO;
              return r;
            }
            return ruleSharing(r, RULE_ZERO);
          });
        }
      }
      return undefined;
    }
    case 'replace':
      return replaceRule(heldChain(b, cmd.chain), cmd.index, cmd.rules[0]);
    case 'rename-chain':
      return (b.renames ??= new ChainRenames()).request(t, cmd.chain, cmd.to, declaredInBlock(b, cmd.chain), line, at.to ?? at.chain ?? at.command);
    case 'policy': {
      const c = chainOf(cmd.chain);
      if (!c) return 'No chain/target/match by that name.';
      if (c.hook === null) return 'Bad built-in chain name';
      c.policy = cmd.policy;
      b.policySet = true;
      return undefined;
    }
  }
}

/**
 * Whether a line of the block before the current one declared (`:NAME`, a kept chain) or made (`-N NAME`) user
 * chain `name`: such a chain is new to iptables' cache, without a kernel handle (restore-rename.ts). Asked only
 * by an `-E`, so the block's lines are read then rather than every declaration noted on the way.
 */
function declaredInBlock(b: Block, name: string): boolean {
  const lines = b.written.lines;
  if (lines === null) {
    b.written.missing = true;
    return false;
  }
  for (let i = b.written.start; i < b.written.end; i++) {
    const l = lines[i];
    if (l.kind === 'chain' || l.kind === 'keep') {
      if (l.chain === name) return true;
    } else if (l.kind === 'command' && l.command.op === 'new-chain' && l.command.chain === name) return true;
  }
  return false;
}

/**
 * What the kernel refuses of the block's batch that was found before COMMIT (`Block.refused`), else
 * the block's renames applied to its table (restore-rename.ts) and what they fail with; undefined when nothing.
 */
function batchRefusals(b: Block, commitLine: number): RestoreError[] | undefined {
  if (b.refused !== undefined) {
    // A chain with rules and jumps to it is named once.
    const named = new Set(b.refused.map((e) => `${e.line} ${e.message}`));
    return [...b.refused, ...busyDeleted(b).filter((e) => !named.has(`${e.line} ${e.message}`)), ...sentProblems(b, commitLine)];
  }
  if (b.renames === undefined || b.renames.empty) return undefined;
  // A renamed chain, and a chain whose jumps were renamed, no longer hold the lines they recorded.
  const touched = (n: string): void => {
    b.touched.push(n);
    forgetMade(b);
    const c = b.table.chains.get(n);
    if (c instanceof BlockChain && owns(b, c)) c.stopRecord();
  };
  // The renames move chains to other names.
  forgetMade(b);
  const errors = b.renames.commit(b.table, (n) => writable(b, n), touched);
  return errors.length > 0 ? errors : undefined;
}

function commitErrors(b: Block, commitLine: number): RestoreError[] {
  const written = (r: Rule): WrittenAt | undefined => b.written.get(r);
  // A table valid at COMMIT is accepted unless the rules the batch removed matter (table-validate.ts).
  if (b.base !== null && !removedMatter(b.written.removed, written)) {
    let g = jumpGraphs.get(b.base);
    if (g === undefined) g = buildJumpGraph(b.base);
    // The base keeps its graph when a copy is cheap (another restore over the same table, as a failed sync's
    // retry is, then needs no whole-table check); else the graph moves to the new table.
    const copy = forkJumpGraph(g);
    if (copy !== null) {
      jumpGraphs.set(b.base, g);
      g = copy;
    } else jumpGraphs.delete(b.base);
    // A commit that rewrites most of the table (a full sync) is checked whole, without the set of names.
    const whole = b.touched.length * 2 > b.table.chains.size;
    if (whole ? wholeTableValid(g, b.table) : surelyValid(g, b.base, b.table, new Set(b.touched))) {
      jumpGraphs.set(b.table, g);
      return [];
    }
  }
  const dangling = danglingJumps(b.table);
  if (dangling.length > 0) {
    const d = dangling[0];
    if (!b.deleted.has(d.target)) {
      const at = b.written.get(d.rule);
      return [{ line: at?.line ?? commitLine, column: at?.column ?? 1, message: `Chain '${d.target}' does not exist`, kernelLine: commitLine }];
    }
    // The kernel refuses the batch's messages as it processes them: no validation at COMMIT.
    return [...busyDeleted(b), ...sentProblems(b, commitLine)];
  }
  return validateTable(b.table, written, b.written.removed, b.written.flushed).map((p) => located(b, p, commitLine));
}

/**
 * The `-X` lines that deleted a chain still jumped to: EBUSY, each chain once, in line order (iptables 1.8.9:
 * `:P`, `:Q`, `:R`, `-A P -j ACCEPT`, `-A INPUT -j R`, `-X` is line 7 for P, then line 7 for R).
 */
function busyDeleted(b: Block): RestoreError[] {
  const out: RestoreError[] = [];
  const named = new Set<string>();
  for (const d of danglingJumps(b.table)) {
    const del = b.deleted.get(d.target);
    if (del === undefined || named.has(d.target)) continue;
    named.add(d.target);
    out.push({ ...del, message: `CHAIN_DEL failed (Device or resource busy): chain ${d.target}` });
  }
  return out;
}

/** The block's rules and `-D` lines the kernel refuses as it processes them (table-validate.ts sentRefusals()), as errors. */
function sentProblems(b: Block, commitLine: number): RestoreError[] {
  const written = (r: Rule): WrittenAt | undefined => b.written.get(r);
  return sentRefusalsOf(b.table, written, b.written.removed, b.written.flushed).map((p) => located(b, p, commitLine));
}

/** Problem `p` at the line and column that wrote its rule, or its own line (a `-D`'s), or the COMMIT line. */
function located(b: Block, p: ValidationProblem, commitLine: number): RestoreError {
  if (p.line !== undefined) return { line: p.line, column: 1, message: p.message };
  const at = p.rule ? b.written.get(p.rule) : undefined;
  if (!at) return { line: commitLine, column: 1, message: p.message };
  return { line: at.line, column: (p.match !== undefined ? at.matches?.[p.match] : undefined) ?? at.column, message: p.message };
}

/**
 * Applies a script's lines in order, one at a time, on a copy of `base`: applyRestore() gives it the lines of a
 * parsed script; restore() gives it each line as parseRestore() reads it (a stream, `lines` null: no record of
 * the block's lines is kept, so what needs one, locating an error, `-Z` of a chain with rules, `-E`, is a doubt).
 */
export class RestoreApplier implements LineSink {
  readonly rs: Ruleset;
  readonly errors: RestoreError[];
  readonly #opts: RestoreOptions;
  readonly #lines: readonly RestoreLine[] | null;
  #firstParseError = Infinity;
  #block: Block | null = null;
  #stopped = false;
  /** Streaming: the lines applied so far (the index a two-pass apply would be at). */
  #count = 0;

  constructor(base: Ruleset, opts: RestoreOptions, lines: readonly RestoreLine[] | null, parseErrors: readonly RestoreError[] = []) {
    this.rs = { tables: new Map(base.tables) };
    this.errors = [...parseErrors];
    this.#opts = opts;
    this.#lines = lines;
    for (const e of parseErrors) this.#firstParseError = Math.min(this.#firstParseError, e.line);
  }

  /**
   * Streaming: whether the result may differ from the two-pass apply's (an error, which the caller gives the
   * plain path to locate and report, or a step that needs the block's lines); the caller then applies the script anew.
   */
  get failed(): boolean {
    return this.errors.length > 0 || this.#stopped || this.#doubt;
  }

  #doubt = false;

  /** Streaming: one line, as parseRestore() reads it. */
  line(l: RestoreLine): void {
    if (this.failed) return;
    // COMMIT ends the block, and its check may ask for the lines (a rule `-D` removed: table-validate.ts).
    const block = this.#block;
    this.apply(l, this.#count++);
    if ((block !== null && block.written.missing) || (this.#block !== null && this.#block.written.missing)) this.#doubt = true;
  }

  /** Streaming: the block a one-rule append goes to, the line counted; null when there is none or it failed. */
  #appendTo(): Block | null {
    if (this.failed) return null;
    this.#count++;
    const block = this.#block;
    if (block === null) return null;
    block.nonEmpty = true;
    return block.failed ? null : block;
  }

  /** Streaming: a one-rule append answered from a rule cache template (LineSink.appendRule()). */
  appendRule(line: number, chain: string, rule: Rule, maker: RecordMaker): void {
    const block = this.#appendTo();
    if (block === null) return;
    // `-A CHAIN`: the chain's column (the two-pass restore, which the caller then runs, reports any error).
    const c = appendCached(block, this.errors, chain, rule, line, 4);
    if (c === undefined) return;
    if (c instanceof BlockChain && owns(block, c) && c.recording) {
      if (rule.counters.packets !== 0 || rule.counters.bytes !== 0) c.stopRecord();
      else c.record(maker, maker instanceof Template ? maker.hooksOf(rule) : allowedHooks(rule));
    }
  }

  /** Streaming: a one-rule append answered from a rule cache entry (LineSink.appendEntry()). */
  appendEntry(line: number, chain: string, rule: Rule, entry: CachedCommand): void {
    const block = this.#appendTo();
    if (block === null) return;
    // As apply() appends a CachedLine of the entry (whose columns are the entry's).
    const c = appendCached(block, this.errors, chain, rule, line, entry);
    if (c !== undefined) noteAppend(block, c, rule, entry);
  }

  /** Streaming: the declaration of a chain new to the parse (LineSink.newChain()). */
  newChain(line: number, chain: string): void {
    if (this.failed) return;
    this.#count++;
    const block = this.#block;
    if (block === null) return;
    block.nonEmpty = true;
    this.#newChain(block, chain);
  }

  /**
   * One pass: a chain the parse saw no chain of that name before is made without a lookup; made over one that
   * exists after all (the table's size tells), the apply is in doubt and the caller starts again.
   */
  #newChain(block: Block, chain: string): void {
    const had = block.table.chains.size;
    // A user chain has no counters of its own (USER_CHAIN_COUNTERS in apply()): its line's `[p:b]` is not taken.
    const u = newChain(block, chain);
    if (block.table.chains.size === had) this.#doubt = true;
    else if (!block.failed) u.startRecord();
  }

  /** Line `i` of the script, `l`. */
  apply(l: RestoreLine, i: number): void {
    const opts = this.#opts;
    const errors = this.errors;
    const rs = this.rs;
    if (this.#stopped) return;
    if (l.kind === 'table') {
      const existing = rs.tables.get(l.table);
      const keep = opts.noflush === true && existing !== undefined;
      // The kept table's chains as an overlay (overlay-map.ts): a commit costs the chains it changes (a small
      // table is copied).
      const chains = keep ? (existing.chains.size < SMALL_TABLE ? new Map(existing.chains) : OverlayMap.over(existing.chains)) : null;
      const table: Table = chains !== null ? { name: existing!.name, chains } : emptyTable(l.table);
      // A plain restore deletes the table and makes it anew (its `*TABLE` line): no base chain until a line names
      // one. A table no restore made is taken as holding its base chains in the map's order.
      table.kernelOrder = keep ? existing.kernelOrder?.slice() ?? [...existing.chains.values()].filter((c) => c.hook !== null).map((c) => c.name) : [];
      this.#block = {
        table, base: keep ? existing : null, scope: { table: table.name, lenient: opts.lenientComments === true, counters: opts.counters === true },
        touched: [], lastName: null, lastChain: null, made: [], madeAt: 0, mapName: null, mapChain: null, written: new Written(this.#lines, i + 1), deleted: new Map(), failed: false,
        nonEmpty: keep,
      };
      return;
    }
    const block = this.#block;
    if (!block) return;
    block.written.end = i;
    if (l.line > this.#firstParseError) block.failed = true;
    if (!block.nonEmpty && (l.kind === 'chain' || (l.kind === 'command' && (isCachedLine(l) || sendsMessage(l.command))))) block.nonEmpty = true;
    if (l.kind === 'keep') {
      block.nonEmpty = true;
      // The chain as it is, with its rules' counters zeroed: the kernel flushed it and added the rules anew
      // (checked with iptables 1.8.9 nf_tables: rules at [5:6] and [7:8], then `iptables-restore --noflush
      // --counters` of `:X - [0:0]` and the same `-A X` lines without counters, gives [0:0] for both).
      if (block.failed) return;
      // The declaration flushes the chain, so whatever an earlier line of this restore did to it (`-R`, `-A`,
      // `-F`, `-X`, an earlier block) is gone: the kept lines build the kept chain itself.
      if (block.table.chains.get(l.chain) !== l.from) {
        block.table.chains.set(l.chain, l.from);
        block.touched.push(l.chain);
        forgetMade(block);
      }
      if (allZero(l.from)) return;
      const c = writable(block, l.chain);
      if (c !== undefined) {
        c.rules = c.rules.map((r) => ruleSharing(r, RULE_ZERO));
        // The same lines: the record is the kept chain's (records are never changed).
        const src = chainSource(l.from);
        if (src !== undefined && c instanceof BlockChain) c.setSource(src);
      }
      return;
    }
    if (l.kind === 'chain') {
      const c = writable(block, l.chain);
      if (c && c.hook !== null) {
        if (l.policy) {
          c.policy = l.policy;
          block.policySet = true;
        }
        // A built-in chain line sets the policy; under --noflush it does not flush the chain.
        if (opts.counters && l.counters) c.counters = { ...l.counters };
      } else if (c) {
        c.rules = [];
        if (!block.failed && l.policy === null && c instanceof BlockChain) c.startRecord();
      } else {
        // USER_CHAIN_COUNTERS: iptables-nft sends chain counters for base chains only, and the kernel keeps none
        // for a user chain (iptables 1.8.9, `iptables-restore --counters` of `:X - [3:4]`, then `iptables-save -c`
        // prints `:X - [0:0]`; a built-in chain's `[5:6]` is kept).
        const u = newChain(block, l.chain);
        if (!block.failed && l.policy === null) u.startRecord();
      }
      return;
    }
    if (l.kind === 'command') {
      if (block.failed) return;
      if (isCachedLine(l) && l.rule !== null) {
        // The columns only if the chain is missing: a shaped line's are made by scanning it again.
        const c = appendCached(block, errors, l.chain!, l.rule, l.line, l);
        if (c !== undefined) noteAppend(block, c, l.rule, l.entry);
        return;
      }
      const e = applyCommand(block, l.command, l.line, l.at, l.announced);
      if (e) {
        const column = e.startsWith('Bad rule') || e.startsWith('Index of') ? l.at.command : l.at.chain ?? l.at.command;
        errors.push({ line: l.line, column, message: e });
        block.failed = true;
        return;
      }
      // A line answered from the rule cache hands on the cache's entry: its words are made only if read.
      noteCommand(block, l.command, isCachedLine(l) ? l.entry : l);
      return;
    }
    if (l.kind === 'commit') {
      if (!block.failed) {
        const ce = batchRefusals(block, l.line) ?? commitErrors(block, l.line);
        if (ce.length) {
          for (const e of ce) errors.push(e);
          block.failed = true;
        }
      }
      if (block.failed) this.#stopped = true;
      else if (block.nonEmpty) {
        block.table.chains = OverlayMap.settle(block.table.chains);
        rs.tables.set(block.table.name as TableName, block.table);
        markCommitted(block.table);
      } else if (opts.noflush !== true) rs.tables.delete(block.table.name);
      this.#block = null;
    }
  }

  /** The ruleset and the errors, in line order. */
  finish(): { ruleset: Ruleset; errors: RestoreError[] } {
    this.errors.sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0));
    return { ruleset: this.rs, errors: this.errors };
  }
}

/** Applies `script` on a copy of `base`; `errors` holds what failed (the parse's errors are passed in too). */
export function applyRestore(
  base: Ruleset,
  script: RestoreScript,
  opts: RestoreOptions = {},
  parseErrors: readonly RestoreError[] = [],
): { ruleset: Ruleset; errors: RestoreError[] } {
  const a = new RestoreApplier(base, opts, script.lines, parseErrors);
  const lines = script.lines;
  for (let i = 0; i < lines.length; i++) a.apply(lines[i], i);
  return a.finish();
}

/** iptables-restore: parse `text` and apply it to `base` (default: a namespace with no tables). */
export function restore(text: string, base: Ruleset = emptyRuleset(), opts: RestoreOptions = {}): { ruleset: Ruleset; errors: RestoreError[] } {
  // One pass: each line is applied as it is read (RestoreApplier.line()), so no record per line outlives its
  // line. Kept chains (restore-chain-source.ts) are worth looking for only under --noflush with a rule cache.
  // Kept chains' rules are not in the block's record of written lines, and a stream keeps no such record, which
  // error messages are located with: a restore that fails (or that needs the record: a doubt) is done again in
  // two passes without them, from the start, so every error and every table it leaves is the plain restore's.
  const keep = opts.noflush === true && opts.cache !== undefined && opts.sets === undefined;
  const stream = new RestoreApplier(base, opts, null);
  const fast = parseRestore(text, base, opts, keep, stream);
  if (fast.errors.length === 0 && !stream.failed) return stream.finish();
  const { script, errors } = parseRestore(text, base, opts);
  return applyRestore(base, script, opts, errors);
}
