// Copy-on-write checkpoints of the neighbour table and the fdb: whatever a run does to them, a rollback gives
// back the table saveState() saw, entries and order, while untouched entries are never copied.
import { describe, expect, it } from 'vitest';
import { NeighTable } from '../neigh/neigh-table.js';
import { Fdb } from '../link/fdb.js';
import { KeyedUndo } from './keyed-undo.js';

describe('KeyedUndo', () => {
  it('copies a key once, on its first save, and restores changed, added and removed keys in order', () => {
    const entries = new Map([['a', { v: 1 }], ['b', { v: 2 }], ['c', { v: 3 }]]);
    let copies = 0;
    const undo = new KeyedUndo({ entries, copy: (x: { v: number }) => (copies++, { ...x }) });
    undo.save('a');
    entries.get('a')!.v = 10;
    undo.save('a');
    expect(copies).toBe(1);
    undo.save('d');
    entries.set('d', { v: 4 });
    undo.saveRemoval('b');
    entries.delete('b');
    undo.rollback();
    expect([...entries]).toEqual([['a', { v: 1 }], ['b', { v: 2 }], ['c', { v: 3 }]]);
    expect(copies).toBe(2);
  });
});

describe('neighbour table checkpoint', () => {
  it('entries handed out and changed, created, deleted and flushed come back as they were', () => {
    const t = new NeighTable();
    t.set('eth0', 1, 'aa:aa:aa:aa:aa:01', 'PERMANENT', 0);
    t.set('eth0', 2, 'aa:aa:aa:aa:aa:02', 'REACHABLE', 0);
    t.set('eth1', 3, 'aa:aa:aa:aa:aa:03', 'STALE', 0);
    const before = JSON.stringify(t.saveState());
    t.checkpoint();
    expect(() => t.checkpoint()).toThrow(/already has a checkpoint/);
    t.get('eth0', 2)!.state = 'STALE';
    t.create('eth0', 9, 5);
    t.delete('eth0', 1);
    t.removeWhere((n) => n.dev === 'eth1');
    expect(JSON.stringify(t.saveState())).not.toBe(before);
    t.rollbackCheckpoint();
    expect(JSON.stringify(t.saveState())).toBe(before);
    // A second checkpoint starts clean.
    t.checkpoint();
    t.set('eth0', 2, 'bb:bb:bb:bb:bb:bb', 'REACHABLE', 7);
    t.rollbackCheckpoint();
    expect(JSON.stringify(t.saveState())).toBe(before);
  });
});

describe('fdb checkpoint', () => {
  it('learned, moved, expired-on-lookup and removed entries come back, order included', () => {
    const f = new Fdb(300_000);
    f.add({ mac: '02:00:00:00:00:01', dev: 'p1', local: true, static: false, updated: 0 });
    f.learn('02:00:00:00:00:02', 'p2', 0);
    f.learn('02:00:00:00:00:03', 'p3', 0);
    const before = JSON.stringify(f.saveState());
    f.checkpoint();
    f.learn('02:00:00:00:00:02', 'p9', 10);
    f.learn('02:00:00:00:00:04', 'p4', 10);
    expect(f.lookup('02:00:00:00:00:03', 400_000)).toBeUndefined();
    f.removeWhere((e) => e.dev === 'p1');
    expect(JSON.stringify(f.saveState())).not.toBe(before);
    f.rollbackCheckpoint();
    expect(JSON.stringify(f.saveState())).toBe(before);
  });
});

describe('one checkpoint at a time, and no whole-table write inside one', () => {
  it('a second checkpoint and a restoreState during one are invariant errors; after the rollback both work', () => {
    const f = new Fdb(300_000);
    f.learn('02:00:00:00:00:02', 'p2', 0);
    const saved = f.saveState();
    f.checkpoint();
    expect(() => f.checkpoint()).toThrow('invariant: the fdb already has a checkpoint');
    expect(() => f.restoreState(saved)).toThrow('invariant: the fdb is restored whole while a checkpoint is open');
    f.rollbackCheckpoint();
    f.restoreState(saved);
    f.checkpoint();
    f.rollbackCheckpoint();
    const n = new NeighTable();
    n.checkpoint();
    expect(() => n.restoreState([])).toThrow('invariant: the neighbour table is restored whole while a checkpoint is open');
    n.rollbackCheckpoint();
    n.restoreState([]);
  });
});
