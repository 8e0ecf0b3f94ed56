// `conntrack -D|-F` with conntrack-tools 1.4.7's filters and messages (measured: "0 flow entries have been
// deleted." and exit 1 when nothing matched; protocol options only after -p).
import { describe, expect, it } from 'vitest';
import { answer, tcp, udp } from '../../../test/conntrack/packets.js';
import { parseError, run, toolNetns } from './testing.js';

/** A namespace with a nat table, so conntrack runs, and three confirmed UDP/TCP entries. */
function withEntries() {
  const n = toolNetns({ iptables: '*nat\nCOMMIT\n' });
  const t = n.nf!.conntrack;
  const dns = udp('10.0.1.2', 5000, '10.0.2.2', 53);
  t.confirm(t.resolve(dns, 0).entry!, 0);
  t.resolve(answer(dns), 1);
  t.confirm(t.resolve(udp('10.0.1.2', 5001, '10.0.3.3', 53), 0).entry!, 0);
  t.confirm(t.resolve(tcp('10.0.1.2', 40000, '10.0.2.2', 80, 'S'), 0).entry!, 0);
  return n;
}

describe('conntrack -D', () => {
  it('deletes every entry the filters match', () => {
    const n = withEntries();
    expect(run(n, 'conntrack -D -p udp --dport 53 -d 10.0.2.2', 10)).toEqual([]);
    expect(n.nf!.conntrack.entries(10).map((e) => e.orig.dport)).toEqual([53, 80]);
    expect(run(n, 'conntrack -D --orig-dst 10.0.3.0/24', 10)).toEqual([]);
    expect(n.nf!.conntrack.entries(10).map((e) => e.orig.dport)).toEqual([80]);
  });

  it('fails with the tool\'s message when nothing matched', () => {
    const n = withEntries();
    expect(run(n, 'conntrack -D -p tcp --state ESTABLISHED', 10)).toEqual(['conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.']);
    expect(run(n, 'conntrack -D -p tcp --state SYN_SENT', 10)).toEqual([]);
    expect(run(toolNetns(), 'conntrack -D', 0)).toEqual(['conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.']);
  });

  it('filters by reply tuple, status, mark and zone', () => {
    const n = withEntries();
    expect(run(n, 'conntrack -D -r 10.0.2.2 -u SEEN_REPLY', 10)).toEqual([]);
    expect(n.nf!.conntrack.entries(10)).toHaveLength(2);
    expect(run(n, 'conntrack -D -m 1/1', 10)).toHaveLength(1);
    expect(run(n, 'conntrack -D -w 1', 10)).toHaveLength(1);
    expect(run(n, 'conntrack -D -w 0', 10)).toEqual([]);
    expect(n.nf!.conntrack.entries(10)).toEqual([]);
  });

  it('-F empties the table', () => {
    const n = withEntries();
    expect(run(n, 'conntrack -F', 10)).toEqual([]);
    expect(n.nf!.conntrack.entries(10)).toEqual([]);
  });

  it('locates parse errors: protocol options need -p first', () => {
    expect(parseError('conntrack -D --dport 53')).toBe("14: conntrack v1.4.7 (conntrack-tools): unknown option `--dport'");
    expect(parseError('conntrack -D -p udp --state ESTABLISHED')).toBe("21: conntrack v1.4.7 (conntrack-tools): unknown option `--state'");
    expect(parseError('conntrack -D -p tcp --state FOO')).toBe("29: conntrack v1.4.7 (conntrack-tools): unknown TCP state `FOO'");
    expect(parseError('conntrack -D -s 10.0.1')).toBe("17: conntrack v1.4.7 (conntrack-tools): Bad address `10.0.1'");
  });
});
