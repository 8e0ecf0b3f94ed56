import { describe, expect, it } from 'vitest';
import { tcp } from '../../../test/conntrack/packets.js';
import { ConntrackTable } from './table.js';
import type { CtResolution } from './resolve.js';

const C = '10.0.1.2';
const S = '10.0.2.2';

/** Resolves and confirms, as the hooks do for an accepted packet. */
function pass(t: ConntrackTable, p: ReturnType<typeof tcp>, now = 0): CtResolution {
  const r = t.resolve(p, now);
  if (r.entry) t.confirm(r.entry, now);
  return r;
}

function established(t: ConntrackTable) {
  pass(t, tcp(C, 40000, S, 80, 'S', { seq: 100 }));
  pass(t, tcp(S, 80, C, 40000, 'SA', { seq: 5000, ack: 101 }));
  return pass(t, tcp(C, 40000, S, 80, 'A', { seq: 101, ack: 5001 }));
}

describe('TCP states (tcp_conntracks[][][])', () => {
  it('walks the three-way handshake to ESTABLISHED and ASSURED on the final ACK', () => {
    const t = new ConntrackTable();
    const syn = pass(t, tcp(C, 40000, S, 80, 'S', { seq: 100 }));
    expect([syn.state, syn.entry?.tcp?.state, syn.entry?.status.has('ASSURED')]).toEqual(['NEW', 'SYN_SENT', false]);
    const synack = pass(t, tcp(S, 80, C, 40000, 'SA', { seq: 5000, ack: 101 }));
    expect([synack.state, synack.direction, synack.entry?.tcp?.state, synack.entry?.status.has('SEEN_REPLY')]).toEqual(['ESTABLISHED', 'REPLY', 'SYN_RECV', true]);
    expect(synack.entry?.status.has('ASSURED')).toBe(false);
    const ack = pass(t, tcp(C, 40000, S, 80, 'A', { seq: 101, ack: 5001 }));
    expect([ack.state, ack.entry?.tcp?.state, ack.entry?.status.has('ASSURED')]).toEqual(['ESTABLISHED', 'ESTABLISHED', true]);
  });

  it('keeps a retransmitted SYN of a confirmed, unanswered entry NEW', () => {
    const t = new ConntrackTable();
    pass(t, tcp(C, 40000, S, 80, 'S', { seq: 100 }));
    const again = pass(t, tcp(C, 40000, S, 80, 'S', { seq: 100 }), 1000);
    expect([again.state, again.created]).toEqual(['NEW', false]);
  });

  it('closes: FIN from the client, ACK, FIN from the server, ACK -> TIME_WAIT', () => {
    const t = new ConntrackTable();
    established(t);
    const seq = (r: CtResolution) => r.entry?.tcp?.state;
    expect(seq(pass(t, tcp(C, 40000, S, 80, 'FA', { seq: 101, ack: 5001 })))).toBe('FIN_WAIT');
    expect(seq(pass(t, tcp(S, 80, C, 40000, 'A', { seq: 5001, ack: 102 })))).toBe('CLOSE_WAIT');
    expect(seq(pass(t, tcp(S, 80, C, 40000, 'FA', { seq: 5001, ack: 102 })))).toBe('LAST_ACK');
    expect(seq(pass(t, tcp(C, 40000, S, 80, 'A', { seq: 102, ack: 5002 })))).toBe('TIME_WAIT');
  });

  it('an RST moves an established connection to CLOSE with the 10 s timeout', () => {
    const t = new ConntrackTable();
    established(t);
    const r = pass(t, tcp(S, 80, C, 40000, 'R', { seq: 5001 }), 5);
    expect(r.entry?.tcp?.state).toBe('CLOSE');
    expect(r.entry?.expires).toBe(5 + 10_000);
  });

  it('an RST answering the SYN kills the entry at once (as seen on a real kernel)', () => {
    const t = new ConntrackTable();
    pass(t, tcp(C, 40000, S, 9, 'S', { seq: 100 }));
    const rst = pass(t, tcp(S, 9, C, 40000, 'RA', { seq: 0, ack: 101 }));
    expect(rst.state).toBe('ESTABLISHED');
    expect(rst.entry?.status.has('DYING')).toBe(true);
    expect(t.entries(0)).toEqual([]);
  });

  it('a new SYN reopens a connection in TIME_WAIT as a new entry', () => {
    const t = new ConntrackTable();
    const first = established(t).entry;
    pass(t, tcp(C, 40000, S, 80, 'FA', { seq: 101, ack: 5001 }));
    pass(t, tcp(S, 80, C, 40000, 'FA', { seq: 5001, ack: 102 }));
    pass(t, tcp(C, 40000, S, 80, 'A', { seq: 102, ack: 5002 }));
    const syn = pass(t, tcp(C, 40000, S, 80, 'S', { seq: 90000 }), 1000);
    expect([syn.state, syn.created, syn.entry?.tcp?.state]).toEqual(['NEW', true, 'SYN_SENT']);
    expect(syn.entry).not.toBe(first);
    expect(t.entries(1000)).toHaveLength(1);
  });
});

