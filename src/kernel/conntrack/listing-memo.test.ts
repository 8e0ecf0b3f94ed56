import { describe, expect, it } from 'vitest';
import { answer, udp } from '../../../test/conntrack/packets.js';
import { formatEntry, formatTuple, listingOf } from './print.js';
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

  it('entryLine() and tupleText() print as formatEntry() and formatTuple() through every change, status names sorted', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const e = t.resolve(q, 0).entry!;
    expect(t.entryLine(e, 0)).toBe(formatEntry(e, 0));
    expect(t.tupleText(e.orig)).toBe(formatTuple(e.orig));
    expect(t.tupleText(e.orig)).toBe(t.tupleText(e.orig));
    t.confirm(e, 0);
    expect(t.entryLine(e, 0)).toBe(formatEntry(e, 0));
    t.resolve(answer(q), 1000);
    t.resolve(q, 2000);
    t.resolve(answer(q), 2000);
    expect(t.entryLine(e, 2000)).toBe(formatEntry(e, 2000));
    expect(t.entryLine(e, 2000)).not.toContain('[UNREPLIED]');
    expect(t.listing(2000)[0].status).toEqual([...e.status].sort());
    expect(t.listing(2000)[0].status.length).toBeGreaterThan(1);
    t.setMark(e, 3);
    expect(t.entryLine(e, 2500)).toBe(formatEntry(e, 2500));
    const other = t.resolve(udp('10.0.0.9', 4000, '10.0.0.2', 53), 3000).entry!;
    expect(t.tupleText(other.orig)).toBe('src=10.0.0.9 dst=10.0.0.2 sport=4000 dport=53');
    expect(t.tupleText(other.reply)).toBe(formatTuple(other.reply));
  });
});
