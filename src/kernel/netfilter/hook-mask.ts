// The hooks a rule may be reached from, as a bit mask: the intersection of xt_match.hooks of its matches and
// xt_target.hooks of its target (xt_check_match() / xt_check_target() refuse a rule reached from another hook).

import type { NfHook } from './hooks.js';
import type { Rule } from './ruleset.js';
import { findMatch, findTarget } from './registry.js';

export const HOOK_BIT: Readonly<Record<NfHook, number>> = { PREROUTING: 1, INPUT: 2, FORWARD: 4, OUTPUT: 8, POSTROUTING: 16 };
export const ALL_HOOKS = 31;

function maskOf(hooks: readonly NfHook[] | undefined): number {
  if (hooks === undefined) return ALL_HOOKS;
  let m = 0;
  for (const h of hooks) m |= HOOK_BIT[h];
  return m;
}

/**
 * Masks of the match and target modules by name (the registry is fixed at load): a rule's mask is read from a
 * few entries of these small maps, with no per-rule (or per-match-list) record, so a full sync's 220,000 rules
 * leave nothing behind.
 */
const matchMask = new Map<string, number>();
const targetMask = new Map<string, number>();

function moduleMatchMask(name: string): number {
  let m = matchMask.get(name);
  if (m === undefined) matchMask.set(name, (m = maskOf(findMatch(name)?.hooks)));
  return m;
}

/**
 * The hooks a rule's match and target modules all allow (xt_match.hooks, xt_target.hooks): nft_compat's
 * validate checks them for every base chain that reaches the rule, through jumps too.
 */
export function allowedHooks(r: Rule): number {
  let m = ALL_HOOKS;
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) m &= moduleMatchMask(ms[i].module);
  if (r.target.kind !== 'module') return m;
  const t = r.target.target;
  let tm = targetMask.get(t.name);
  if (tm === undefined) targetMask.set(t.name, (tm = maskOf(findTarget(t.name)?.hooks)));
  return m & tm;
}

/**
 * The hooks a rule's match and target instances allow by their options (Match.hooks, Target.hooks): what their
 * checkentry functions refuse (physdev_mt_check(), addrtype_mt_checkentry_v1(), tcpmss_tg4_check()). nft_compat
 * gives checkentry the hook of a rule's own chain when that is a base chain and 0 otherwise
 * (nft_match_set_mtchk_param()), so these are checked for a rule written in a base chain only: iptables 1.8.9
 * refuses `-A OUTPUT -m physdev --physdev-out eth0` and accepts the same rule in a user chain OUTPUT jumps to.
 */
export function entryHooks(r: Rule): number {
  let m = ALL_HOOKS;
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) {
    const h = ms[i].hooks;
    if (h !== undefined) m &= maskOf(h);
  }
  if (r.target.kind === 'module' && r.target.target.hooks !== undefined) m &= maskOf(r.target.target.hooks);
  return m;
}

/** Whether every rule of `rules`, written in a base chain of `hook`, allows that hook by its options (entryHooks()). */
export function entryHooksAllow(rules: readonly Rule[], hook: NfHook): boolean {
  const bit = HOOK_BIT[hook];
  for (let i = 0; i < rules.length; i++) if ((entryHooks(rules[i]) & bit) === 0) return false;
  return true;
}
