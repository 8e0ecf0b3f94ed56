// Linux: nf_nat_inet_fn(), the body of every nat hook (nf_nat_ipv4_pre_routing, _local_fn, _local_in,
// _out): walk the nat chain only for a connection's first packet, bind it (or bind it to itself), then
// rewrite the packet from the binding.

import type { IpPacket } from '../../packet/frame.js';
import { allocNullBinding, natInitialized, setupNat, type NatSetupResult } from './nat.js';
import { manipOfHook, manipOfRequest, type NatHookName, type NatRequest } from './nat-request.js';
import { translate, type NatTranslation } from './nat-translate.js';
import type { RandomSource } from './nat-unique.js';
import type { CtResolution } from './resolve.js';
import type { ConntrackTable } from './table.js';
import { isIcmpError } from './tuple-of.js';

export type NatHookResult =
  | {
      verdict: 'ACCEPT';
      /** The packet after the hook's NAT (the input itself when nothing changed). */
      packet: IpPacket;
      /** What this packet decided: the rule's binding, a null binding, or null when decided before. */
      setup: (NatSetupResult & { ok: true; rule: NatRequest | null }) | null;
      translation: (NatTranslation & { ok: true }) | null;
    }
  | { verdict: 'DROP'; reason: 'NAT_EXHAUSTED' | 'NAT_ICMP_REDIRECT' };

/**
 * Linux: nf_nat_inet_fn() at `hook`. `walkNatChain` runs the nat table's chain for the hook and returns the
 * NAT its rules ask for (null: no NAT rule matched); it is called only on a connection's first packet,
 * before this manipulation is decided. Packets without a connection (INVALID) pass untouched.
 */
export function natHook(
  table: ConntrackTable,
  ct: CtResolution,
  hook: NatHookName,
  packet: IpPacket,
  random: RandomSource,
  now: number,
  walkNatChain: () => NatRequest | null,
): NatHookResult {
  if (ct.state === 'INVALID') return { verdict: 'ACCEPT', packet, setup: null, translation: null };
  const manip = manipOfHook(hook);
  const { entry, direction } = ct;
  let setup: (NatSetupResult & { ok: true; rule: NatRequest | null }) | null = null;
  const icmpRelated = ct.state === 'RELATED' && isIcmpError(packet);
  if (!icmpRelated && ct.state !== 'ESTABLISHED' && !natInitialized(entry, manip)) {
    const rule = walkNatChain();
    if (rule && manipOfRequest(rule) !== manip) throw new Error(`invariant: ${rule.kind} asked for at ${hook}`);
    const r = rule ? setupNat(table, entry, rule, random, now) : allocNullBinding(table, entry, manip, random, now);
    if (!r.ok) return { verdict: 'DROP', reason: r.reason };
    setup = { ok: true, manip: r.manip, reply: r.reply, kept: r.kept, mangled: r.mangled, clash: r.clash, rule };
  }
  const t = translate(packet, entry, direction, manip);
  if (!t.ok) return { verdict: 'DROP', reason: t.reason };
  return { verdict: 'ACCEPT', packet: t.packet, setup, translation: t };
}
