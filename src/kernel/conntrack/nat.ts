// Linux: nf_nat_setup_info() and nf_nat_alloc_null_binding() in nf_nat_core.c: the NAT binding of a
// connection, decided once per manipulation on its first packet, kept in the reply tuple.

import { isConfirmed, writable, type CtEntry } from './entry.js';
import { manipOfRequest, type NatManip, type NatRequest } from './nat-request.js';
import { getUniqueTuple, type RandomSource } from './nat-unique.js';
import type { ConntrackTable } from './table.js';
import type { Tuple } from './tuple.js';
import { tupleEqual } from './tuple-key.js';
import { invertTuple } from './tuple-of.js';

export type NatSetupResult =
  | {
      ok: true;
      manip: NatManip;
      /** The connection's reply tuple after the setup. */
      reply: Tuple;
      /**
       * The binding was decided before (this manipulation is done, or the entry is confirmed): nothing
       * changed. The first packet decides; a later request is ignored, whatever it asks.
       */
      kept: boolean;
      /** The binding changed the tuple (Linux sets IPS_SRC_NAT / IPS_DST_NAT only then). */
      mangled: boolean;
      /**
       * Destination NAT left a tuple that clashes with a live entry (Linux does too): the source
       * manipulation at POSTROUTING/INPUT picks another source port, or confirm() refuses the entry.
       */
      clash: boolean;
    }
  /** Source NAT found no free tuple in the range: the caller drops the packet; the entry is unchanged. */
  | { ok: false; manip: NatManip; reason: 'NAT_EXHAUSTED' };

/** Linux: nf_nat_initialized(): this manipulation has been decided (IPS_SRC_NAT_DONE / IPS_DST_NAT_DONE). */
export function natInitialized(entry: CtEntry, manip: NatManip): boolean {
  return entry.status.has(manip === 'SRC' ? 'SRC_NAT_DONE' : 'DST_NAT_DONE');
}

/**
 * Linux: nf_nat_setup_info(), called by the DNAT/SNAT/MASQUERADE/REDIRECT targets on the first packet of
 * a connection. Picks a unique tuple in the range (get_unique_tuple()) and rewrites the reply tuple so
 * that answers are recognised. A no-op, reported as `kept`, once the manipulation is done or the entry is
 * confirmed (Linux WARNs and drops there; here the first packet's binding simply stays).
 */
export function setupNat(table: ConntrackTable, entry: CtEntry, request: NatRequest, random: RandomSource, now: number): NatSetupResult {
  const manip = manipOfRequest(request);
  if (natInitialized(entry, manip) || isConfirmed(entry)) return { ok: true, manip, reply: entry.reply, kept: true, mangled: false, clash: false };
  const e = writable(entry);
  const curr = invertTuple(e.reply);
  const { tuple, unique } = getUniqueTuple(table, entry, curr, request, manip, random, now);
  if (!unique && manip === 'SRC') {
    table.stats.nat_exhausted++;
    return { ok: false, manip, reason: 'NAT_EXHAUSTED' };
  }
  const mangled = !tupleEqual(tuple, curr);
  if (mangled) {
    e.reply = invertTuple(tuple);
    e.status.add(manip === 'SRC' ? 'SNAT' : 'DNAT');
  }
  e.status.add(manip === 'SRC' ? 'SRC_NAT_DONE' : 'DST_NAT_DONE');
  return { ok: true, manip, reply: e.reply, kept: false, mangled, clash: !unique };
}

/**
 * Linux: nf_nat_alloc_null_binding(): no nat rule decided this manipulation, so bind the connection to
 * its current address ("let proto decide mapping for per-proto parts"). A source null binding still moves
 * the source port if the tuple clashes, which keeps DNATed and direct connections apart.
 */
export function allocNullBinding(table: ConntrackTable, entry: CtEntry, manip: NatManip, random: RandomSource, now: number): NatSetupResult {
  const addr = manip === 'SRC' ? entry.reply.dst : entry.reply.src;
  const request: NatRequest = { kind: manip === 'SRC' ? 'snat' : 'dnat', addrMin: addr, addrMax: addr, random: false, randomFully: false, persistent: false };
  return setupNat(table, entry, request, random, now);
}
