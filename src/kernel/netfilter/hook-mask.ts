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

/** The hooks a rule's matches and target all allow. */
export function allowedHooks(r: Rule): number {
  let m = ALL_HOOKS;
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) m &= moduleMatchMask(ms[i].module);
  if (r.target.kind !== 'module') return m;
  const t = r.target.target;
  let tm = targetMask.get(t.name);
  if (tm === undefined) targetMask.set(t.name, (tm = maskOf(findTarget(t.name)?.hooks)));
  return t.hooks === undefined ? m & tm : m & tm & maskOf(t.hooks);
}
