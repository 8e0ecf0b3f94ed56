// `-X` in iptables-restore, measured with iptables 1.8.9 (nf_tables): the kernel refuses to delete a chain that
// still holds rules at that point of the batch (nf_tables_delchain() with NLM_F_NONREC), and says so at COMMIT.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { printSave } from './save-print.js';

const errors = (text: string, noflushBase?: string): string[] => {
  const base = noflushBase === undefined ? undefined : restore(noflushBase).ruleset;
  return restore(text, base, { noflush: noflushBase !== undefined }).errors.map(formatRestoreError);
};

describe('iptables-restore -X of a chain with rules', () => {
  it('is refused at COMMIT, at the -X line', () => {
    expect(errors('*filter\n-N P\n-A P -j ACCEPT\n-X P\nCOMMIT\n')).toEqual(['line 4:4: CHAIN_DEL failed (Device or resource busy): chain P']);
    expect(errors('*filter\n:P - [0:0]\n-A P -j ACCEPT\n-X P\nCOMMIT\n')).toEqual(['line 4:4: CHAIN_DEL failed (Device or resource busy): chain P']);
    expect(errors('*filter\n-X P\nCOMMIT\n', '*filter\n:P - [0:0]\n-A P -j ACCEPT\nCOMMIT\n'))
      .toEqual(['line 2:4: CHAIN_DEL failed (Device or resource busy): chain P']);
  });

  it('-X with no name is refused for each user chain that has rules', () => {
    expect(errors('*filter\n:P - [0:0]\n:Q - [0:0]\n-A P -j ACCEPT\n-X\nCOMMIT\n')).toEqual(['line 5:1: CHAIN_DEL failed (Device or resource busy): chain P']);
  });

  it('is fine once the chain is flushed or its rules deleted', () => {
    const r = restore('*filter\n:P - [0:0]\n-A P -j ACCEPT\n-F P\n-X P\nCOMMIT\n');
    expect(r.errors).toEqual([]);
    expect(printSave(r.ruleset)).not.toContain(':P');
    expect(errors('*filter\n-D P 1\n-X P\nCOMMIT\n', '*filter\n:P - [0:0]\n-A P -j ACCEPT\nCOMMIT\n')).toEqual([]);
  });

  it('a command the tool itself refuses after it is what is reported (the batch is never sent)', () => {
    expect(errors('*filter\n:P - [0:0]\n-A P -j ACCEPT\n-X P\n-A NOPE -j DROP\nCOMMIT\n')).toEqual(['line 5:4: No chain/target/match by that name.']);
  });
});
