// A kept chain (a `:CHAIN` line followed by exactly the lines the chain was built from, restore-chain-source.ts)
// after an earlier line of the same restore changed that chain: the declaration flushes the chain, so the result
// is the kept lines' chain, as the plain restore (and iptables 1.8.9) gives, whatever the earlier line did.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { printSave } from './save-print.js';

const FULL = '*filter\n:D - [0:0]\n-A D -j ACCEPT\n-A D -s 10.0.0.1 -j RETURN\n-A INPUT -j D\nCOMMIT\n';
const KEPT = ':D - [0:0]\n-A D -j ACCEPT\n-A D -s 10.0.0.1 -j RETURN\n';

function both(text: string): { cached: string; plain: string } {
  const cache = new RuleParseCache();
  const base = restore(FULL, undefined, { cache });
  expect(base.errors).toEqual([]);
  const a = restore(text, base.ruleset, { noflush: true, cache });
  const b = restore(text, base.ruleset, { noflush: true });
  const show = (r: typeof a): string => printSave(r.ruleset) + r.errors.map(formatRestoreError).join('\n');
  return { cached: show(a), plain: show(b) };
}

describe('a kept chain after an earlier change in the same restore', () => {
  for (const [name, first] of [['-R', '-R D 1 -j DROP'], ['-A', '-A D -j DROP'], ['-I', '-I D 1 -j DROP'], ['-D', '-D D 1'], ['-F', '-F D'], ['-F (every chain)', '-F']] as const) {
    it(`${name} before the declaration is flushed away`, () => {
      const { cached, plain } = both(`*filter\n${first}\n${KEPT}COMMIT\n`);
      expect(cached).toBe(plain);
      expect(cached).toContain('-A D -j ACCEPT\n-A D -s 10.0.0.1/32 -j RETURN\n');
      expect(cached).not.toContain('DROP');
    });
  }

  it('a change committed by an earlier block of the same restore', () => {
    const { cached, plain } = both(`*filter\n-A D -j DROP\nCOMMIT\n*filter\n${KEPT}COMMIT\n`);
    expect(cached).toBe(plain);
    expect(cached).not.toContain('-A D -j DROP');
  });
});
