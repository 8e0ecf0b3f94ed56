import { describe, expect, it } from 'vitest';
import { answer, echo, icmpError, tcp, udp } from '../../../test/conntrack/packets.js';
import { ConntrackTable } from './table.js';
import { formatEntry } from './print.js';

const C = '10.0.1.2';
const S = '10.0.2.2';

describe('confirmation (nf_conntrack_confirm)', () => {
  it('an entry dropped before confirmation leaves nothing: the retransmission is NEW and created again', () => {
    const t = new ConntrackTable();
    const syn = tcp(C, 40000, S, 80, 'S');
    const first = t.resolve(syn, 0);
    expect(first).toMatchObject({ state: 'NEW', created: true });
    // dropped in FORWARD: no confirm
    const retry = t.resolve(syn, 1000);
    expect(retry).toMatchObject({ state: 'NEW', created: true });
    expect(retry.entry).not.toBe(first.entry);
    expect(t.entries(1000)).toEqual([]);
  });

  it('refuses a second entry with a tuple already in the table', () => {
    const t = new ConntrackTable();
    const a = t.resolve(udp(C, 1, S, 2), 0);
    const b = t.resolve(udp(C, 1, S, 2), 0);
    expect(t.confirm(a.entry!, 0).ok).toBe(true);
    expect(t.confirm(b.entry!, 0)).toMatchObject({ ok: false, reason: 'CT_INSERT_FAILED' });
    expect(t.stats.insert_failed).toBe(1);
    expect(t.confirm(a.entry!, 0).ok).toBe(true);
  });

  it('finds the entry by either direction', () => {
    const t = new ConntrackTable();
    const q = udp(C, 5000, S, 53);
    t.confirm(t.resolve(q, 0).entry!, 0);
    expect(t.resolve(answer(q), 10)).toMatchObject({ state: 'ESTABLISHED', direction: 'REPLY', created: false });
    expect(t.resolve(q, 20)).toMatchObject({ state: 'ESTABLISHED', direction: 'ORIGINAL' });
  });
});

describe('timeouts on the virtual clock', () => {
  it('UDP: 30 s unreplied, still 30 s after a quick answer, 120 s and ASSURED once traffic goes on after 2 s', () => {
    const t = new ConntrackTable();
    const q = udp(C, 5000, S, 53);
    const e = t.resolve(q, 0).entry!;
    t.confirm(e, 0);
    expect(e.expires).toBe(30_000);
    t.resolve(answer(q), 100);
    expect([e.expires, e.status.has('ASSURED'), e.status.has('SEEN_REPLY')]).toEqual([30_100, false, true]);
    t.resolve(q, 1500);
    expect([e.expires, e.status.has('ASSURED')]).toEqual([31_500, false]);
    t.resolve(q, 2500);
    expect([e.expires, e.status.has('ASSURED')]).toEqual([122_500, true]);
  });

  it('expires on lookup: the next packet after the timeout is NEW again', () => {
    const t = new ConntrackTable();
    const q = udp(C, 5000, S, 53);
    t.confirm(t.resolve(q, 0).entry!, 0);
    expect(t.resolve(q, 29_999).created).toBe(false);
    expect(t.resolve(q, 29_999 + 30_000)).toMatchObject({ state: 'NEW', created: true });
  });

  it('gc(now) removes what has expired', () => {
    const t = new ConntrackTable();
    t.confirm(t.resolve(udp(C, 1, S, 2), 0).entry!, 0);
    t.confirm(t.resolve(echo(C, S, 9), 0).entry!, 0);
    t.confirm(t.resolve(tcp(C, 40000, S, 80, 'S'), 0).entry!, 0);
    expect(t.gc(29_999)).toBe(0);
    expect(t.gc(30_000)).toBe(2);
    expect(t.entries(30_000).map((e) => e.orig.proto)).toEqual([6]);
    expect(t.gc(120_000)).toBe(1);
  });

  it('TCP uses the per-state timeouts: SYN_SENT 120 s, SYN_RECV 60 s, ESTABLISHED 432000 s, TIME_WAIT 120 s', () => {
    const t = new ConntrackTable();
    const e = t.resolve(tcp(C, 40000, S, 80, 'S', { seq: 1 }), 0).entry!;
    t.confirm(e, 0);
    expect(e.expires).toBe(120_000);
    t.resolve(tcp(S, 80, C, 40000, 'SA', { seq: 9, ack: 2 }), 1);
    expect(e.expires).toBe(1 + 60_000);
    t.resolve(tcp(C, 40000, S, 80, 'A', { seq: 2, ack: 10 }), 2);
    expect(e.expires).toBe(2 + 432_000_000);
    t.resolve(tcp(C, 40000, S, 80, 'FA', { seq: 2, ack: 10 }), 3);
    t.resolve(tcp(S, 80, C, 40000, 'FA', { seq: 10, ack: 3 }), 4);
    t.resolve(tcp(C, 40000, S, 80, 'A', { seq: 3, ack: 11 }), 5);
    expect([e.tcp?.state, e.expires]).toEqual(['TIME_WAIT', 5 + 120_000]);
  });

  it('takes timeouts from the configuration', () => {
    const t = new ConntrackTable({ timeouts: { udp: 5 } });
    const e = t.resolve(udp(C, 1, S, 2), 0).entry!;
    expect(e.expires).toBe(5_000);
    expect(t.config.timeouts.icmp).toBe(30);
  });
});

