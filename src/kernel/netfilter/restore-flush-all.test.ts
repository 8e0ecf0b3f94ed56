// `-F` with no chain in iptables-restore: nothing at all when the restore replaces the table (or, under
// --noflush, when there is no such table yet), `-F CHAIN` of every chain over a kept table (restore-apply.ts),
// as iptables 1.8.9 (nf_tables) does.

import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import type { Ruleset } from './ruleset.js';
import { printSave } from './save-print.js';

const OWNER = '-m owner --uid-owner 0 -j ACCEPT';

/** The rules of the filter table after `text` (its errors, if any, first). */
function rules(text: string, base?: Ruleset, noflush = false): string[] {
  const r = restore(`*filter\n${text}\nCOMMIT\n`, base, { noflush });
  return [...r.errors.map(formatRestoreError), ...printSave(r.ruleset).split('\n').filter((l) => l.startsWith('-A') || l.startsWith(':C'))];
}

function withTable(text: string): Ruleset {
  const r = restore(`*filter\n${text}\nCOMMIT\n`);
  expect(r.errors).toEqual([]);
  return r.ruleset;
}

describe('-F with no chain', () => {
  it('in a restore that replaces the table: the batch keeps its earlier rules, user chains too', () => {
    expect(rules('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT')).toEqual(['-A INPUT -j ACCEPT', '-A OUTPUT -j ACCEPT']);
    expect(rules(':C - [0:0]\n-A C -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT')).toEqual([':C - [0:0]', '-A OUTPUT -j ACCEPT', '-A C -j ACCEPT']);
    expect(rules('-A INPUT -j ACCEPT\n-F\n-D INPUT -j ACCEPT')).toEqual([]);
    // Over a table that had rules: the `*filter` line flushed them, the `-F` does nothing more.
    expect(rules('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT', withTable('-A INPUT -j DROP\n-A FORWARD -j DROP'))).toEqual(['-A INPUT -j ACCEPT', '-A OUTPUT -j ACCEPT']);
  });

  it('a rule written before it is refused as it was added', () => {
    expect(rules(`-A INPUT ${OWNER}\n-F`)).toEqual(['line 2:13: RULE_APPEND failed (Invalid argument): rule in chain INPUT']);
  });

  it('under --noflush with no such table: nothing', () => {
    expect(rules('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT', undefined, true)).toEqual(['-A INPUT -j ACCEPT', '-A OUTPUT -j ACCEPT']);
    expect(rules(`-A INPUT ${OWNER}\n-F`, undefined, true)).toEqual(['line 2:13: RULE_APPEND failed (Invalid argument): rule in chain INPUT']);
  });

  it('under --noflush over a kept table: every chain flushed, the batch\'s earlier messages never sent', () => {
    const kept = withTable('-A INPUT -j DROP\n-A FORWARD -j DROP');
    expect(rules('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT', kept, true)).toEqual(['-A OUTPUT -j ACCEPT']);
    expect(rules(`-A INPUT ${OWNER}\n-F\n-A OUTPUT -j ACCEPT`, kept, true)).toEqual(['-A OUTPUT -j ACCEPT']);
    expect(rules('-A INPUT -j ACCEPT\n-F\n-D INPUT -j ACCEPT', kept, true)[0]).toBe('line 4:1: Bad rule (does a matching rule exist in that chain?).');
  });

  it('under --noflush, a table an earlier block of the same restore made is kept: flushed', () => {
    const r = restore('*filter\n-A FORWARD -j DROP\nCOMMIT\n*filter\n-A INPUT -j ACCEPT\n-F\nCOMMIT\n', undefined, { noflush: true });
    expect(r.errors).toEqual([]);
    expect(printSave(r.ruleset)).not.toContain('-A ');
  });
});
