// `-R CHAIN N rule` in iptables-restore, each expectation measured with iptables 1.8.9 (nf_tables).

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { printSave } from './save-print.js';

const BASE = '*filter\n:A - [0:0]\n-A A -s 1.1.1.1 -j ACCEPT\n-A A -s 2.2.2.2 -j ACCEPT\n-A A -s 3.3.3.3 -j ACCEPT\nCOMMIT\n';

function noflush(text: string): { rules: string[]; errors: string[] } {
  const base = restore(BASE).ruleset;
  const r = restore(`*filter\n${text}\nCOMMIT\n`, base, { noflush: true, counters: true });
  return { rules: printSave(r.ruleset, { counters: true }).split('\n').filter((l) => l.includes('-A A')), errors: r.errors.map(formatRestoreError) };
}

describe('iptables-restore -R', () => {
  it('replaces rule N in place, with the new rule\'s counters', () => {
    expect(noflush('-R A 2 -s 9.9.9.9 -j DROP')).toEqual({
      rules: ['[0:0] -A A -s 1.1.1.1/32 -j ACCEPT', '[0:0] -A A -s 9.9.9.9/32 -j DROP', '[0:0] -A A -s 3.3.3.3/32 -j ACCEPT'], errors: [],
    });
    expect(noflush('-R A 3 -j DROP').rules[2]).toBe('[0:0] -A A -j DROP');
    expect(noflush('-R A 1').rules[0]).toBe('[0:0] -A A');
    expect(noflush('--replace A 1 -c 3 4 -j DROP').rules[0]).toBe('[3:4] -A A -j DROP');
  });

  it('refuses a number past the end, a missing chain, and bad numbers and addresses', () => {
    expect(noflush('-R A 4 -j DROP').errors).toEqual(['line 2:1: Index of replacement too big.']);
    expect(noflush('-R X 1 -j DROP').errors).toEqual(['line 2:4: No chain/target/match by that name.']);
    expect(noflush('-R A 0 -j DROP').errors).toEqual(["line 2:6: Invalid rule number `0'"]);
    expect(noflush('-R A 1x -j DROP').errors).toEqual(["line 2:6: Invalid rule number `1x'"]);
    expect(noflush('-R A -j DROP').errors).toEqual(['line 2:1: -R requires a rule number']);
    expect(noflush('-R A 1 -s 5.5.5.5,6.6.6.6 -j DROP').errors).toEqual(['line 2:11: Replacement rule does not specify a unique address']);
    expect(noflush('-R A 1 -d 5.5.5.5,6.6.6.6 -j DROP').errors).toEqual(['line 2:11: Replacement rule does not specify a unique address']);
  });
});
