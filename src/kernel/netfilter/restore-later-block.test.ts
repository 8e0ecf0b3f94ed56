// A later block of the same table in one iptables-restore input, measured with iptables 1.8.9 (nf_tables) in a
// namespace: under --noflush it sees the chains the earlier block made or deleted; without it, the table is
// flushed again, so those chains are gone.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { printSave } from './save-print.js';

const BASE = restore('*filter\n:D - [0:0]\n:Q - [0:0]\nCOMMIT\n').ruleset;

describe('a later block of the same table', () => {
  it('under --noflush jumps to a chain an earlier block made', () => {
    const r = restore('*filter\n-N X\nCOMMIT\n*filter\n-A D -j X\nCOMMIT\n', BASE, { noflush: true });
    expect(r.errors).toEqual([]);
    expect(printSave(r.ruleset)).toContain(':X - [0:0]\n');
    expect(printSave(r.ruleset)).toContain('-A D -j X\n');
  });

  it('under --noflush does not find a chain an earlier block deleted', () => {
    const r = restore('*filter\n-X Q\nCOMMIT\n*filter\n-A D -j Q\nCOMMIT\n', BASE, { noflush: true });
    expect(r.errors.map(formatRestoreError)).toEqual(["line 5:9: Chain 'Q' does not exist"]);
  });

  it('without --noflush starts from an empty table again', () => {
    const r = restore('*filter\n:D - [0:0]\n-N Y\nCOMMIT\n*filter\n:D - [0:0]\n-A D -j Y\nCOMMIT\n');
    expect(r.errors.map(formatRestoreError)).toEqual(["line 7:9: Chain 'Y' does not exist"]);
  });
});
