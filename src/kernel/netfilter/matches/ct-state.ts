// The state bits that `-m conntrack --ctstate` and `-m state --state` test (XT_CONNTRACK_STATE_* in
// include/uapi/linux/netfilter/xt_conntrack.h), computed as conntrack_mt() / state_mt() do.

import type { NfPacketContext } from '../context.js';

export const STATE_INVALID = 1 << 0;
export const STATE_ESTABLISHED = 1 << 1;
export const STATE_RELATED = 1 << 2;
export const STATE_NEW = 1 << 3;
export const STATE_UNTRACKED = 1 << 4;
export const STATE_SNAT = 1 << 5;
export const STATE_DNAT = 1 << 6;

/** Names in the order print_state() prints them. */
export const STATE_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['INVALID', STATE_INVALID], ['NEW', STATE_NEW], ['RELATED', STATE_RELATED], ['ESTABLISHED', STATE_ESTABLISHED],
  ['UNTRACKED', STATE_UNTRACKED], ['SNAT', STATE_SNAT], ['DNAT', STATE_DNAT],
];

/** The packet's state bits: no conntrack entry is INVALID; the untracked template is UNTRACKED. */
export function ctStateBits(ctx: NfPacketContext): number {
  const ct = ctx.ct;
  if (ct === null) return STATE_INVALID;
  let bits: number;
  switch (ct.state) {
    case 'NEW': bits = STATE_NEW; break;
    case 'ESTABLISHED': bits = STATE_ESTABLISHED; break;
    case 'RELATED': bits = STATE_RELATED; break;
    case 'INVALID': return STATE_INVALID;
    case 'UNTRACKED': return STATE_UNTRACKED;
  }
  // conntrack_mt(): only the SNAT/DNAT status bits, which a null binding (SRC_NAT_DONE alone) does not set.
  if (ct.status.has('SNAT')) bits |= STATE_SNAT;
  if (ct.status.has('DNAT')) bits |= STATE_DNAT;
  return bits;
}

/** A comma list of state names; `allowed` limits the names (the state match knows no SNAT/DNAT). */
export function parseStateList(text: string, allowed: number): number | undefined {
  let bits = 0;
  for (const name of text.split(',')) {
    const hit = STATE_NAMES.find(([n]) => n === name);
    if (!hit || !(hit[1] & allowed)) return undefined;
    bits |= hit[1];
  }
  return bits;
}

export function formatStateList(bits: number): string {
  return STATE_NAMES.filter(([, b]) => bits & b).map(([n]) => n).join(',');
}
