import { describe, expect, it } from 'vitest';
import { answer, echo, ip, req, seeded, tcp, walk } from '../../../test/conntrack/packets.js';
import type { IpPacket } from '../../packet/frame.js';
import { formatEntry, formatTuple } from './print.js';
import { ConntrackTable } from './table.js';
import { view } from './view.js';

describe('formatTuple', () => {
  it('prints ICMP as type, code and id', () => {
    expect(formatTuple({ proto: 1, src: ip('10.0.1.2'), sport: 20115, dst: ip('10.0.2.2'), dport: 8 << 8 })).toBe('src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=20115');
  });

  it('prints addresses only for protocols without ports', () => {
    expect(formatTuple({ proto: 50, src: ip('1.1.1.1'), sport: 0, dst: ip('2.2.2.2'), dport: 0 })).toBe('src=1.1.1.1 dst=2.2.2.2');
  });
});

describe('formatEntry', () => {
  it('pads the protocol name, prints the ct mark and the generic 600 s timeout', () => {
    const t = new ConntrackTable();
    const gre: IpPacket = { ...echo('10.0.1.2', '10.0.2.2', 1), l4: { proto: 'other', number: 50 } };
    const e = walk(t, gre, 0, seeded(1)).ct.entry!;
    e.mark = 0x4000;
    expect(formatEntry(e, 0)).toBe('unknown  50 600 src=10.0.1.2 dst=10.0.2.2 [UNREPLIED] src=10.0.2.2 dst=10.0.1.2 mark=16384 use=1');
  });

  it('prints the example of the brief', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const syn = walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S', { seq: 1 }), 0, rnd, { PREROUTING: req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8080]) });
    walk(t, answer(syn.packet, 'SA', { seq: 50, ack: 2 }), 0, rnd);
    walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'A', { seq: 2, ack: 51 }), 0, rnd);
    expect(formatEntry(syn.ct.entry!, 1000)).toBe(
      'tcp      6 431999 ESTABLISHED src=10.0.1.2 dst=10.96.0.1 sport=40000 dport=80 src=10.244.1.5 dst=10.0.1.2 sport=8080 dport=40000 [ASSURED] mark=0 use=1',
    );
  });
});

describe('view', () => {
  it('gives the matches state, status, tuples, TCP state and seconds left', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const r = walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S', { seq: 1 }), 0, rnd, { PREROUTING: req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8080]) });
    const v = view(r.ct.entry!, 'ORIGINAL', 500);
    expect(v).toMatchObject({ state: 'NEW', direction: 'ORIGINAL', protoState: 'SYN_SENT', timeout: 119, mark: 0 });
    expect([...v.status].sort()).toEqual(['CONFIRMED', 'DNAT', 'DST_NAT_DONE', 'SRC_NAT_DONE']);
    expect(view(r.ct.entry!, 'REPLY', 500).state).toBe('ESTABLISHED');
    expect(view(r.ct.entry!, 'REPLY', 500, 'RELATED').state).toBe('RELATED');
  });
});
