// `-Z` after a policy set in the same iptables-restore block, measured with iptables 1.8.9 (nf_tables): the
// zeroed built-in chain gets back the policy iptables' cache holds (restore-zero.ts).

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';

function policies(rs: Ruleset): string[] {
  return printSave(rs).split('\n').filter((l) => /^:(INPUT|FORWARD|OUTPUT) /.test(l));
}

const DROP_FORWARD = restore('*filter\n:FORWARD DROP [0:0]\nCOMMIT\n').ruleset;

describe('iptables-restore -Z and built-in chain policies', () => {
  it('without --noflush a zeroed built-in chain is back to ACCEPT', () => {
    expect(policies(restore('*filter\n-P FORWARD DROP\n-Z\nCOMMIT\n').ruleset)).toContain(':FORWARD ACCEPT [0:0]');
    expect(policies(restore('*filter\n:FORWARD DROP [0:0]\n-Z FORWARD\nCOMMIT\n').ruleset)).toContain(':FORWARD ACCEPT [0:0]');
    expect(policies(restore('*filter\n:FORWARD ACCEPT [0:0]\n-Z FORWARD\nCOMMIT\n', DROP_FORWARD).ruleset)).toContain(':FORWARD ACCEPT [0:0]');
  });

  it('under --noflush it is back to the committed table\'s policy', () => {
    expect(policies(restore('*filter\n-P FORWARD ACCEPT\n-Z\nCOMMIT\n', DROP_FORWARD, { noflush: true }).ruleset)).toContain(':FORWARD DROP [0:0]');
    expect(policies(restore('*filter\n:FORWARD ACCEPT [0:0]\n-Z FORWARD\nCOMMIT\n', DROP_FORWARD, { noflush: true }).ruleset)).toContain(':FORWARD DROP [0:0]');
  });

  it('a policy set after -Z stays; -Z of another chain leaves it', () => {
    expect(policies(restore('*filter\n-Z\n-P FORWARD DROP\nCOMMIT\n').ruleset)).toContain(':FORWARD DROP [0:0]');
    expect(policies(restore('*filter\n-P FORWARD DROP\n-A OUTPUT -j ACCEPT\n-Z OUTPUT\nCOMMIT\n').ruleset)).toContain(':FORWARD DROP [0:0]');
    const r = restore('*filter\n:FORWARD ACCEPT [0:0]\n-P FORWARD ACCEPT\n-Z\n-P INPUT DROP\nCOMMIT\n', DROP_FORWARD, { noflush: true }).ruleset;
    expect(policies(r)).toEqual([':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]']);
  });
});

describe('iptables-restore -Z of a built-in chain the table does not hold yet', () => {
  it('finds no chain; after a policy set in the block, "Bad built-in chain name." (iptables 1.8.9)', () => {
    const first = (text: string): string => restore(`*filter\n${text}\nCOMMIT\n`).errors.map((e) => `${e.line}: ${e.message}`)[0];
    expect(first('-Z OUTPUT')).toBe('2: No chain/target/match by that name.');
    expect(first('-A INPUT -j ACCEPT\n-Z OUTPUT')).toBe('3: No chain/target/match by that name.');
    expect(first('-P INPUT ACCEPT\n-Z OUTPUT')).toBe('3: Bad built-in chain name.');
    expect(first(':INPUT DROP [0:0]\n-Z OUTPUT')).toBe('3: Bad built-in chain name.');
    expect(first(':INPUT DROP [0:0]\n-D OUTPUT 1')).toBe('3: No chain/target/match by that name.');
    expect(first('-A OUTPUT -j ACCEPT\n-Z OUTPUT')).toBeUndefined();
  });
});

describe('iptables-restore -Z of rules written with counters in the same batch (--counters)', () => {
  const text = (z: string): string => `*filter\n:E - [0:0]\n[5:6] -A E -j ACCEPT\n${z}\nCOMMIT\n`;
  it('fails the batch at the -Z line: iptables-nft would replace a rule the kernel has no handle for', () => {
    for (const z of ['-Z E', '-Z']) {
      const r = restore(text(z), undefined, { counters: true });
      expect(r.errors.map((e) => `${e.line}: ${e.message}`)).toEqual(['4: RULE_REPLACE failed (Invalid argument): rule in chain E']);
    }
  });
  it('is no error for a rule written with [0:0], nor without --counters', () => {
    expect(restore('*filter\n:E - [0:0]\n[0:0] -A E -j ACCEPT\n-Z E\nCOMMIT\n', undefined, { counters: true }).errors).toEqual([]);
    expect(restore(text('-Z E')).errors).toEqual([]);
  });
});
