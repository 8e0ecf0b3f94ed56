// The rule model: struct xt_table / ipt_entry as iptables-save shows them. A table holds built-in and user
// chains; a rule is a basic filter (struct ipt_ip), a list of match instances and at most one target.

import type { NfHook } from './hooks.js';
import type { Match, Target } from './module.js';
import { isCommitted, markCommitted } from './committed-table.js';
import { chainSource, setChainSource } from './restore-chain-source.js';

export type TableName = 'raw' | 'mangle' | 'nat' | 'filter' | 'security';
export type Policy = 'ACCEPT' | 'DROP';

export const TABLE_NAMES: readonly TableName[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

/** The order iptables-save (nft backend) prints tables: enum nft_table_type in iptables/nft.h (checked with 1.8.9). */
export const SAVE_TABLE_ORDER: readonly TableName[] = ['mangle', 'security', 'raw', 'filter', 'nat'];

/** The built-in chains of each table, in the order iptables-save prints them (iptables/nft-chain.c builtin tables). */
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly NfHook[]>> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface Counters {
  packets: number;
  bytes: number;
}

/** `-s` / `-d`: address and netmask (host bits already cleared, as the kernel stores them). */
export interface AddrFilter {
  addr: number;
  mask: number;
  invert: boolean;
}

/** `-i` / `-o`: a trailing `+` matches every name with that prefix. */
export interface IfaceFilter {
  name: string;
  invert: boolean;
}

/** struct ipt_ip: what every rule checks before its matches (ip_packet_match()). */
export interface RuleBasics {
  src: AddrFilter | null;
  dst: AddrFilter | null;
  in: IfaceFilter | null;
  out: IfaceFilter | null;
  /** protocol number, 0 = any */
  proto: number;
  protoInvert: boolean;
  /** `-f`: non-first fragments only; `! -f`: first fragments and unfragmented packets */
  fragment: { invert: boolean } | null;
}

export type RuleTarget =
  | { kind: 'none' }
  | { kind: 'module'; target: Target }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string };

export interface Rule {
  basics: RuleBasics;
  matches: readonly Match[];
  target: RuleTarget;
  counters: Counters;
  /** The words of the rule as written (raw, quotes kept), after `-A CHAIN`; absent for rules built in code. */
  source?: readonly string[];
}

export interface Chain {
  name: string;
  /** The hook of a built-in chain, null for user chains. */
  hook: NfHook | null;
  /** Built-in chains only. */
  policy: Policy | null;
  counters: Counters;
  rules: Rule[];
}

export interface Table {
  name: TableName;
  chains: Map<string, Chain>;
  /**
   * The base chains the kernel's table holds, by name, in the order it holds them: the order iptables-nft created
   * them, each when a line first named it (a rule, `-F CHAIN`, `-P`, a `:CHAIN` line; not `-F` or `-Z` of every
   * chain), as nf_tables_newchain() appends to table->chains; nf_tables_validate() walks them in that order
   * (table-validate.ts baseChains()). `-X` with no chain deletes an idle one (restore-apply.ts dropIdleBaseChains()),
   * while iptables-save still prints it. Absent for a table no restore made: the map's order. Only a restore's own
   * table is changed, before its COMMIT.
   */
  kernelOrder?: string[];
}

/** One namespace's iptables state (all five IPv4 tables). */
export interface Ruleset {
  tables: Map<TableName, Table>;
}

export function isTableName(name: string): name is TableName {
  return (TABLE_NAMES as readonly string[]).includes(name);
}

export function zeroCounters(): Counters {
  return { packets: 0, bytes: 0 };
}

/**
 * The `[0:0]` of a user chain, one frozen object for every user chain a restore makes or copies so (a full sync
 * makes 80,000): nothing writes a user chain's counters in place (evaluate.ts counts a base chain's policy only;
 * `-Z`, a chain line with counters and cloneTable() give a chain a new object), so none needs its own.
 */
export const USER_CHAIN_ZERO: Counters = Object.freeze({ packets: 0, bytes: 0 }) as Counters;

