import { describe, expect, it } from 'vitest';
import { formatAddr6Filter, formatNat6Range, parseIp6tablesSave, parseNat6Range, parseProtocol6 } from './ip6tables-rules.js';

const wrap = (rules: string, table = 'filter'): string => `*${table}\n:KUBE-X - [0:0]\n${rules}\nCOMMIT\n`;

describe('ip6tables-rules', () => {
  it('reads addresses as 128-bit prefixes, host bits cleared, printed as ip6tables-save prints them', () => {
    const { ruleset, errors } = parseIp6tablesSave(wrap('-A INPUT ! -s fd00:10::5/64 -d 2001:DB8::1 -p tcp -m tcp --dport 80:90 -j ACCEPT'));
    expect(errors).toEqual([]);
    const r = ruleset.tables.get('filter')!.get('INPUT')!.rules[0];
    expect(formatAddr6Filter(r.src!)).toBe('fd00:10::/64');
    expect(r.src!.invert).toBe(true);
    expect(formatAddr6Filter(r.dst!)).toBe('2001:db8::1/128');
    expect(r.matches).toEqual([{ kind: 'ports', module: 'tcp', dport: [{ min: 80, max: 90 }], sport: null, dInvert: false, sInvert: false }]);
    expect(r.text).toBe('-A INPUT ! -s fd00:10::5/64 -d 2001:DB8::1 -p tcp -m tcp --dport 80:90 -j ACCEPT');
  });

  it('parses and prints NAT ranges with brackets', () => {
    for (const [text, want] of [['[fd00:10:180::1]:80', '[fd00:10:180::1]:80'], ['fd00::1', 'fd00::1'], ['[fd00::1-fd00::9]:80-90', '[fd00::1-fd00::9]:80-90'], ['[FD00:0::2]', 'fd00::2']]) {
      const r = parseNat6Range(text);
      expect(typeof r, text).toBe('object');
      expect(formatNat6Range(r as Exclude<typeof r, string>)).toBe(want);
    }
    expect(parseNat6Range('[fd00::1:80')).toMatch(/missing '\]'/);
    expect(parseNat6Range('10.0.0.1:80')).toMatch(/Bad IP address/);
  });

  it('knows ipv6-icmp by its names, REJECT by icmp6 types, and DNAT only in nat', () => {
    expect(parseProtocol6('icmpv6')).toBe(58);
    expect(parseProtocol6('ipv6-icmp')).toBe(58);
    const ok = parseIp6tablesSave(wrap('-A INPUT -p icmpv6 -m icmp6 --icmpv6-type echo-request -j REJECT --reject-with adm-prohibited'));
    expect(ok.errors).toEqual([]);
    const r = ok.ruleset.tables.get('filter')!.get('INPUT')!.rules[0];
    expect(r.target).toEqual({ kind: 'reject', with: 'icmp6-adm-prohibited' });
    expect(r.matches).toEqual([{ kind: 'icmp6', type: 128, code: null, invert: false }]);
    expect(parseIp6tablesSave(wrap('-A INPUT -p tcp -j REJECT --reject-with icmp-port-unreachable')).errors).toEqual([
      { line: 3, column: 20, message: 'unknown reject type "icmp-port-unreachable"' },
    ]);
    expect(parseIp6tablesSave(wrap('-A INPUT -p tcp -j DNAT --to-destination [fd00::1]:80')).errors[0]).toMatchObject({ line: 3, column: 20, message: 'DNAT target: only valid in nat table, not filter' });
    expect(parseIp6tablesSave(wrap('-A KUBE-X -j DNAT --to-destination [fd00::1]:80', 'nat')).errors[0].message).toBe('Need TCP, UDP, SCTP or DCCP with port specification');
  });

  it('locates mistakes: IPv4 addresses, unknown chains and modules, a missing COMMIT', () => {
    const at = (rules: string): unknown => parseIp6tablesSave(wrap(rules)).errors[0];
    expect(at('-A INPUT -s 10.0.0.1 -j ACCEPT')).toEqual({ line: 3, column: 13, message: "host/network `10.0.0.1' not found" });
    expect(at('-A INPUT -d fd00::/129 -j ACCEPT')).toEqual({ line: 3, column: 13, message: "invalid mask `129' specified" });
    expect(at('-A NOPE -j ACCEPT')).toEqual({ line: 3, column: 4, message: "Chain 'NOPE' does not exist" });
    expect(at('-A INPUT -j KUBE-Y')).toEqual({ line: 3, column: 13, message: "Couldn't load target `KUBE-Y':No such file or directory" });
    expect((at('-A INPUT -m physdev --physdev-in x -j ACCEPT') as { message: string }).message).toMatch(/^match `physdev' is not modelled/);
    expect(at('-A INPUT --dport 80 -j ACCEPT')).toEqual({ line: 3, column: 10, message: 'unknown option "--dport"' });
    expect(parseIp6tablesSave('*nat\n-A PREROUTING -j ACCEPT\n').errors).toEqual([{ line: 3, message: 'COMMIT expected for the table opened at line 1' }]);
  });

  it('takes ip6tables-restore --noflush input: a chain line flushes, -I inserts', () => {
    const text = `${wrap('-A KUBE-X -j DROP')}*filter\n:KUBE-X - [0:0]\n-A KUBE-X -j RETURN\n-I INPUT 1 -j KUBE-X\n-I INPUT -j ACCEPT\nCOMMIT\n`;
    const { ruleset, errors } = parseIp6tablesSave(text);
    expect(errors).toEqual([]);
    const f = ruleset.tables.get('filter')!;
    expect(f.get('KUBE-X')!.rules.map((r) => r.text)).toEqual(['-A KUBE-X -j RETURN']);
    expect(f.get('INPUT')!.rules.map((r) => r.text)).toEqual(['-A INPUT -j ACCEPT', '-A INPUT -j KUBE-X']);
  });

  it('reads MARK and mark the way libxt_MARK / libxt_mark do', () => {
    const { ruleset, errors } = parseIp6tablesSave(wrap('-A KUBE-X -j MARK --set-mark 0x10/0x30\n-A KUBE-X -m mark ! --mark 0x4000/0x4000 -j MARK --or-mark 0x4000', 'mangle'));
    expect(errors).toEqual([]);
    const rules = ruleset.tables.get('mangle')!.get('KUBE-X')!.rules;
    expect(rules[0].target).toEqual({ kind: 'mark', op: 'xset', value: 0x10, mask: 0x30 });
    expect(rules[1].matches).toEqual([{ kind: 'mark', value: 0x4000, mask: 0x4000, invert: true }]);
    expect(rules[1].target).toEqual({ kind: 'mark', op: 'or', value: 0x4000, mask: 0 });
  });
});
