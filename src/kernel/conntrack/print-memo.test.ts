import { describe, expect, it } from 'vitest';
import { answer, req, seeded, tcp, udp } from '../../../test/conntrack/packets.js';
import { natHook } from './nat-hook.js';
import { formatEntry, listingOf, printEntry } from './print.js';
import { ConntrackTable } from './table.js';

// ConntrackTable.printed() keeps each entry's last `conntrack -L` line by id and gives it back while every input
// it printed is the same. Every change an entry can go through must print anew, as a table built fresh prints it.

/** The same connections replayed into a table that never printed anything. */
function freshLines(build: (t: ConntrackTable) => void, now: number): string[] {
  const t = new ConntrackTable();
  build(t);
  return t.entries(now).map((e) => formatEntry(e, now));
}

describe('conntrack lines kept per entry', () => {
  it('print every change: the reply, the NAT reply tuple, the mark, the time left, the TCP state', () => {
    const t = new ConntrackTable();
    const q = tcp('10.0.0.1', 4000, '10.96.0.10', 80, 'S');
    const ct = t.resolve(q, 0);
    const d = ct.entry!;
    const unNatted = t.printed(d, 0).line;
    expect(unNatted).toBe(formatEntry(d, 0));
    const r = natHook(t, ct, 'PREROUTING', q, seeded(1), 0, () => req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8080]));
    if (r.verdict === 'DROP') throw new Error(`unexpected ${r.reason}`);
    natHook(t, ct, 'POSTROUTING', r.packet, seeded(1), 0, () => null);
    t.confirm(d, 0);
    const natted = t.printed(d, 0).line;
    expect(natted).toContain('src=10.244.1.5');
    expect(natted).not.toBe(unNatted);
    expect(natted).toBe(formatEntry(d, 0));
    const w = { packet: r.packet };
    const syn = t.printed(d, 5).line;
    t.resolve(answer(w.packet, 'SA'), 5);
    expect(t.printed(d, 5).line).toBe(formatEntry(d, 5));
    expect(t.printed(d, 5).line).not.toContain('[UNREPLIED]');
    expect(t.printed(d, 5).line).not.toBe(syn);
    t.setMark(d, 9);
    expect(t.printed(d, 5).line).toContain('mark=9');
    expect(t.printed(d, 50_000).line).toBe(formatEntry(d, 50_000));
    expect(t.listing(50_000).map((r) => r.line)).toEqual([formatEntry(d, 50_000)]);
  });

  it('an id given again after a rollback prints its own connection, as a fresh table does', () => {
    const t = new ConntrackTable();
    for (let run = 0; run < 4; run++) {
      t.checkpoint();
      // Every run's connection gets id 1; runs 0 and 1 are the same connection, 2 and 3 other ports.
      const sport = run < 2 ? 5000 : 5000 + run;
      const build = (x: ConntrackTable) => {
        const q = udp('10.0.0.1', sport, '10.0.0.2', 53);
        x.confirm(x.resolve(q, 0).entry!, 0);
        if (run === 3) x.resolve(answer(q), 0);
      };
      build(t);
      const [e] = t.entries(0);
      expect(e.id).toBe(1);
      expect([t.printed(e, 0).line]).toEqual(freshLines(build, 0));
      expect(t.listing(0).map((r) => r.line)).toEqual(freshLines(build, 0));
      expect(t.listing(0)).toEqual(t.entries(0).map((x) => listingOf(x, 0)));
      t.rollbackCheckpoint();
    }
  });

  it('reuses a print only when each printed input is equal, tuple texts when only the tuple is', () => {
    const t = new ConntrackTable();
    const a = t.resolve(udp('10.0.0.1', 4000, '10.0.0.2', 53), 0).entry!;
    const b = t.resolve(udp('10.0.0.1', 4000, '10.0.0.2', 53), 0).entry!;
    const pa = printEntry(a, 0, undefined);
    // Another entry object with the same values prints the same: given back whole.
    expect(printEntry(b, 0, pa)).toBe(pa);
    // One second less left: a new line, the same tuple texts.
    const later = printEntry(a, 1000, pa);
    expect(later).not.toBe(pa);
    expect(later.line).toBe(formatEntry(a, 1000));
    expect(later.origText).toBe(pa.origText);
    const c = t.resolve(udp('10.0.0.1', 4001, '10.0.0.2', 53), 0).entry!;
    expect(printEntry(c, 0, pa).line).toBe(formatEntry(c, 0));
  });

  it('a run on the same ports again goes through the same states: each print is the last run\'s, and right', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    // Six states per run (more than the prints kept per id): new, confirmed at two times, replied at three.
    const run = (): { line: string; fresh: string; print: object }[] => {
      t.checkpoint();
      const out: { line: string; fresh: string; print: object }[] = [];
      const note = (e: Parameters<typeof formatEntry>[0], now: number) => {
        const p = t.printed(e, now);
        out.push({ line: p.line, fresh: formatEntry(e, now), print: p });
      };
      const e = t.resolve(q, 0).entry!;
      note(e, 0);
      t.confirm(e, 0);
      note(e, 1000);
      note(e, 2000);
      t.resolve(answer(q), 2000);
      for (const now of [2000, 3000, 4000]) note(e, now);
      t.rollbackCheckpoint();
      return out;
    };
    const first = run();
    const second = run();
    for (const r of [...first, ...second]) expect(r.line).toBe(r.fresh);
    expect(second.map((r) => r.line)).toEqual(first.map((r) => r.line));
    expect(new Set(first.map((r) => r.line)).size).toBe(6);
  });

  it('a run through no more states than the prints kept per id reuses every print of the last run', () => {
    const t = new ConntrackTable();
    const q = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const run = (): object[] => {
      t.checkpoint();
      const e = t.resolve(q, 0).entry!;
      const prints: object[] = [t.printed(e, 0)];
      t.confirm(e, 0);
      t.resolve(answer(q), 0);
      prints.push(t.printed(e, 0), t.printed(e, 1500));
      t.rollbackCheckpoint();
      return prints;
    };
    const first = run();
    const second = run();
    expect(new Set(first).size).toBe(3);
    second.forEach((p, i) => expect(p).toBe(first[i]));
  });
});
