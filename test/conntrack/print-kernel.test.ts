// `conntrack -L` lines compared whole with what a real 6.18 kernel printed for the same flows
// (fixtures/kernel-conntrack-L.txt): the router masquerades the client side and DNATs 10.96.0.1:80.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConntrackTable, formatEntry, formatTable, type CtEntry } from '../../src/kernel/conntrack/index.js';
import type { IpPacket } from '../../src/packet/frame.js';
import { answer, echo, icmpError, req, seeded, tcp, udp, walk } from './packets.js';

const fixture = readFileSync(new URL('./fixtures/kernel-conntrack-L.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [ms, line] = l.split('\t');
    return { ms: Number(ms), line };
  });

const rules = { PREROUTING: req('dnat', '10.0.2.2', '10.0.2.2', [8080, 8080]), POSTROUTING: req('masquerade', '10.0.2.1') };

/** Drives packets through the router: client-side packets get the rules, replies come back. */
function router() {
  const t = new ConntrackTable();
  const rnd = seeded(1);
  const send = (p: IpPacket) => walk(t, p, 0, rnd, p.ip.dst === 0x0a600001 ? { PREROUTING: rules.PREROUTING, POSTROUTING: rules.POSTROUTING } : { POSTROUTING: rules.POSTROUTING });
  const back = (p: IpPacket) => walk(t, p, 0, rnd);
  return { t, send, back };
}

function flows(): CtEntry[] {
  const { t, send, back } = router();
  // 1. TCP through the DNAT, handshake and data
  const syn = send(tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S', { seq: 100 })).packet;
  back(answer(syn, 'SA', { seq: 7000, ack: 101 }));
  send(tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'A', { seq: 101, ack: 7001 }));
  send(tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'PA', { seq: 101, ack: 7001, len: 2 }));
  // 2. a UDP query and its answer
  back(answer(send(udp('10.0.1.2', 40001, '10.0.2.2', 53)).packet));
  // 3. ping
  back(answer(send(echo('10.0.1.2', '10.0.2.2', 20115)).packet));
  // 4. UDP to a closed port: port unreachable is RELATED, the flow stays UNREPLIED
  const q = send(udp('10.0.1.2', 40002, '10.0.2.2', 54)).packet;
  back(icmpError('10.0.2.2', '10.0.2.1', 3, 3, q));
  // 5. a SYN nobody answers
  send(tcp('10.0.1.2', 40020, '10.0.2.2', 9, 'S', { seq: 500 }));
  // 6. handshake, the client closes, the server only ACKs
  const s6 = send(tcp('10.0.1.2', 40021, '10.0.2.2', 8080, 'S', { seq: 900 })).packet;
  back(answer(s6, 'SA', { seq: 3000, ack: 901 }));
  send(tcp('10.0.1.2', 40021, '10.0.2.2', 8080, 'A', { seq: 901, ack: 3001 }));
  send(tcp('10.0.1.2', 40021, '10.0.2.2', 8080, 'FA', { seq: 901, ack: 3001 }));
  back(answer(tcp('10.0.2.1', 40021, '10.0.2.2', 8080, 'A'), 'A', { seq: 3001, ack: 902 }));
  return t.entries(0);
}

describe('conntrack -L as a real kernel prints it', () => {
  const entries = flows();

  it('has one entry per flow', () => {
    expect(entries).toHaveLength(fixture.length);
  });

  it.each(fixture.map((f, i) => [i + 1, f] as const))('flow %i', (i, f) => {
    expect(formatEntry(entries[i - 1], f.ms)).toBe(f.line);
  });

  it('ends the listing with the summary line on stderr', () => {
    expect(formatTable(entries, 0).stderr).toBe('conntrack v1.4.7 (conntrack-tools): 6 flow entries have been shown.\n');
  });
});
