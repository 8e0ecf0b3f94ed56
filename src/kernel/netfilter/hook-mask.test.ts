// Hooks a rule may be reached from: its modules' hooks are checked for every base chain that reaches it, its
// options' (a match's or target's checkentry) only when it is written in the base chain itself. Each case was
// measured with iptables 1.8.9 (nf_tables); test/kernel/restore-commands.test.ts compares them with the kernel.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';

function errors(text: string, cache?: RuleParseCache): string[] {
  return restore(text, undefined, cache ? { cache } : {}).errors.map(formatRestoreError);
}

const refused = (line: number, chain: string): RegExp => new RegExp(`^line ${line}:\\d+: RULE_APPEND failed \\(Invalid argument\\): rule in chain ${chain}$`);

describe('hooks a rule allows', () => {
  const cases: Array<[string, string, RegExp | null]> = [
    ['physdev --physdev-out in OUTPUT', '*filter\n-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT\nCOMMIT\n', refused(2, 'OUTPUT')],
    ['physdev ! --physdev-is-out in OUTPUT', '*filter\n-A OUTPUT -m physdev ! --physdev-is-out -j ACCEPT\nCOMMIT\n', refused(2, 'OUTPUT')],
    ['physdev --physdev-out --physdev-is-bridged in OUTPUT', '*filter\n-A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT\nCOMMIT\n', null],
    ['physdev --physdev-out ! --physdev-is-bridged in OUTPUT', '*filter\n-A OUTPUT -m physdev --physdev-out eth0 ! --physdev-is-bridged -j ACCEPT\nCOMMIT\n', refused(2, 'OUTPUT')],
    ['physdev --physdev-in in OUTPUT', '*filter\n-A OUTPUT -m physdev --physdev-in eth0 -j ACCEPT\nCOMMIT\n', null],
    ['physdev --physdev-out in POSTROUTING', '*mangle\n-A POSTROUTING -m physdev --physdev-out eth0 -j ACCEPT\nCOMMIT\n', null],
    ['physdev --physdev-out in a user chain OUTPUT jumps to', '*filter\n:U - [0:0]\n-A U -m physdev --physdev-out eth0 -j ACCEPT\n-A OUTPUT -j U\nCOMMIT\n', null],
    ['addrtype --limit-iface-out in INPUT', '*filter\n-A INPUT -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT\nCOMMIT\n', refused(2, 'INPUT')],
    ['addrtype --limit-iface-out in PREROUTING', '*nat\n-A PREROUTING -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT\nCOMMIT\n', refused(2, 'PREROUTING')],
    ['addrtype --limit-iface-out in OUTPUT', '*filter\n-A OUTPUT -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT\nCOMMIT\n', null],
    ['addrtype --limit-iface-in in OUTPUT', '*filter\n-A OUTPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT\nCOMMIT\n', refused(2, 'OUTPUT')],
    ['addrtype --limit-iface-in in INPUT', '*filter\n-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT\nCOMMIT\n', null],
    ['addrtype --limit-iface-out in a user chain INPUT jumps to', '*filter\n:U - [0:0]\n-A U -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT\n-A INPUT -j U\nCOMMIT\n', null],
    ['TCPMSS --clamp-mss-to-pmtu in INPUT', '*mangle\n-A INPUT -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\nCOMMIT\n', refused(2, 'INPUT')],
    ['TCPMSS --clamp-mss-to-pmtu in a user chain INPUT jumps to', '*mangle\n:U - [0:0]\n-A U -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n-A INPUT -j U\nCOMMIT\n', null],
    // A module's own hooks are checked through jumps; the kernel names the later of the rule and the jump that
    // reaches it (table-validate.ts), here the jump.
    ['owner in a user chain INPUT jumps to', '*filter\n:U - [0:0]\n-A U -m owner --uid-owner 0 -j ACCEPT\n-A INPUT -j U\nCOMMIT\n', refused(4, 'INPUT')],
  ];
  for (const [name, text, want] of cases) {
    it(`${name}: ${want === null ? 'accepted' : 'refused'}, with a rule cache or without`, () => {
      for (const cache of [undefined, new RuleParseCache()]) {
        const got = errors(text, cache);
        if (want === null) expect(got).toEqual([]);
        else {
          expect(got).toHaveLength(1);
          expect(got[0]).toMatch(want);
        }
      }
    });
  }

  it('checks options against the base chain when a later restore adds the rule there (--noflush)', () => {
    const cache = new RuleParseCache();
    const base = restore('*filter\n:U - [0:0]\n-A U -m physdev --physdev-out eth0 -j ACCEPT\n-A OUTPUT -j U\nCOMMIT\n', undefined, { cache });
    expect(base.errors).toEqual([]);
    const later = restore('*filter\n-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT\nCOMMIT\n', base.ruleset, { noflush: true, cache });
    expect(later.errors.map(formatRestoreError)[0]).toMatch(refused(2, 'OUTPUT'));
  });
});
