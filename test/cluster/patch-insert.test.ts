// A cluster `patches:` entry may insert at a rule number (`-I CHAIN N`), as iptables-restore takes it (checked
// with iptables-restore 1.8.9 --noflush in a scratch namespace: `-I C 1` puts the rule first, `-I C 3` into a
// two-rule chain last, `-I C 9` fails with "Index of insertion too big.").

import { describe, expect, it } from 'vitest';
import { IptablesText } from '../../src/cluster/iptables-text.js';

describe('IptablesText.applyRestore -I with a rule number', () => {
  it('inserts at that number, and refuses a number past the end', () => {
    const t = new IptablesText();
    const rejected = t.applyRestore('*filter\n-A FORWARD -j A\n-I FORWARD 2 -j B\n-I FORWARD 1 -j C\n-I FORWARD -j D\n-I FORWARD 9 -j E\nCOMMIT\n');
    expect(rejected).toEqual(['-I FORWARD 9 -j E']);
    expect(t.render().split('\n').filter((l) => l.startsWith('-A'))).toEqual(['-A FORWARD -j D', '-A FORWARD -j C', '-A FORWARD -j A', '-A FORWARD -j B']);
  });
});
