import { describe, expect, it } from 'vitest';
import { answer, echo, icmpError, ip, req, seeded, tcp, udp, walk } from '../../../test/conntrack/packets.js';
import { setupNat } from './nat.js';
import { ConntrackTable } from './table.js';
import { headerTuple } from './tuple-of.js';

const NODE = '10.0.2.1';
const masq = req('masquerade', NODE);

describe('source NAT port choice (get_unique_tuple)', () => {
  it('keeps the client port when the tuple is free', () => {
    const t = new ConntrackTable();
    const r = walk(t, tcp('10.0.1.2', 40000, '10.0.2.2', 8080, 'S'), 0, seeded(1), { POSTROUTING: masq });
    expect(headerTuple(r.packet)).toMatchObject({ src: ip(NODE), sport: 40000 });
    expect(r.ct.entry?.status.has('SNAT')).toBe(true);
  });

  it('moves a clashing port to a random one of the same class (1024-65535, 600-1023), as a 6.18 kernel does', () => {
    const t = new ConntrackTable();
    const rnd = seeded(7);
    const ports = (sport: number) =>
      [3, 4, 5, 6].map((h) => headerTuple(walk(t, tcp(`10.0.1.${h}`, sport, '10.0.2.2', 8080, 'S'), 0, rnd, { POSTROUTING: masq }).packet).sport);
    const high = ports(40000);
    expect(high[0]).toBe(40000);
    expect(new Set(high).size).toBe(4);
    for (const p of high.slice(1)) expect(p).toBeGreaterThanOrEqual(1024);
    const low = ports(700);
    expect(low[0]).toBe(700);
    for (const p of low.slice(1)) expect(p >= 600 && p <= 1023).toBe(true);
  });

  it('--random-fully picks a port even when the client port is free', () => {
    const t = new ConntrackTable();
    const r = walk(t, tcp('10.0.1.2', 40000, '10.0.2.2', 8080, 'S'), 0, seeded(3), { POSTROUTING: req('masquerade', NODE, NODE, undefined, { randomFully: true }) });
    expect(headerTuple(r.packet).sport).not.toBe(40000);
  });

  it('reuses the mapping of the same socket towards another peer (find_appropriate_src)', () => {
    const t = new ConntrackTable();
    const rnd = seeded(5);
    walk(t, tcp('10.0.1.9', 40000, '10.0.2.2', 80, 'S'), 0, rnd, { POSTROUTING: masq });
    const moved = walk(t, tcp('10.0.1.2', 40000, '10.0.2.2', 80, 'S'), 0, rnd, { POSTROUTING: masq });
    const port = headerTuple(moved.packet).sport;
    expect(port).not.toBe(40000);
    const again = walk(t, tcp('10.0.1.2', 40000, '10.0.2.3', 80, 'S'), 0, rnd, { POSTROUTING: masq });
    expect(headerTuple(again.packet).sport).toBe(port);
  });

  it('reports NAT_EXHAUSTED when every port of the range is taken', () => {
    const t = new ConntrackTable();
    const rnd = seeded(9);
    const snat = req('snat', NODE, NODE, [5000, 5001]);
    const out = [2, 3, 4].map((h) => walk(t, udp(`10.0.1.${h}`, 999, '10.0.2.2', 53), 0, rnd, { POSTROUTING: snat }).dropped);
    expect(out).toEqual([null, null, 'NAT_EXHAUSTED']);
    expect(t.stats.nat_exhausted).toBe(1);
  });

  it('changes the echo id of a clashing ping', () => {
    const t = new ConntrackTable();
    const rnd = seeded(2);
    const a = walk(t, echo('10.0.1.2', '10.0.2.2', 77), 0, rnd, { POSTROUTING: masq });
    const b = walk(t, echo('10.0.1.3', '10.0.2.2', 77), 0, rnd, { POSTROUTING: masq });
    expect(headerTuple(a.packet).sport).toBe(77);
    expect(headerTuple(b.packet).sport).not.toBe(77);
    const reply = walk(t, answer(b.packet), 1, rnd);
    expect(headerTuple(reply.packet)).toMatchObject({ dst: ip('10.0.1.3'), sport: 77 });
  });
});

