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
    expect(policies(restore('*filter\n-P FORWARD DROP\n-Z OUTPUT\nCOMMIT\n').ruleset)).toContain(':FORWARD DROP [0:0]');
    const r = restore('*filter\n:FORWARD ACCEPT [0:0]\n-P FORWARD ACCEPT\n-Z\n-P INPUT DROP\nCOMMIT\n', DROP_FORWARD, { noflush: true }).ruleset;
    expect(policies(r)).toEqual([':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]']);
  });
});
