// Loading a sync into a namespace's netfilter through our own iptables-restore (src/kernel/netfilter), with
// --noflush semantics: only the chains kube-proxy declares are flushed and rewritten, so the node's other
// rules (flannel's, the CNI portmap's, kubelet's) stay. The hook jumps go in the way EnsureChain() and
// EnsureRule(Prepend) put them: create a missing chain, insert a missing rule at position 1, else leave it.

import type { RestoreError, RuleParseCache, Ruleset, TableName } from '../../kernel/netfilter/index.js';
import { restore, ruleSpecText } from '../../kernel/netfilter/index.js';
import { CANARY_TABLES, KUBE_PROXY_CANARY } from './hook-jumps.js';
import type { HookJump } from './hook-jumps.js';

export interface ApplyResult {
  ruleset: Ruleset;
  /** Empty when the restore committed; otherwise the sync failed and kube-proxy must do a full sync next. */
  errors: RestoreError[];
}

/** iptables-restore --noflush --counters of one sync's text; `cache`: the node's parses of earlier syncs, to reuse. */
export function applySync(ruleset: Ruleset, text: string, cache?: RuleParseCache): ApplyResult {
  return restore(text, ruleset, { noflush: true, counters: true, ...(cache ? { cache } : {}) });
}

function hasChain(rs: Ruleset, table: TableName, chain: string): boolean {
  return rs.tables.get(table)?.chains.has(chain) ?? false;
}

/** EnsureChain(): `iptables -N` unless it exists. */
export function ensureChain(rs: Ruleset, table: TableName, chain: string): ApplyResult {
  if (hasChain(rs, table, chain)) return { ruleset: rs, errors: [] };
  return restore(`*${table}\n:${chain} - [0:0]\nCOMMIT\n`, rs, { noflush: true });
}

/** The rule `spec` as our rule engine would store it, to compare with what a chain holds (iptables -C). */
function specText(table: TableName, spec: string, target: string): string | null {
  const probe = restore(`*${table}\n:${target} - [0:0]\n:KP-PROBE - [0:0]\n-A KP-PROBE ${spec}\nCOMMIT\n`);
  const rule = probe.ruleset.tables.get(table)?.chains.get('KP-PROBE')?.rules[0];
  return rule ? ruleSpecText(rule) : null;
}

/** EnsureRule(Prepend): `iptables -C || iptables -I CHAIN 1`. */
export function ensureRule(rs: Ruleset, j: HookJump): ApplyResult {
  const want = specText(j.table, j.spec, j.target);
  const chain = rs.tables.get(j.table)?.chains.get(j.chain);
  if (want !== null && chain && chain.rules.some((r) => ruleSpecText(r) === want)) return { ruleset: rs, errors: [] };
  return restore(`*${j.table}\n-I ${j.chain} 1 ${j.spec}\nCOMMIT\n`, rs, { noflush: true });
}

/** The full-sync prelude: the canary chains, then each jump's chain and the jump itself. */
export function applyHookJumps(ruleset: Ruleset, jumps: readonly HookJump[]): ApplyResult {
  let rs = ruleset;
  const errors: RestoreError[] = [];
  const step = (r: ApplyResult): void => {
    rs = r.ruleset;
    for (const e of r.errors) errors.push(e);
  };
  for (const t of CANARY_TABLES) step(ensureChain(rs, t, KUBE_PROXY_CANARY));
  for (const j of jumps) {
    step(ensureChain(rs, j.table, j.target));
    step(ensureRule(rs, j));
  }
  return { ruleset: rs, errors };
}

/** ipt.Monitor(): the canary is gone from some table, so the rules were flushed behind kube-proxy's back. */
export function canaryLost(ruleset: Ruleset): boolean {
  return CANARY_TABLES.some((t) => !hasChain(ruleset, t, KUBE_PROXY_CANARY));
}

/**
 * The nat chains present now (what kube-proxy reads with iptables-save -t nat for the stale-chain clean-up), read
 * when iterated: kube-proxy runs that iptables-save only for a clean-up, which in large-cluster mode is at most
 * once per syncPeriod (proxier.go syncProxyRules). The ruleset is never changed in place (a restore makes a new
 * one), so the names are those of the moment of the call.
 */
export function natChainNames(ruleset: Ruleset): Iterable<string> {
  const chains = ruleset.tables.get('nat')?.chains;
  return { [Symbol.iterator]: (): Iterator<string> => (chains === undefined ? [][Symbol.iterator]() : chains.keys()) };
}
