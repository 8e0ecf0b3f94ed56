import { describe, expect, it } from 'vitest';
import { answer, req, seeded, tcp, udp } from '../../../test/conntrack/packets.js';
import { setupNat } from './nat.js';
import { ConntrackTable } from './table.js';

// rollbackCheckpoint() puts the entries that were live back in place (same objects, saved contents) with
// the hash, id and source maps saved beside them; entries made during the run go.
const state = (t: ConntrackTable): string => JSON.stringify(t.saveState(), (_k, v: unknown) => (v instanceof Set ? [...v] : v));

describe('conntrack checkpoint, restored in place', () => {
  it('undoes TCP state, NAT bindings, marks, deletes and new entries, keeping the entry objects', () => {
    const t = new ConntrackTable();
    const syn = tcp('10.0.0.1', 40000, '10.0.0.2', 80, 'S');
    const e = t.resolve(syn, 0).entry!;
    t.confirm(e, 0);
    const s = t.resolve(udp('10.0.0.1', 5000, '10.0.0.9', 53), 0).entry!;
    expect(setupNat(t, s, req('snat', '192.0.2.1'), seeded(1), 0).ok).toBe(true);
    t.confirm(s, 0);
    const before = state(t);
    for (let run = 0; run < 3; run++) {
      t.checkpoint();
      t.resolve(answer(syn, 'SA'), 10);
      t.setMark(e, 7 + run);
      t.delete(s);
      const n = t.resolve(udp('10.0.0.5', 6000 + run, '10.0.0.9', 53), 10).entry!;
      expect(setupNat(t, n, req('snat', '192.0.2.1'), seeded(2), 10).ok).toBe(true);
      t.confirm(n, 10);
      expect(state(t)).not.toBe(before);
      t.rollbackCheckpoint();
      expect(state(t)).toBe(before);
      expect(t.entries(20)).toEqual([e, s]);
      expect(t.entries(20)[0]).toBe(e);
      // The hash finds the restored entry again (inside a checkpoint: resolving an answer changes it).
      t.checkpoint();
      expect(t.resolve(answer(syn, 'SA'), 20)).toMatchObject({ state: 'ESTABLISHED', direction: 'REPLY', entry: e });
      t.rollbackCheckpoint();
      expect(state(t)).toBe(before);
      // bySource still knows the source-NATed entry, and nothing made during the runs.
      expect(t.bySource(s.orig, 20)).toEqual([s]);
      expect(t.bySource({ proto: 17, src: 0x0a000005, sport: 6000 + run, dst: 0x0a000009, dport: 53 }, 20)).toEqual([]);
    }
  });

  it('puts back the counters, the two TCP sysctls and the timeouts a run changed, and keeps the timeouts frozen', () => {
    const t = new ConntrackTable({ timeouts: { udp: 40 } });
    t.confirm(t.resolve(udp('10.0.0.1', 5000, '10.0.0.9', 53), 0).entry!, 0);
    const other = new ConntrackTable({ tcpLoose: false, timeouts: { udp: 10, icmp: 5 } }).saveState();
    const before = state(t);
    t.checkpoint();
    t.resolve(udp('10.0.0.1', 5001, '10.0.0.9', 53), 10);
    t.setSysctls({ tcpLoose: false, tcpBeLiberal: true });
    t.restoreState(other);
    expect(t.config.timeouts.udp).toBe(10);
    t.rollbackCheckpoint();
    expect(state(t)).toBe(before);
    expect(t.config).toMatchObject({ tcpLoose: true, tcpBeLiberal: false, timeouts: { udp: 40, icmp: 30 } });
    expect(Object.isFrozen(t.config.timeouts)).toBe(true);
  });

  it('puts back what a caller wrote to an entry bySource() handed out (ct mark is writable through CtEntry)', () => {
    const t = new ConntrackTable();
    const s = t.resolve(udp('10.0.0.1', 5000, '10.0.0.9', 53), 0).entry!;
    expect(setupNat(t, s, req('snat', '192.0.2.1'), seeded(1), 0).ok).toBe(true);
    t.confirm(s, 0);
    const before = state(t);
    t.checkpoint();
    const [found] = t.bySource(s.orig, 0);
    found.mark = 5;
    t.rollbackCheckpoint();
    expect(state(t)).toBe(before);
  });
});
