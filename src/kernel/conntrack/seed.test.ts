import { describe, expect, it } from 'vitest';
import { ip, req, seeded, udp, walk } from '../../../test/conntrack/packets.js';
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
