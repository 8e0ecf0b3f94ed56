import { describe, expect, it } from 'vitest';
import { NeighTable } from './neigh-table.js';

describe('NeighTable keys', () => {
  it('keeps entries of every (device, address) apart, lists them as dev|addr, and reads them back', () => {
    const t = new NeighTable();
    const pairs: Array<[string, number]> = [['eth0', 0x0a000001], ['eth0', 0x0a000002], ['eth0|', 0x0a000001], ['eth', 0x0a000001], ['eth0', 0xffffffff], ['eth0', 0], ['eth0', 0x7c0a0001]];
    pairs.forEach(([dev, addr], i) => t.set(dev, addr, `02:00:00:00:00:0${i}`, 'PERMANENT', 0));
    for (const [i, [dev, addr]] of pairs.entries()) expect(t.get(dev, addr)?.lladdr).toBe(`02:00:00:00:00:0${i}`);
    expect(t.get('eth1', 0x0a000001)).toBeUndefined();
    const saved = t.saveState();
    expect(saved.map(([k]) => k)).toEqual(pairs.map(([dev, addr]) => `${dev}|${addr}`));
    const u = new NeighTable();
    u.restoreState(saved);
    for (const [i, [dev, addr]] of pairs.entries()) expect(u.get(dev, addr)?.lladdr).toBe(`02:00:00:00:00:0${i}`);
    expect(u.saveState()).toEqual(saved);
    expect(u.delete('eth0', 0x0a000002)).toBe(true);
    expect(u.get('eth0', 0x0a000002)).toBeUndefined();
  });

  it('a rollback puts back an entry changed through get()', () => {
    const t = new NeighTable();
    t.set('eth0', 0x0a000001, '02:00:00:00:00:01', 'REACHABLE', 0);
    t.checkpoint();
    t.get('eth0', 0x0a000001)!.state = 'STALE';
    t.create('eth0', 0x0a000009, 5);
    t.rollbackCheckpoint();
    expect(t.get('eth0', 0x0a000001)?.state).toBe('REACHABLE');
    expect(t.get('eth0', 0x0a000009)).toBeUndefined();
  });
});
