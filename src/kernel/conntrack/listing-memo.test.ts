import { describe, expect, it } from 'vitest';
import { answer, udp } from '../../../test/conntrack/packets.js';
import { formatEntry, listingOf } from './print.js';
import { ConntrackTable } from './table.js';

// ConntrackTable.listing() keeps each entry's row and reuses it while nothing it prints changed: every
// change must show, and a rolled-back table must list what it held.
const fresh = (t: ConntrackTable, now: number) => t.entries(now).map((e) => listingOf(e, now));

describe('conntrack listing rows kept per entry', () => {
  it('show every change of an entry: its reply (status), its mark, the time left', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const e = t.resolve(q, 0).entry!;
    t.confirm(e, 0);
    expect(t.listing(0)).toEqual(fresh(t, 0));
    const before = t.listing(0)[0].line;
    t.resolve(answer(q), 1000);
    expect(t.listing(1000)).toEqual(fresh(t, 1000));
    expect(t.listing(1000)[0].line).not.toBe(before);
    t.setMark(e, 7);
    expect(t.listing(1000)).toEqual(fresh(t, 1000));
    expect(t.listing(1000)[0].line).toContain('mark=7');
    expect(t.listing(5000)).toEqual(fresh(t, 5000));
  });

  it('after a rollback, lists the table as it was, rows shared with the checkpoint copies included', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    t.confirm(t.resolve(q, 0).entry!, 0);
    const kept = t.listing(0).map((r) => r.line);
    for (let run = 0; run < 3; run++) {
      t.checkpoint();
      t.resolve(answer(q), 10);
      const other = udp('10.0.0.1', 4001 + run, '10.0.0.2', 53);
      t.confirm(t.resolve(other, 10).entry!, 10);
      t.setMark(t.entries(10)[0], 9);
      expect(t.listing(10)).toEqual(fresh(t, 10));
      expect(t.listing(10)).toHaveLength(2);
      t.rollbackCheckpoint();
      expect(t.listing(0).map((r) => r.line)).toEqual(kept);
      expect(t.listing(0)).toEqual(fresh(t, 0));
    }
  });

  it('status names are listed sorted, through every change of the status', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const e = t.resolve(q, 0).entry!;
    t.confirm(e, 0);
    const one = t.listing(0)[0].status;
    expect(one).toEqual([...e.status].sort());
    t.resolve(answer(q), 1000);
    t.resolve(q, 2000);
    t.resolve(answer(q), 2000);
    const more = t.listing(2000)[0].status;
    expect(more).toEqual([...e.status].sort());
    expect(more.length).toBeGreaterThan(one.length);
    expect(t.listing(2000)[0].line).toBe(formatEntry(e, 2000));
  });

  it('shares frozen status names, so a run that records them without a copy cannot change another run', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    t.confirm(t.resolve(q, 0).entry!, 0);
    t.confirm(t.resolve(udp('10.0.0.1', 4001, '10.0.0.2', 53), 0).entry!, 0);
    const [a, b] = t.listing(0);
    expect(a.status).toBe(b.status);
    expect(Object.isFrozen(a.status)).toBe(true);
    expect(() => (a.status as string[]).push('DYING')).toThrow(TypeError);
  });

  it('forgets the rows of entries no longer listed, and prints an entry again when it comes back changed', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const e = t.resolve(q, 0).entry!;
    t.confirm(e, 0);
    const first = t.listing(0)[0];
    // Expired at 40 s: not listed, so its row is not kept; listed again at an earlier time, printed anew.
    expect(t.listing(40_000)).toEqual([]);
    expect(t.listing(0)).toEqual(fresh(t, 0));
    expect(t.listing(0)[0]).not.toBe(first);
    t.checkpoint();
    t.resolve(answer(q), 10);
    expect(t.listing(10)).toEqual(fresh(t, 10));
    t.rollbackCheckpoint();
    expect(t.listing(10)).toEqual(fresh(t, 10));
  });

  it('finds each entry its own row when one in the middle is gone, and prints a status that grew', () => {
    const t = new ConntrackTable();
    const flows = [4000, 4001, 4002, 4003].map((p) => udp('10.0.0.1', p, '10.0.0.2', 53));
    const es = flows.map((q) => t.resolve(q, 0).entry!);
    for (const e of es) t.confirm(e, 0);
    expect(t.listing(0)).toEqual(fresh(t, 0));
    t.delete(es[1]);
    t.setMark(es[2], 3);
    expect(t.listing(0)).toEqual(fresh(t, 0));
    t.resolve(answer(flows[3]), 0);
    expect(t.listing(0)).toEqual(fresh(t, 0));
    expect(t.listing(0)[2].status).toContain('SEEN_REPLY');
  });
});
