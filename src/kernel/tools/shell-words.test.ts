import { describe, expect, it } from 'vitest';
import { printSave } from '../netfilter/save-print.js';
import { shellWords } from './shell-words.js';
import { parseError, run, toolNetns } from './testing.js';

describe('shellWords', () => {
  it('splits as sh does: single quotes literal, double quotes with their escapes, backslashes', () => {
    const r = shellWords(`a 'b c' "d \\"e\\"" f\\ g ''`);
    expect(r.ok && r.words.map((w) => [w.text, w.col])).toEqual([['a', 1], ['b c', 3], ['d "e"', 9], ['f g', 19], ['', 24]]);
  });

  it('gives each word as iptables-restore input would quote it', () => {
    const r = shellWords(`--comment 'a b' x`);
    expect(r.ok && r.words.map((w) => w.raw)).toEqual(['--comment', '"a b"', 'x']);
  });

  it('refuses what would make more than one command, and unterminated quotes, at their column', () => {
    expect(shellWords('ip route del 10.0.0.0/8; reboot')).toEqual({ ok: false, column: 24, message: '";" is shell syntax: a step holds one command of one tool' });
    expect(shellWords(`iptables --comment 'x`)).toMatchObject({ ok: false, column: 20 });
    expect(shellWords('sysctl -w "$X"')).toMatchObject({ ok: false, column: 12 });
  });
});

describe('iptables words are shell words', () => {
  it('a single-quoted comment is one word, and deletes the rule written with double quotes', () => {
    const n = toolNetns();
    expect(run(n, `iptables -A INPUT -m comment --comment 'two words' -j ACCEPT`)).toEqual([]);
    expect(printSave(n.nf!.ruleset)).toContain('-A INPUT -m comment --comment "two words" -j ACCEPT\n');
    expect(n.nf!.ruleset.tables.get('filter')!.chains.get('INPUT')!.rules[0].source).toEqual(['-m', 'comment', '--comment', '"two words"', '-j', 'ACCEPT']);
    expect(run(n, 'iptables -D INPUT -m comment --comment "two words" -j ACCEPT')).toEqual([]);
    expect(parseError('iptables -F | true')).toBe('13: "|" is shell syntax: a step holds one command of one tool');
  });
});
