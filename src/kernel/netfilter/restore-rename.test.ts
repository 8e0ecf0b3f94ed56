// `-E OLD NEW` in iptables-restore, each expectation measured with iptables 1.8.9 (nf_tables) in a namespace
// (test/kernel/restore-commands.test.ts compares the same cases with the kernel).

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';

const BASE = '*filter\n:A - [0:0]\n:B - [0:0]\n:E - [0:0]\n-A A -j ACCEPT\n-A INPUT -j A\n-A FORWARD -j B\n-A B -g A\n-A B -j A\nCOMMIT\n';

function base(): Ruleset {
  const r = restore(BASE);
  expect(r.errors).toEqual([]);
  return r.ruleset;
}

function noflush(text: string): { save: string; errors: string[] } {
  const r = restore(`*filter\n${text}\nCOMMIT\n`, base(), { noflush: true });
  return { save: printSave(r.ruleset), errors: r.errors.map(formatRestoreError) };
}

describe('iptables-restore -E', () => {
  it('renames a user chain at COMMIT: its rules, and every jump and goto to it, follow', () => {
    const r = noflush('-E A C');
    expect(r.errors).toEqual([]);
    expect(r.save).toBe([
      '*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':B - [0:0]', ':C - [0:0]', ':E - [0:0]',
      '-A INPUT -j C', '-A FORWARD -j B', '-A B -g C', '-A B -j C', '-A C -j ACCEPT', 'COMMIT', '',
    ].join('\n'));
  });

  it('keeps the chain\'s rules with their counters and leaves the ruleset it started from unchanged', () => {
    // A user chain has no counters of its own (restore-apply.ts USER_CHAIN_COUNTERS): its line's [4:5] is not kept.
    const rs = restore(BASE.replace(':A - [0:0]', ':A - [4:5]').replace('-A A -j ACCEPT', '[6:7] -A A -j ACCEPT'), undefined, { counters: true }).ruleset;
    const before = printSave(rs, { counters: true });
    expect(before).toContain(':A - [0:0]');
    const r = restore('*filter\n-E A C\nCOMMIT\n', rs, { noflush: true });
    expect(r.errors).toEqual([]);
    expect(printSave(r.ruleset, { counters: true })).toContain(':C - [0:0]');
    expect(printSave(r.ruleset, { counters: true })).toContain('[6:7] -A C -j ACCEPT');
    expect(printSave(rs, { counters: true })).toBe(before);
  });

  it('until COMMIT the block knows the chain by its old name only', () => {
    // `-A A` writes to the renamed chain; `-A C`, `-j C`, `-X C` find nothing; `-N A` finds A.
    expect(noflush('-E A C\n-A A -j DROP').save).toContain('-A C -j ACCEPT\n-A C -j DROP\n');
    expect(noflush('-E A C\n-A INPUT -j A').save).toContain('-A INPUT -j C\n-A INPUT -j C\n');
    expect(noflush('-E A C\n-A C -j DROP').errors).toEqual(['line 3:4: No chain/target/match by that name.']);
    expect(noflush('-E A C\n-A INPUT -j C').errors).toEqual(["line 3:13: Chain 'C' does not exist"]);
    expect(noflush('-E A C\n-X C').errors).toEqual(['line 3:4: No chain/target/match by that name.']);
    expect(noflush('-E A C\n-N A').errors).toEqual(['line 3:4: Chain already exists.']);
  });

  it('the last rename of a chain wins; a chain deleted after its rename is gone', () => {
    expect(noflush('-E A C\n-E A D').save).toContain(':D - [0:0]\n:E - [0:0]\n-A INPUT -j D\n');
    const r = noflush('-E E C\n-X E');
    expect(r.errors).toEqual([]);
    expect(r.save).not.toMatch(/:[CE] /);
  });

  it('refuses a missing or built-in chain, and a name the table has, at once', () => {
    expect(noflush('-E X B').errors).toEqual(['line 2:4: No chain/target/match by that name.']);
    // (Under --noflush over a table that has INPUT, iptables 1.8.9 renames the base chain itself: not modelled.)
    expect(restore('*filter\n:A - [0:0]\n-E INPUT B\nCOMMIT\n').errors.map(formatRestoreError)).toEqual(['line 3:4: No chain/target/match by that name.']);
    expect(noflush('-E A B').errors).toEqual(['line 2:4: File exists.']);
    expect(noflush('-E A INPUT').errors).toEqual(['line 2:4: File exists.']);
    expect(noflush('-E A C\n-E B A').errors).toEqual(['line 3:4: File exists.']);
    // Deleted first, the name is free.
    expect(noflush('-X E\n-E A E').save).toContain('-A INPUT -j E\n');
  });

  it('a chain declared or made in the block cannot be renamed: the commit fails', () => {
    expect(noflush(':A - [0:0]\n-E A C').errors).toEqual(['line 3:6: CHAIN_RENAME failed (No such file or directory): chain C']);
    expect(noflush('-N X\n-E X Y').errors).toEqual(['line 3:6: CHAIN_RENAME failed (No such file or directory): chain Y']);
    expect(restore('*filter\n:A - [0:0]\n-E A C\nCOMMIT\n').errors.map(formatRestoreError))
      .toEqual(['line 3:6: CHAIN_RENAME failed (No such file or directory): chain C']);
    // Without --noflush the table starts empty: a chain from before is not there.
    expect(restore('*filter\n-E A C\nCOMMIT\n', base()).errors.map(formatRestoreError)).toEqual(['line 2:4: No chain/target/match by that name.']);
    // -F keeps the kernel's chain: renamed.
    expect(noflush('-F A\n-E A C').errors).toEqual([]);
  });

  it('two renames to one name fail the second at COMMIT', () => {
    expect(noflush('-E A C\n-E B C').errors).toEqual(['line 3:6: CHAIN_RENAME failed (File exists): chain C']);
  });

  it('parse errors are located and worded as iptables 1.8.9 words them', () => {
    expect(noflush('-E A').errors).toEqual(['line 2:1: -E requires old-chain-name and new-chain-name']);
    expect(noflush('-E A -C').errors).toEqual(['line 2:1: -E requires old-chain-name and new-chain-name']);
    expect(noflush('-E').errors).toEqual(['line 2:1: option "-E" requires an argument']);
    expect(noflush('-E A C D').errors).toEqual(["line 2:8: Bad argument `D'"]);
    expect(noflush('-E A C -j ACCEPT').errors).toEqual(["line 2:8: Illegal option `-j' with this command"]);
    expect(noflush('--rename-chain A C').errors).toEqual([]);
  });
});

describe('iptables-restore -E, then a declaration of the old name', () => {
  it('renames the chain the kernel flushed (iptables 1.8.9: rc 0, NEW empty, jumps follow)', () => {
    const r = noflush('-E A C\n:A - [0:0]');
    expect(r.errors).toEqual([]);
    expect(r.save).toContain(':C - [0:0]\n');
    expect(r.save).not.toMatch(/^-A C /m);
    expect(r.save).toContain('-A INPUT -j C\n');
  });
});
