import { describe, expect, it } from 'vitest';
import { Fdb } from './fdb.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const AGEING = 300_000;

describe('Fdb learning', () => {
  it('learns a MAC on its port, refreshes it there and moves it when it shows up elsewhere', () => {
    const fdb = new Fdb(AGEING);
    expect(fdb.lookup(A, 0)).toBeUndefined();
    expect(fdb.learn(A, 'p1', 0)).toBe('learned');
    expect(fdb.lookup(A, 1)?.dev).toBe('p1');
    expect(fdb.learn(A, 'p1', 10)).toBe('refreshed');
    expect(fdb.learn(A, 'p2', 20)).toBe('moved');
    expect(fdb.lookup(A, 21)?.dev).toBe('p2');
    expect(fdb.lookup(B, 21)).toBeUndefined();
  });

  it('never moves a local entry (a port\'s own address)', () => {
    const fdb = new Fdb(AGEING);
    fdb.add({ mac: A, dev: 'p1', local: true, static: true, updated: 0 });
    expect(fdb.learn(A, 'p2', 5)).toBe('kept');
    expect(fdb.lookup(A, 6)).toMatchObject({ dev: 'p1', local: true });
  });

  it('moves a static entry that is seen on another port, and it stays static (measured: br_fdb_update())', () => {
    const fdb = new Fdb(AGEING);
    fdb.add({ mac: A, dev: 'p2', local: false, static: true, updated: 0 });
    expect(fdb.learn(A, 'p1', 5)).toBe('moved');
    expect(fdb.lookup(A, 10 * AGEING)).toMatchObject({ dev: 'p1', static: true });
  });

  it('learns nothing with ageing_time 0: the bridge always floods', () => {
    const fdb = new Fdb(0);
    expect(fdb.learn(A, 'p1', 0)).toBe('kept');
    expect(fdb.lookup(A, 0)).toBeUndefined();
  });
});

describe('Fdb ageing on the virtual clock', () => {
  it('expires a learned entry once ageing_time has passed since it was last seen (has_expired())', () => {
    const fdb = new Fdb(AGEING);
    fdb.learn(A, 'p1', 1_000);
    expect(fdb.lookup(A, 1_000 + AGEING - 1)?.dev).toBe('p1');
    expect(fdb.lookup(A, 1_000 + AGEING)).toBeUndefined();
  });

  it('counts ageing from the last refresh, not from the first sighting', () => {
    const fdb = new Fdb(AGEING);
    fdb.learn(A, 'p1', 0);
    fdb.learn(A, 'p1', 200_000);
    expect(fdb.lookup(A, 400_000)?.dev).toBe('p1');
    expect(fdb.lookup(A, 500_000)).toBeUndefined();
  });

  it('relearns an expired MAC as new, on whatever port it shows up', () => {
    const fdb = new Fdb(AGEING);
    fdb.learn(A, 'p1', 0);
    expect(fdb.learn(A, 'p2', AGEING)).toBe('learned');
    expect(fdb.lookup(A, AGEING)?.dev).toBe('p2');
  });

  it('never ages static or local entries', () => {
    const fdb = new Fdb(AGEING);
    fdb.add({ mac: A, dev: 'p1', local: false, static: true, updated: 0 });
    fdb.add({ mac: B, dev: 'p2', local: true, static: true, updated: 0 });
    expect(fdb.lookup(A, 100 * AGEING)?.dev).toBe('p1');
    expect(fdb.lookup(B, 100 * AGEING)?.dev).toBe('p2');
  });

  it('lists only live entries, in the order they were added', () => {
    const fdb = new Fdb(AGEING);
    fdb.add({ mac: B, dev: 'p2', local: true, static: true, updated: 0 });
    fdb.learn(A, 'p1', 0);
    expect(fdb.entries(1).map((e) => e.mac)).toEqual([B, A]);
    expect(fdb.entries(AGEING).map((e) => e.mac)).toEqual([B]);
  });
});
