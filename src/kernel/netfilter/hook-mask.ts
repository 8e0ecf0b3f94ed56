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

/** Masks of match lists and targets, which the rules made from one cached parse share (a pure function of each). */
const matchesMask = new WeakMap<object, number>();
const targetMask = new WeakMap<object, number>();

/** The hooks a rule's matches and target all allow. */
export function allowedHooks(r: Rule): number {
  let m = matchesMask.get(r.matches);
  if (m === undefined) {
    m = ALL_HOOKS;
    for (const x of r.matches) m &= maskOf(findMatch(x.module)?.hooks);
    matchesMask.set(r.matches, m);
  }
  if (r.target.kind !== 'module') return m;
  let t = targetMask.get(r.target.target);
  if (t === undefined) {
    t = maskOf(findTarget(r.target.target.name)?.hooks) & maskOf(r.target.target.hooks);
    targetMask.set(r.target.target, t);
  }
  return m & t;
}