/** The counters a user chain takes for `c`: the shared USER_CHAIN_ZERO when they are zero, else `c` itself. */
export function userChainCounters(c: Counters): Counters {
  return c.packets === 0 && c.bytes === 0 ? USER_CHAIN_ZERO : c;
}

/**
 * The `[0:0]` of a rule that has counted nothing, one frozen object shared by every such rule a restore makes (a
 * full sync makes 220,000): whatever counts or sets a rule's counters gives the rule a new object (evaluate.ts
 * countRule(), `-Z` and `--counters` in restore-apply.ts / restore-parse.ts, cloneTable()), so a write in place
 * to it is a bug that throws. The kernel's counters of a new rule start at zero too (nft_counter_init()).
 */
export const RULE_ZERO: Counters = Object.freeze({ packets: 0, bytes: 0 }) as Counters;

/** Counters equal to `c` for a rule of its own: the shared RULE_ZERO when they are zero, else a copy. */
export function ruleCounters(c: Counters): Counters {
  const { packets, bytes } = c;
  return packets === 0 && bytes === 0 ? RULE_ZERO : { packets, bytes };
}

/** A table with only its built-in chains, policy ACCEPT, as the kernel registers it. */
export function emptyTable(name: TableName): Table {
  const chains = new Map<string, Chain>();
  for (const hook of BUILTIN_CHAINS[name]) {
    chains.set(hook, { name: hook, hook, policy: 'ACCEPT', counters: zeroCounters(), rules: [] });
  }
  return { name, chains };
}

/**
 * A namespace before any rule is loaded: with the nft backend a table exists only once something creates it
 * (iptables-restore, iptables -t T ...), and a hook without a table accepts.
 */
export function emptyRuleset(): Ruleset {
  return { tables: new Map() };
}

export function userChain(name: string): Chain {
  return { name, hook: null, policy: null, counters: zeroCounters(), rules: [] };
}

export function emptyBasics(): RuleBasics {
  return { src: null, dst: null, in: null, out: null, proto: 0, protoInvert: false, fragment: null };
}

/** A rule of its own sharing `r`'s parse (basics, matches, target, source words) with the given counters. */
export function ruleSharing(r: Rule, counters: Counters): Rule {
  // One literal per case: a `source` added after the literal would go to a property store of its own (V8 gives
  // a literal exactly its own fields), an object more per rule.
  const source = r.source;
  if (source !== undefined) return { basics: r.basics, matches: r.matches, target: r.target, counters, source };
  return { basics: r.basics, matches: r.matches, target: r.target, counters };
}

/** A deep copy of the chain structure; match and target instances are shared (their state is per rule, as in the kernel). */
export function cloneRuleset(rs: Ruleset): Ruleset {
  const tables = new Map<TableName, Table>();
  for (const [name, t] of rs.tables) tables.set(name, cloneTable(t));
  return { tables };
}

export function cloneTable(t: Table): Table {
  const chains = new Map<string, Chain>();
  for (const [name, c] of t.chains) {
    const copy: Chain = { ...c, counters: { ...c.counters }, rules: c.rules.map((r) => ruleSharing(r, ruleCounters(r.counters))) };
    // The copy's rules have the same parse: it was built from the same lines (restore-chain-source.ts).
    const src = chainSource(c);
    if (src !== undefined) setChainSource(copy, src);
    chains.set(name, copy);
  }
  const copy: Table = { name: t.name, chains };
  if (t.kernelOrder !== undefined) copy.kernelOrder = t.kernelOrder.slice();
  // The same chains and jumps: valid when `t` is (committed-table.ts).
  if (isCommitted(t)) markCommitted(copy);
  return copy;
}

/** Chains in the order iptables-save (nft backend) prints them: built-ins in hook order, then user chains by strcmp(). */
export function chainsInSaveOrder(t: Table): Chain[] {
  const builtins = BUILTIN_CHAINS[t.name].map((h) => t.chains.get(h)).filter((c): c is Chain => c !== undefined);
  const users = [...t.chains.values()].filter((c) => c.hook === null).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...users];
}
