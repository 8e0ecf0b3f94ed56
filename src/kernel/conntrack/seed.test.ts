import { describe, expect, it } from 'vitest';
import { answer, ip, req, seeded, tcp, udp, walk } from '../../../test/conntrack/packets.js';
import { parseEntry } from './parse-entry.js';
import type { ConntrackSpec } from './entry-spec.js';
import { formatEntry } from './print.js';
import { ConntrackTable } from './table.js';

function spec(line: string): ConntrackSpec {
  const r = parseEntry(line);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const OLD = 'udp      17 5 src=10.0.1.2 dst=10.96.0.10 sport=40000 dport=53 src=10.0.2.2 dst=10.0.2.1 sport=5353 dport=40000 [ASSURED] mark=0 use=1';

describe('ConntrackTable.seed', () => {
  it('counts the timeout down on the virtual clock and drops the entry when it runs out', () => {
    const t = new ConntrackTable();
    const e = t.seed(spec(OLD), 0);
    expect(formatEntry(e!, 2500)).toContain(' 2 src=');
    expect(t.entries(4999)).toHaveLength(1);
    expect(t.entries(5000)).toHaveLength(0);
  });

  it('steers a packet by its binding while it lives, and lets the nat rule decide once it expired', () => {
    const rule = { PREROUTING: req('dnat', '10.0.3.2', '10.0.3.2', [5353, 5353]) };
    const t = new ConntrackTable();
    t.seed(spec(OLD), 0);
    const early = walk(t, udp('10.0.1.2', 40000, '10.96.0.10', 53), 4000, seeded(1), rule);
    expect(early.ct.state).toBe('ESTABLISHED');
    expect(early.packet.ip.dst).toBe(ip('10.0.2.2'));
    const t2 = new ConntrackTable();
    t2.seed(spec(OLD), 0);
    const late = walk(t2, udp('10.0.1.2', 40000, '10.96.0.10', 53), 5000, seeded(1), rule);
    expect(late.ct.state).toBe('NEW');
    expect(late.packet.ip.dst).toBe(ip('10.0.3.2'));
  });

  it('refreshes a replied UDP entry as a stream at once (stream_ts of a ctnetlink entry is 0)', () => {
    const t = new ConntrackTable();
    const e = t.seed(spec(OLD), 0)!;
    walk(t, udp('10.0.1.2', 40000, '10.96.0.10', 53), 1000, seeded(1));
    expect(formatEntry(e, 1000)).toContain('udp      17 120 ');
    expect(e.status.has('ASSURED')).toBe(true);
  });

  it('refuses an entry holding a tuple of a live one in its zone, not in another zone', () => {
    const t = new ConntrackTable();
    expect(t.seed(spec(OLD), 0)).toBeDefined();
    expect(t.seed(spec(OLD), 0)).toBeUndefined();
    expect(t.seed({ ...spec(OLD), zone: 2 }, 0)).toBeDefined();
    expect(t.entries(0)).toHaveLength(2);
    expect(t.lookup(spec(OLD).orig, 0)?.entry.zone).toBe(0);
    expect(t.lookup(spec(OLD).orig, 0, 2)?.entry.zone).toBe(2);
  });
});

describe('a stated ESTABLISHED TCP entry meeting a new handshake of its four-tuple', () => {
  it('ignores the SYN, resyncs on the SYN-ACK that acknowledges it (SYN_RECV), and is ESTABLISHED after the ACK', () => {
    const t = new ConntrackTable();
    const e = t.seed(spec('tcp      6 3600 ESTABLISHED src=10.0.1.2 dst=10.96.0.10 sport=40010 dport=80 src=10.0.2.2 dst=10.0.2.1 sport=8080 dport=40010 [ASSURED] mark=0 use=1'), 0)!;
    const rnd = seeded(1);
    const syn = walk(t, tcp('10.0.1.2', 40010, '10.96.0.10', 80, 'S', { seq: 1000 }), 10, rnd);
    expect(syn.ct.state).toBe('ESTABLISHED');
    expect(syn.packet.ip.dst).toBe(ip('10.0.2.2'));
    expect(e.tcp?.state).toBe('ESTABLISHED');
    expect(t.stats.ignore).toBe(1);
    // A SYN-ACK that acknowledges something else stays ignored.
    walk(t, answer(syn.packet, 'SA', { seq: 5000, ack: 999 }), 20, rnd);
    expect(e.tcp?.state).toBe('ESTABLISHED');
    walk(t, tcp('10.0.1.2', 40010, '10.96.0.10', 80, 'S', { seq: 1000 }), 25, rnd);
    walk(t, answer(syn.packet, 'SA', { seq: 5000, ack: 1001 }), 30, rnd);
    expect(e.tcp?.state).toBe('SYN_RECV');
    expect(formatEntry(e, 30)).toContain(' 60 SYN_RECV ');
    walk(t, tcp('10.0.1.2', 40010, '10.96.0.10', 80, 'A', { seq: 1001, ack: 5001 }), 40, rnd);
    expect(e.tcp?.state).toBe('ESTABLISHED');
  });
});