describe('ICMP', () => {
  it('tracks echo request and reply by id, 30 s, never ASSURED', () => {
    const t = new ConntrackTable();
    const ping = echo(C, S, 20115);
    const e = t.resolve(ping, 0).entry!;
    t.confirm(e, 0);
    expect(t.resolve(answer(ping), 10)).toMatchObject({ state: 'ESTABLISHED', direction: 'REPLY' });
    expect([e.expires, e.status.has('ASSURED')]).toEqual([30_010, false]);
  });

  it('an echo reply with no request is INVALID', () => {
    expect(new ConntrackTable().resolve(echo(S, C, 3, 1, true), 0)).toMatchObject({ state: 'INVALID', reason: 'ICMP_INVALID_NEW' });
  });

  it('an error quoting a tracked packet is RELATED, in the direction of the error, and sets no SEEN_REPLY', () => {
    const t = new ConntrackTable();
    const q = udp(C, 40002, S, 54);
    const e = t.resolve(q, 0).entry!;
    t.confirm(e, 0);
    const unreach = icmpError(S, C, 3, 3, q);
    expect(t.resolve(unreach, 5)).toMatchObject({ state: 'RELATED', direction: 'REPLY', entry: e });
    expect(e.status.has('SEEN_REPLY')).toBe(false);
    expect(e.expires).toBe(30_000);
  });

  it('an error for a flow with no entry is INVALID (KUBE-FORWARD drops it)', () => {
    const t = new ConntrackTable();
    expect(t.resolve(icmpError(S, C, 3, 1, udp(C, 1, S, 2)), 0)).toMatchObject({ state: 'INVALID', reason: 'ICMP_ERROR_NO_MATCH' });
  });
});

describe('checkpoint (copy on first change)', () => {
  it('a run that resolves, confirms, answers and deletes is undone whole; the next checkpoint starts clean', () => {
    const t = new ConntrackTable();
    const first = t.resolve(udp('10.0.0.1', 1000, '10.0.0.2', 53), 0);
    t.confirm(first.entry!, 0);
    const before = JSON.stringify(t.saveState(), (_k, v: unknown) => (v instanceof Set ? [...v] : v));
    const state = (): string => JSON.stringify(t.saveState(), (_k, v: unknown) => (v instanceof Set ? [...v] : v));
    t.checkpoint();
    expect(() => t.checkpoint()).toThrow(/already has a checkpoint/);
    const q = udp('10.0.0.3', 2000, '10.0.0.2', 53);
    const r = t.resolve(q, 10);
    t.confirm(r.entry!, 10);
    t.resolve(answer(udp('10.0.0.1', 1000, '10.0.0.2', 53)), 20);
    t.delete(first.entry!);
    expect(state()).not.toBe(before);
    t.rollbackCheckpoint();
    expect(state()).toBe(before);
    expect(t.entries(30)).toHaveLength(1);
    t.checkpoint();
    t.rollbackCheckpoint();
    expect(state()).toBe(before);
  });
});

describe('listing() memo', () => {
  const lines = (t: ConntrackTable, now: number): string[] => t.listing(now).map((r) => `${r.state} ${r.status.join(',')} ${r.line}`);
  const fresh = (t: ConntrackTable, now: number): string[] =>
    t.entries(now).map((e) => `${e.status.has('SEEN_REPLY') ? 'REPLIED' : 'UNREPLIED'} ${[...e.status].sort().join(',')} ${formatEntry(e, now)}`);

  it('follows every change: a reply, a new entry, a time, a delete, a rollback, a second run on the same checkpointed state', () => {
    const t = new ConntrackTable();
    const q = udp(C, 1000, S, 53);
    t.confirm(t.resolve(q, 0).entry!, 0);
    const at0 = t.listing(0);
    expect(lines(t, 0)).toEqual(fresh(t, 0));
    expect(t.listing(0)).toBe(at0);
    // Another time: seconds left change.
    expect(lines(t, 5000)).toEqual(fresh(t, 5000));
    expect(t.listing(5000)[0].line).not.toBe(at0[0].line);
    // A reply in place on the same entry object.
    t.resolve(answer(q), 5000);
    expect(lines(t, 5000)).toEqual(fresh(t, 5000));
    expect(t.listing(5000)[0].state).toBe('REPLIED');
    // Two runs on a checkpoint, each rolled back: each sees its own changes, then the state before.
    const before = lines(t, 6000);
    for (let run = 0; run < 2; run++) {
      t.checkpoint();
      const r = t.resolve(udp(C, 2000 + run, S, 53), 6000);
      t.confirm(r.entry!, 6000);
      t.resolve(answer(q), 6000);
      expect(lines(t, 6000)).toEqual(fresh(t, 6000));
      expect(t.listing(6000)).toHaveLength(2);
      t.rollbackCheckpoint();
      expect(lines(t, 6000)).toEqual(before);
      expect(lines(t, 6000)).toEqual(fresh(t, 6000));
    }
    t.delete(t.entries(6000)[0]);
    expect(t.listing(6000)).toEqual([]);
  });
  it('a CONNMARK write (setMark) is a change: the listing shows the new mark, and a rollback takes it back', () => {
    const t = new ConntrackTable();
    const q = udp(C, 1000, S, 53);
    t.confirm(t.resolve(q, 0).entry!, 0);
    expect(t.listing(0)[0].line).toContain(' mark=0 ');
    t.checkpoint();
    t.setMark(t.entries(0)[0], 7);
    expect(t.listing(0)[0].line).toContain(' mark=7 ');
    expect(lines(t, 0)).toEqual(fresh(t, 0));
    t.rollbackCheckpoint();
    expect(t.listing(0)[0].line).toContain(' mark=0 ');
  });
});
