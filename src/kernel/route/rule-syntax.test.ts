import { describe, expect, it } from 'vitest';
import { parseRule } from './rule-syntax.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';

const ip = (s: string) => parseIpv4(s)!;

describe('parseRule', () => {
  it('reads a source rule with a numbered table', () => {
    const text = 'from 10.0.3.0/24 lookup 100';
    expect(parseRule(text)).toEqual({
      ok: true,
      value: { text, not: false, from: { addr: ip('10.0.3.0'), len: 24 }, action: 'lookup', table: 100 },
    });
  });

  it('looks up main by default and treats "all" as no selector', () => {
    const r = parseRule('from all to all priority 32000');
    expect(r.ok && r.value).toEqual({ text: 'from all to all priority 32000', not: false, priority: 32000, action: 'lookup', table: 254 });
  });

  it('reads every selector and aliases', () => {
    const r = parseRule('not to 10.1.0.0/16 iif eth0 oif eth1 fwmark 0x4000/0x4000 tos 0x10 pref 100 table local');
    expect(r.ok && r.value).toMatchObject({
      not: true, to: { addr: ip('10.1.0.0'), len: 16 }, iif: 'eth0', oif: 'eth1', fwmark: { value: 0x4000, mask: 0x4000 },
      tos: 0x10, priority: 100, action: 'lookup', table: 255,
    });
    const m = parseRule('fwmark 7 dev eth0 order 5 lookup main');
    expect(m.ok && m.value).toMatchObject({ fwmark: { value: 7, mask: 0xffffffff }, iif: 'eth0', priority: 5, table: 254 });
  });

  it('reads actions without a table', () => {
    const r = parseRule('from 10.9.0.0/16 prohibit');
    expect(r.ok && r.value).toEqual({ text: 'from 10.9.0.0/16 prohibit', not: false, from: { addr: ip('10.9.0.0'), len: 16 }, action: 'prohibit' });
    const t = parseRule('type blackhole');
    expect(t.ok && t.value).toMatchObject({ action: 'blackhole' });
  });

  it('reads tos in hex, as rtnl_dsfield_a2n() does', () => {
    const r = parseRule('tos 10 lookup 1');
    expect(r.ok && r.value).toMatchObject({ tos: 16 });
  });

  it.each([
    ['from 10.0.3.0/24 lookup', 18, 'needs a value'],
    ['from 10.0.3/24 lookup 100', 6, 'not a prefix'],
    ['form 10.0.3.0/24 lookup 100', 1, 'did you mean "from"'],
    ['fwmark 0x4000/zz lookup 1', 8, 'not a firewall mark'],
    ['tos 0x11 lookup 1', 5, 'ECN bits must be 0'],
    ['priority 1 pref 2', 12, 'given twice'],
    ['lookup 100 blackhole', 12, 'one action'],
    ['lookup nowhere', 8, 'not a table'],
    ['from 10.0.0.0/8 goto 5', 17, 'not an ip rule selector'],
  ])('rejects %j at column %i', (text, column, message) => {
    const r = parseRule(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.column).toBe(column);
    }
  });
});