describe('destination NAT', () => {
  it('DNATs the original direction and un-DNATs the reply', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const syn = tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S');
    const r = walk(t, syn, 0, rnd, { PREROUTING: req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8080]) });
    expect(headerTuple(r.packet)).toMatchObject({ dst: ip('10.244.1.5'), dport: 8080, src: ip('10.0.1.2'), sport: 40000 });
    expect(r.ct.entry?.status.has('DNAT')).toBe(true);
    const back = walk(t, answer(r.packet, 'SA', { seq: 1, ack: 1001 }), 1, rnd);
    expect(headerTuple(back.packet)).toEqual(headerTuple(answer(syn)));
  });

  it('a DNAT port range starts at its first port (offset 0 for DNAT without --random)', () => {
    const t = new ConntrackTable();
    const r = walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S'), 0, seeded(1), { PREROUTING: req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8090]) });
    expect(headerTuple(r.packet).dport).toBe(8080);
  });

  it('--persistent gives a client the same address whatever the destination', () => {
    const pool = (persistent: boolean) => {
      const t = new ConntrackTable();
      const rnd = seeded(4);
      const snat = req('snat', '192.168.0.1', '192.168.0.200', undefined, { persistent });
      return Array.from({ length: 20 }, (_, i) => headerTuple(walk(t, udp('10.0.1.2', 5000 + i, `10.9.0.${i + 1}`, 53), 0, rnd, { POSTROUTING: snat }).packet).src);
    };
    expect(new Set(pool(true)).size).toBe(1);
    expect(new Set(pool(false)).size).toBeGreaterThan(1);
  });

  it('the null binding moves the source port when a DNATed connection would take a direct one\'s tuple', () => {
    const t = new ConntrackTable();
    const rnd = seeded(8);
    // direct: client -> pod
    walk(t, tcp('10.0.1.2', 40000, '10.244.1.5', 8080, 'S'), 0, rnd);
    // via the VIP, same client port: the DNAT result equals the direct tuple
    const r = walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S'), 0, rnd, { PREROUTING: req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8080]) });
    expect(r.dropped).toBeNull();
    expect(headerTuple(r.packet)).toMatchObject({ dst: ip('10.244.1.5'), dport: 8080 });
    expect(headerTuple(r.packet).sport).not.toBe(40000);
    expect(r.ct.entry?.status.has('SNAT')).toBe(true);
  });
});

describe('the first packet decides', () => {
  it('setupNat on a decided or confirmed entry keeps the binding', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const r = walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S'), 0, rnd, { PREROUTING: req('dnat', '10.244.1.5', '10.244.1.5', [8080, 8080]) });
    const e = r.ct.entry!;
    const reply = { ...e.reply };
    const later = setupNat(t, e, req('dnat', '10.244.9.9', '10.244.9.9', [9999, 9999]), rnd, 1);
    expect(later).toMatchObject({ ok: true, kept: true });
    expect(e.reply).toEqual(reply);
    const again = walk(t, tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S'), 1, rnd, { PREROUTING: req('dnat', '10.244.9.9', '10.244.9.9', [9999, 9999]) });
    expect(headerTuple(again.packet)).toMatchObject({ dst: ip('10.244.1.5'), dport: 8080 });
  });
});

describe('ICMP errors RELATED to a NATed connection (nf_nat_icmp_reply_translation)', () => {
  // The case measured on 6.18: client -> VIP DNATed to 10.0.3.3:8080 and masqueraded; the next router
  // answers host-unreachable from 10.0.2.2. The client sees it from the VIP, quoting its own SYN.
  it('un-NATs the quoted packet and makes the outer header a reply from the original destination', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const syn = tcp('10.0.1.2', 40030, '10.96.0.2', 80, 'S');
    const out = walk(t, syn, 0, rnd, { PREROUTING: req('dnat', '10.0.3.3', '10.0.3.3', [8080, 8080]), POSTROUTING: masq });
    expect(headerTuple(out.packet)).toMatchObject({ src: ip(NODE), dst: ip('10.0.3.3'), dport: 8080 });
    const err = icmpError('10.0.2.2', NODE, 3, 1, out.packet);
    const back = walk(t, err, 1, rnd);
    expect(back.ct.state).toBe('RELATED');
    expect([back.packet.ip.src, back.packet.ip.dst]).toEqual([ip('10.96.0.2'), ip('10.0.1.2')]);
    const inner = back.packet.l4.proto === 'icmp' ? back.packet.l4.quoted : undefined;
    expect(inner && headerTuple(inner)).toEqual(headerTuple(syn));
  });

  it('an error the node itself sends after SNAT reaches the client from the node address', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const q = udp('10.244.0.2', 5000, '8.8.8.8', 53);
    const out = walk(t, q, 0, rnd, { POSTROUTING: req('masquerade', '192.168.56.11') });
    const err = icmpError('192.168.56.11', '192.168.56.11', 3, 1, out.packet);
    const back = walk(t, err, 1, rnd, {}, ['OUTPUT', 'POSTROUTING']);
    expect([back.packet.ip.src, back.packet.ip.dst]).toEqual([ip('192.168.56.11'), ip('10.244.0.2')]);
    const inner = back.packet.l4.proto === 'icmp' ? back.packet.l4.quoted : undefined;
    expect(inner && headerTuple(inner)).toEqual(headerTuple(q));
  });

  it('drops an ICMP redirect about a NATed connection', () => {
    const t = new ConntrackTable();
    const rnd = seeded(1);
    const out = walk(t, udp('10.0.1.2', 5000, '10.0.2.2', 53), 0, rnd, { POSTROUTING: masq });
    expect(walk(t, icmpError('10.0.2.9', NODE, 5, 1, out.packet), 1, rnd).dropped).toBe('NAT_ICMP_REDIRECT');
  });
});
