// `iptables [-t TABLE] -A|-I|-D|-R|-E|-F|-N|-X|-P|-Z ...` and `iptables-restore [--noflush] [--counters]` with its
// input, on the nft backend (iptables 1.8.9): each command is one transaction on the live ruleset, through the
// same parser and applier as iptables-restore (src/kernel/netfilter), committed with the kernel's checks.

import type { Netns } from '../netns/netns.js';
import { netfilterEngine, netfilterState, needsConntrack } from '../netfilter/hook-engine.js';
import { indexRuleset } from '../netfilter/index-chain.js';
import type { RestoreError, RestoreScript } from '../netfilter/restore-parse.js';
import { parseRestore, setRuleSources } from '../netfilter/restore-parse.js';
import { applyRestore, restore, UNPARSABLE_RULE } from '../netfilter/restore-apply.js';
import type { RuleParseCache } from '../netfilter/rule-parse-cache.js';
import type { RuleCommand } from '../netfilter/rule-parse.js';
import { parseCommandWords } from '../netfilter/rule-parse.js';
import type { Ruleset, TableName } from '../netfilter/ruleset.js';
import { BUILTIN_CHAINS, emptyRuleset, isTableName, TABLE_NAMES } from '../netfilter/ruleset.js';
import type { Word } from '../netfilter/tokenize.js';
import { splitWords } from '../netfilter/tokenize.js';
import { shellWords } from './shell-words.js';
import type { NetfilterState } from '../netfilter/hook-engine.js';
import type { IptablesCommand, IptablesRestoreCommand, ParseResult, ToolError } from './command.js';
import { fail } from './command.js';

const VERSION = 'iptables v1.8.9 (nf_tables)';
const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

/** Parses `iptables ...`; which names are chains is only known on a live ruleset, so `-j NAME` is checked there. */
export function parseIptables(text: string): ParseResult {
  const split = shellWords(text);
  if (!split.ok) return fail(split.message, split.column);
  const all = split.words;
  const words: Word[] = [];
  let table = 'filter';
  for (let i = 1; i < all.length; i++) {
    const w = all[i];
    const t = w.text;
    if (t === '-t' || t === '--table' || t.startsWith('--table=') || (t.startsWith('-t') && !t.startsWith('--') && t.length > 2)) {
      const v = t === '-t' || t === '--table' ? all[++i] : { text: t.startsWith('--') ? t.slice(8) : t.slice(2), col: w.col, raw: t };
      if (v === undefined) return fail(`option "${t}" requires an argument`, w.col);
      if (!isTableName(v.text)) return fail(`table '${v.text}' does not exist (${TABLE_NAMES.join(', ')})`, v.col);
      table = v.text;
      continue;
    }
    // -w/--wait only waits for the xtables lock; nothing else holds it here.
    if (t === '-w' || t === '--wait') {
      if (all[i + 1] !== undefined && /^[0-9.]+$/.test(all[i + 1].text)) i++;
      continue;
    }
    words.push(w);
  }
  if (words.length === 0) return fail('no command specified', all[0].col);
  const parsed = parseCommandWords(words, { table: table as TableName, chainExists: () => true });
  if ('message' in parsed) return fail(parsed.message, parsed.col ?? all[0].col);
  const cmd: IptablesCommand = { tool: 'iptables', text, table, words };
  return { ok: true, command: cmd };
}

/** `iptables-restore [--noflush|-n] [--counters|-c] [--wait|-w]` with `stdin` as its input. */
export function parseIptablesRestore(text: string, stdin: string | undefined): ParseResult {
  const all = splitWords(text, false);
  const cmd: IptablesRestoreCommand = { tool: 'iptables-restore', text, stdin: stdin ?? '', noflush: false, counters: false };
  for (const w of all.slice(1)) {
    if (w.text === '--noflush' || w.text === '-n') cmd.noflush = true;
    else if (w.text === '--counters' || w.text === '-c') cmd.counters = true;
    else if (w.text === '--wait' || w.text === '-w') continue;
    else return fail(`unknown option "${w.text}" (modelled: --noflush, --counters)`, w.col);
  }
  if (stdin === undefined) return fail('iptables-restore reads its rules from stdin: give the input text', all[0].col);
  const { errors } = parseRestore(cmd.stdin, emptyRuleset(), { noflush: cmd.noflush, counters: cmd.counters });
  // Under --noflush a jump may name a chain the live ruleset already has: that is checked when applied.
  const located: ToolError[] = errors
    .filter((e) => !(cmd.noflush && /^Chain '.*' does not exist$/.test(e.message)))
    .map((e) => ({ line: e.line, column: e.column ?? 1, message: `stdin line ${e.line}: ${e.message}` }));
  return located.length ? { ok: false, errors: located } : { ok: true, command: cmd };
}

/** The namespace's netfilter state, created as the first iptables command creates it (as build-world does). */
function netfilterOf(ns: Netns): NetfilterState {
  if (ns.nf === null) {
    ns.nf = netfilterState(emptyRuleset(), (k) => ns.sysctls.get(k));
    ns.netfilter = netfilterEngine(ns, ns.nf);
  }
  return ns.nf;
}

/**
 * A ruleset that a component kept across a rebuild of the namespace (a timeline's live kube-proxy carries a
 * node's rules, counters and all, into the World of the next compile): installed as a commit installs it.
 */
export function installRuleset(ns: Netns, rs: Ruleset): void {
  install(netfilterOf(ns), rs);
}

