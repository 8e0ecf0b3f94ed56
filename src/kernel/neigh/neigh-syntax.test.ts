import { describe, expect, it } from 'vitest';
import { parseNeigh } from './neigh-syntax.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';

describe('parseNeigh', () => {
  it('reads a permanent entry', () => {
    const text = '10.0.2.9 lladdr 02:00:00:00:00:09 dev eth1 nud permanent';
    expect(parseNeigh(text)).toEqual({
      ok: true,
      value: { text, addr: parseIpv4('10.0.2.9'), lladdr: '02:00:00:00:00:09', dev: 'eth1', nud: 'permanent' },
    });
  });

  it('defaults to nud permanent, lower-cases the MAC and accepts "to" and any order', () => {
    const r = parseNeigh('dev eth0 lladdr 02:AA:00:00:00:01 to 10.0.0.7');
    expect(r.ok && r.value).toMatchObject({ addr: parseIpv4('10.0.0.7'), lladdr: '02:aa:00:00:00:01', dev: 'eth0', nud: 'permanent' });
  });

  it('allows a failed entry without an address', () => {
    const r = parseNeigh('10.0.0.7 dev eth0 nud failed');
    expect(r.ok && r.value).toEqual({ text: '10.0.0.7 dev eth0 nud failed', addr: parseIpv4('10.0.0.7'), dev: 'eth0', nud: 'failed' });
  });

  it.each([
    ['10.0.2.9 lladdr 02:00:00:00:00 dev eth1', 17, 'not a MAC address'],
    ['10.0.2.300 lladdr 02:00:00:00:00:09 dev eth1', 1, 'not an IPv4 address'],
    ['10.0.2.9 lladdr 02:00:00:00:00:09', 1, 'Device and destination are required'],
    ['10.0.2.9 lladdr 02:00:00:00:00:09 dev eth1 nud perm', 48, 'not a modelled nud state'],
    ['10.0.2.9 dev eth1', 1, 'No link layer address given'],
    ['10.0.2.9 10.0.2.8 lladdr 02:00:00:00:00:09 dev eth1', 10, 'not a modelled ip neigh keyword'],
    ['10.0.2.9 lladr 02:00:00:00:00:09 dev eth1', 10, 'did you mean "lladdr"'],
  ])('rejects %j at column %i', (text, column, message) => {
    const r = parseNeigh(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.column).toBe(column);
    }
  });
});
