import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answer, req, seeded, tcp, udp } from '../../../test/conntrack/packets.js';
import type { IpPacket } from '../../packet/frame.js';
import type { CtEntry } from './entry.js';
import { setupNat } from './nat.js';
import { ConntrackTable } from './table.js';
import type { Tuple } from './tuple.js';

// A run on a shared World may do anything to a namespace's connection table; rollbackCheckpoint() must leave
// it as the checkpoint found it: the same entries (the same objects, their contents), the same hash (every
// tuple finds its entry, nothing made during the run is found), the same nf_nat_bysource sets, counters,
// sysctls and id counter. Checked by the table's own view of itself after random runs, twice in a row.

type Op =
  | { kind: 'packet'; flow: number; reply: boolean; tcpFlags: string; at: number }
  | { kind: 'snat'; flow: number; at: number }
  | { kind: 'mark'; pick: number; mark: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'gc'; at: number }
  | { kind: 'flush' }
  | { kind: 'sysctl'; loose: boolean };

const FLOWS = 6;

/** Flow `i`: TCP for even i, UDP for odd, from one of two clients (so source NAT sets are shared). */
function flowPacket(i: number, reply: boolean, tcpFlags: string): IpPacket {
  const p = i % 2 === 0 ? tcp(`10.0.0.${1 + (i % 3 === 0 ? 0 : 1)}`, 4000 + i, '10.0.9.9', 80, 'S') : udp(`10.0.0.${1 + (i % 3 === 0 ? 0 : 1)}`, 4000 + i, '10.0.9.9', 53);
  if (!reply) return i % 2 === 0 && tcpFlags !== 'S' ? tcp(p.ip.src, 4000 + i, p.ip.dst, 80, tcpFlags) : p;
  return i % 2 === 0 ? answer(p, tcpFlags === 'S' ? 'SA' : tcpFlags) : answer(p);
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('packet' as const), flow: fc.nat(FLOWS - 1), reply: fc.boolean(), tcpFlags: fc.constantFrom('S', 'A', 'R', 'F'), at: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('snat' as const), flow: fc.nat(FLOWS - 1), at: fc.integer({ min: 0, max: 200_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('mark' as const), pick: fc.nat(20), mark: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gc' as const), at: fc.integer({ min: 0, max: 500_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sysctl' as const), loose: fc.boolean() }) },
);

/** Applies `op`; every entry it resolves goes into `seen`. */
function apply(t: ConntrackTable, op: Op, random: () => number, seen: CtEntry[]): void {
  const pick = (n: number): CtEntry | undefined => {
    const all = t.entries(Number.NEGATIVE_INFINITY);
    return all.length === 0 ? undefined : all[n % all.length];
  };
  switch (op.kind) {
    case 'packet': {
      const r = t.resolve(flowPacket(op.flow, op.reply, op.tcpFlags), op.at);
      if (r.entry !== null) seen.push(r.entry);
      if (r.entry !== null && r.created) t.confirm(r.entry, op.at);
      break;
    }
    case 'snat': {
      const r = t.resolve(flowPacket(op.flow, false, 'S'), op.at);
      if (r.entry === null || !r.created) break;
      seen.push(r.entry);
      setupNat(t, r.entry, req('snat', '192.0.2.1', '192.0.2.2'), random, op.at);
      t.confirm(r.entry, op.at);
      break;
    }
    case 'mark': {
      const e = pick(op.pick);
      if (e) t.setMark(e, op.mark);
      break;
    }
    case 'delete': {
      const e = pick(op.pick);
      if (e) t.delete(e);
      break;
    }
    case 'gc':
      t.gc(op.at);
      break;
    case 'flush':
      t.flush();
      break;
    case 'sysctl':
      t.setSysctls({ tcpLoose: op.loose });
      break;
  }
}

/** What a lookup of `tuple` finds: the entry's id and the direction, or nothing. */
function found(t: ConntrackTable, tuple: Tuple): string {
  const hit = t.lookup(tuple, -1);
  return hit === undefined ? 'none' : `${hit.entry.id} ${hit.direction}`;
}

/** Everything the table shows of itself: its saved state, each entry found again by both tuples, bySource. */
function view(t: ConntrackTable): { state: string; found: boolean[]; bySource: number[][]; listing: string[] } {
  const entries = t.entries(Number.NEGATIVE_INFINITY);
  return {
    state: JSON.stringify(t.saveState(), (_k, v: unknown) => (v instanceof Set ? [...v] : v)),
    found: entries.flatMap((e) => [t.lookup(e.orig, -1)?.entry === e, t.lookup(e.reply, -1)?.entry === e]),
    bySource: entries.map((e) => t.bySource(e.orig, -1).map((s) => s.id)),
    listing: t.listing(0).map((r) => r.line),
  };
}

describe('conntrack checkpoint rollback (property)', () => {
  it('leaves the table as it found it, whatever the run did, run after run', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), fc.array(fc.array(opArb, { maxLength: 12 }), { minLength: 1, maxLength: 3 }), (setup, runs) => {
        const t = new ConntrackTable();
        const random = seeded(7);
        for (const op of setup) apply(t, op, random, []);
        const objects = t.entries(Number.NEGATIVE_INFINITY);
        const before = view(t);
        // The same table rebuilt from its saved state: what every tuple a run reached should find after it.
        const reference = new ConntrackTable();
        reference.restoreState(t.saveState());
        for (const run of runs) {
          const seen: CtEntry[] = [];
          t.checkpoint();
          for (const op of run) apply(t, op, random, seen);
          t.rollbackCheckpoint();
          expect(view(t)).toEqual(before);
          const after = t.entries(Number.NEGATIVE_INFINITY);
          expect(after).toHaveLength(objects.length);
          after.forEach((e, i) => expect(e).toBe(objects[i]));
          for (const e of seen) {
            expect(found(t, e.orig)).toBe(found(reference, e.orig));
            expect(found(t, e.reply)).toBe(found(reference, e.reply));
            expect(t.bySource(e.orig, -1).map((x) => x.id)).toEqual(reference.bySource(e.orig, -1).map((x) => x.id));
          }
        }
      }),
      { numRuns: 400, seed: 0xc7c7 },
    );
  });
});