describe('INVALID (--ctstate INVALID)', () => {
  it('a mid-stream ACK with no entry is picked up with nf_conntrack_tcp_loose=1 (NEW, 300 s)', () => {
    const t = new ConntrackTable();
    const r = pass(t, tcp(C, 40000, S, 80, 'A', { seq: 7, ack: 9 }));
    expect([r.state, r.entry?.tcp?.state, r.entry?.expires]).toEqual(['NEW', 'ESTABLISHED', 300_000]);
  });

  it('is INVALID with nf_conntrack_tcp_loose=0', () => {
    const t = new ConntrackTable({ tcpLoose: false });
    expect(t.resolve(tcp(C, 40000, S, 80, 'A'), 0)).toMatchObject({ state: 'INVALID', reason: 'TCP_NO_PICKUP' });
  });

  it.each([
    ['SYN-ACK', 'SA', 'TCP_INVALID_NEW'],
    ['FIN-ACK', 'FA', 'TCP_INVALID_NEW'],
    ['RST', 'R', 'TCP_INVALID_NEW'],
    ['SYN|FIN', 'SF', 'TCP_INVALID_FLAGS'],
    ['no flags', '', 'TCP_INVALID_FLAGS'],
    ['FIN alone', 'F', 'TCP_INVALID_FLAGS'],
  ])('%s with no entry is INVALID and leaves nothing', (_n, f, reason) => {
    const t = new ConntrackTable();
    const r = t.resolve(tcp(C, 40000, S, 80, f), 0);
    expect(r).toMatchObject({ state: 'INVALID', entry: null, reason });
    expect(t.entries(0)).toEqual([]);
    expect(t.stats.invalid).toBe(1);
  });

  it('a SYN-ACK in the original direction is an invalid state and does not touch the entry', () => {
    const t = new ConntrackTable();
    const e = established(t).entry;
    const before = e?.expires;
    expect(t.resolve(tcp(C, 40000, S, 80, 'SA', { seq: 101, ack: 5001 }), 99)).toMatchObject({ state: 'INVALID', reason: 'TCP_INVALID_STATE' });
    expect(e?.expires).toBe(before);
  });

  it('data beyond the receiver window is INVALID unless nf_conntrack_tcp_be_liberal=1', () => {
    const t = new ConntrackTable();
    established(t);
    const far = tcp(C, 40000, S, 80, 'PA', { seq: 101 + 200000, ack: 5001, len: 100 });
    expect(t.resolve(far, 0)).toMatchObject({ state: 'INVALID', reason: 'TCP_OUT_OF_WINDOW' });
    t.setSysctls({ tcpBeLiberal: true });
    expect(t.resolve(far, 0).state).toBe('ESTABLISHED');
  });

  it('an ACK of data never sent is INVALID', () => {
    const t = new ConntrackTable();
    established(t);
    expect(t.resolve(tcp(C, 40000, S, 80, 'A', { seq: 101, ack: 5001 + 100000 }), 0)).toMatchObject({ state: 'INVALID', reason: 'TCP_OUT_OF_WINDOW' });
  });

  it('in-window data passes and moves the edge', () => {
    const t = new ConntrackTable();
    established(t);
    expect(pass(t, tcp(C, 40000, S, 80, 'PA', { seq: 101, ack: 5001, len: 1000 })).state).toBe('ESTABLISHED');
    expect(pass(t, tcp(S, 80, C, 40000, 'A', { seq: 5001, ack: 1101 })).state).toBe('ESTABLISHED');
  });
});
