import { describe, expect, it } from 'vitest';
import { StateJournal } from './state-journal.js';

// saveCounters() keeps one record per write (no lookup per write) and rollback() puts them back last to first:
// each counters object must end with the values it had before the run's first write, however often it was written.

function writeAll(journal: StateJournal, counters: { packets: number; bytes: number }[], order: number[]): void {
  for (const i of order) {
    const c = counters[i];
    journal.saveCounters(c);
    c.packets++;
    c.bytes += 100 + i;
  }
}

describe('StateJournal counters', () => {
  it('rolls counters back to their values before the first write, repeats and interleavings included', () => {
    const counters = [0, 1, 2, 3].map((i) => ({ packets: i * 10, bytes: i * 1000 }));
    const original = counters.map((c) => ({ ...c }));
    const journal = new StateJournal();
    for (let run = 0; run < 3; run++) {
      writeAll(journal, counters, [0, 0, 1, 0, 2, 2, 1, 3, 0]);
      expect(counters).not.toEqual(original);
      journal.rollback();
      expect(counters).toEqual(original);
    }
  });

  it('keeps the first values through the compaction of a long run (many more writes than objects)', () => {
    const counters = Array.from({ length: 50 }, (_, i) => ({ packets: i, bytes: 7 * i }));
    const original = counters.map((c) => ({ ...c }));
    const journal = new StateJournal();
    const order: number[] = [];
    for (let k = 0; k < 30_000; k++) order.push((k * 7919) % 50);
    writeAll(journal, counters, order);
    expect(counters[0].packets).toBeGreaterThan(100);
    journal.rollback();
    expect(counters).toEqual(original);
  });

  it('puts back what save() journalled as well as the counters', () => {
    const journal = new StateJournal();
    const holder = { counters: { packets: 0, bytes: 0 } };
    const own = { packets: 1, bytes: 60 };
    holder.counters = own;
    journal.save(own, () => {
      holder.counters = { packets: 0, bytes: 0 };
    });
    journal.saveCounters(own);
    own.packets++;
    journal.rollback();
    expect(holder.counters).toEqual({ packets: 0, bytes: 0 });
  });
});