/** Installs a committed ruleset: the chain index is rebuilt, and conntrack starts if a table now needs it. */
function install(nf: NetfilterState, rs: Ruleset): void {
  nf.ruleset = rs;
  nf.index = indexRuleset(rs);
  // Once nf_conntrack is loaded in a namespace it stays: removing the rules that needed it does not unload it.
  nf.ctActive = nf.ctActive || needsConntrack(rs);
}


/**
 * How iptables 1.8.9 prints a failure (measured): a refused netlink batch as "VERSION:  CHAIN_DEL failed ...",
 * the errors of its own checks (sentences) as "iptables: ...", anything else with the version and a hint.
 */
function iptablesMessage(m: string): string[] {
  if (/^[A-Z]+_[A-Z]+ failed/.test(m)) return [`${VERSION}:  ${m}`];
  if (m === 'Bad built-in chain name') return ['iptables: Bad built-in chain name.'];
  if (/^[A-Z]/.test(m) && m.endsWith('.')) return [`iptables: ${m}`];
  return [`${VERSION}: ${m}`, TRY];
}

export function applyIptables(ns: Netns, cmd: IptablesCommand): string[] {
  const nf = netfilterOf(ns);
  const table = cmd.table as TableName;
  const chains = new Set<string>(nf.ruleset.tables.get(table)?.chains.keys() ?? BUILTIN_CHAINS[table]);
  const parsed = parseCommandWords(cmd.words, { table, chainExists: (c) => chains.has(c) });
  if ('message' in parsed) return iptablesMessage(parsed.message);
  if ('rules' in parsed && parsed.rules) {
    setRuleSources(parsed.rules, cmd.words, parsed.at);
  }
  const commands: RuleCommand[] = [parsed];
  const script: RestoreScript = {
    lines: [
      { kind: 'table', line: 1, table },
      ...commands.map((command) => ({ kind: 'command' as const, line: 1, command, words: cmd.words.map((w) => w.raw), at: { command: 1, chain: null, target: null, matches: [] } })),
      { kind: 'commit', line: 1 },
    ],
  };
  const { ruleset, errors } = applyRestore(nf.ruleset, script, { noflush: true });
  if (errors.length > 0) return iptablesMessage(errors[0].message);
  install(nf, ruleset);
  return [];
}

/** `cache`: parses of earlier restores in this namespace to reuse (a live kube-proxy's node). */
export function applyIptablesRestore(ns: Netns, cmd: IptablesRestoreCommand, cache?: RuleParseCache): string[] {
  const nf = netfilterOf(ns);
  const { ruleset, errors } = restore(cmd.stdin, nf.ruleset, { noflush: cmd.noflush, counters: cmd.counters, ...(cache ? { cache } : {}) });
  // Tables committed before a failing one stay (xtables_restore_parse() commits table by table).
  install(nf, ruleset);
  return errors.length > 0 ? restoreMessage(firstReported(errors), errors) : [];
}

/** The error iptables-restore stops at: the first by the line it names (RestoreError.kernelLine). */
function firstReported(errors: readonly RestoreError[]): RestoreError {
  let first = errors[0];
  for (const e of errors) if ((e.kernelLine ?? e.line) < (first.kernelLine ?? first.line)) first = e;
  return first;
}

/** A netlink message of the batch the kernel refused ("CHAIN_DEL failed (...)", "RULE_APPEND failed (...)"). */
const BATCH_FAILED = /^[A-Z]+_[A-Z]+ failed/;

/**
 * How iptables-restore reports the first failure: a command the kernel refused as "line N failed: ...", a
 * parse error with the version and "Error occurred at line: N" (measured with 1.8.9).
 */
function restoreMessage(e: RestoreError, errors: readonly RestoreError[]): string[] {
  // A batch the kernel refused at COMMIT (nft_action() fails, mnl_batch_talk() reports each message it refused):
  // the version, then "line N: CHAIN_DEL failed (...): chain P" for each.
  if (BATCH_FAILED.test(e.message)) {
    return [`iptables-restore ${VERSION.slice('iptables '.length)}: `, ...errors.filter((x) => BATCH_FAILED.test(x.message)).map((x) => `line ${x.line}: ${x.message}`)];
  }
  // A rule of iptables' cache it cannot read back (its target's name was announced as a chain since): nft_rule_to_
  // iptables_command_state() fails and xtables_error(VERSION_PROBLEM) exits (measured with 1.8.9).
  if (e.message === UNPARSABLE_RULE) {
    return ['Error: target extension not found', `iptables-restore ${VERSION.slice('iptables '.length)}: ${UNPARSABLE_RULE}`,
      'Perhaps iptables-restore or your kernel needs to be upgraded.'];
  }
  if (/^[A-Z][^`']*\.$/.test(e.message)) return [`iptables-restore: line ${e.line} failed: ${e.message}`];
  // The input ended inside a table: xtables_restore_parse() prints it plainly (measured: "iptables-restore:
  // COMMIT expected at line 3").
  if (e.message.startsWith('COMMIT expected')) return [`iptables-restore: ${e.message}`];
  // A word left over after the options is printed without the version (measured: "Bad argument `D'").
  const head = e.message.startsWith('Bad argument ') ? e.message : `iptables-restore ${VERSION.slice('iptables '.length)}: ${e.message}`;
  return [head, `Error occurred at line: ${e.kernelLine ?? e.line}`,
    "Try `iptables-restore -h' or 'iptables-restore --help' for more information."];
}
