// The order the kernel's table holds its base chains in (Table.kernelOrder): the order iptables-nft created them,
// each when a line first names it, which is the order nf_tables_validate() walks them (table-validate.ts
// baseChains()). Each named case was measured with iptables 1.8.9 (nf_tables) and `nft list table`;
// test/kernel/restore-commands.test.ts compares the refusals that follow from it with the kernel. A property
// test holds the restore's bookkeeping (writable()'s remembered lookups among it) to a model of named lines.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { type Ruleset, type Table, cloneTable, emptyRuleset, emptyTable } from './ruleset.js';
import { baseChains } from './table-validate.js';

/** The order after each restore of `blocks` in turn (a block: its lines, and whether --noflush). */
function orderAfter(blocks: ReadonlyArray<{ lines: string[]; noflush?: boolean }>, table = 'filter'): string[] | undefined {
  let rs: Ruleset = emptyRuleset();
  for (const b of blocks) {
    const r = restore(`*${table}\n${b.lines.join('\n')}\nCOMMIT\n`, rs, { noflush: b.noflush === true });
    expect(r.errors).toEqual([]);
    rs = r.ruleset;
  }
  return rs.tables.get(table as 'filter')?.kernelOrder;
}

describe('the order of the base chains', () => {
  it('is the order lines first name them: a rule, a policy line, a chain line, -P, -F CHAIN', () => {
    expect(orderAfter([{ lines: ['-A OUTPUT -j ACCEPT', '-A INPUT -j ACCEPT'] }])).toEqual(['OUTPUT', 'INPUT']);
    expect(orderAfter([{ lines: [':OUTPUT DROP [0:0]', ':INPUT ACCEPT [0:0]'] }])).toEqual(['OUTPUT', 'INPUT']);
    expect(orderAfter([{ lines: [':INPUT - [0:0]', '-A OUTPUT -j ACCEPT', '-A INPUT -j ACCEPT'] }])).toEqual(['INPUT', 'OUTPUT']);
    expect(orderAfter([{ lines: ['-P OUTPUT DROP', '-F FORWARD', '-A INPUT -j ACCEPT'] }])).toEqual(['OUTPUT', 'FORWARD', 'INPUT']);
  });

  it('nat and mangle as filter', () => {
    expect(orderAfter([{ lines: ['-A POSTROUTING -j ACCEPT', '-A INPUT -j ACCEPT', '-A OUTPUT -j ACCEPT', '-A PREROUTING -j ACCEPT'] }], 'nat'))
      .toEqual(['POSTROUTING', 'INPUT', 'OUTPUT', 'PREROUTING']);
    expect(orderAfter([{ lines: [':FORWARD ACCEPT [0:0]', ':PREROUTING ACCEPT [0:0]', '-A POSTROUTING -j ACCEPT'] }], 'mangle'))
      .toEqual(['FORWARD', 'PREROUTING', 'POSTROUTING']);
  });

  it('--noflush keeps the table\'s order and appends; a plain restore starts anew', () => {
    const first = { lines: ['-A OUTPUT -j ACCEPT'] };
    expect(orderAfter([first, { lines: ['-A FORWARD -j ACCEPT', '-A INPUT -j ACCEPT', '-A OUTPUT -j DROP'], noflush: true }])).toEqual(['OUTPUT', 'FORWARD', 'INPUT']);
    expect(orderAfter([first, { lines: ['-A INPUT -j ACCEPT', '-A FORWARD -j ACCEPT', '-A OUTPUT -j ACCEPT'] }])).toEqual(['INPUT', 'FORWARD', 'OUTPUT']);
  });

  it('-F and -Z of every chain create none', () => {
    expect(orderAfter([{ lines: ['-A OUTPUT -j ACCEPT'] }, { lines: ['-F', '-Z', '-A INPUT -j ACCEPT'], noflush: true }])).toEqual(['OUTPUT', 'INPUT']);
    // The last chain `-F` looked at is still created by the line after that names it.
    expect(orderAfter([{ lines: [':INPUT ACCEPT [0:0]'] }, { lines: ['-F', '-A OUTPUT -j ACCEPT'], noflush: true }])).toEqual(['INPUT', 'OUTPUT']);
  });

  it('a refused block leaves the table\'s order', () => {
    const rs = restore('*filter\n-A OUTPUT -j ACCEPT\nCOMMIT\n').ruleset;
    const r = restore('*filter\n-A INPUT -j ACCEPT\n-A FORWARD -j NOPE\nCOMMIT\n', rs, { noflush: true });
    expect(r.errors).not.toEqual([]);
    expect(r.ruleset.tables.get('filter')?.kernelOrder).toEqual(['OUTPUT']);
  });

  it('is copied with the table, not shared', () => {
    const t = restore('*filter\n-A OUTPUT -j ACCEPT\nCOMMIT\n').ruleset.tables.get('filter')!;
    const copy = cloneTable(t);
    expect(copy.kernelOrder).toEqual(['OUTPUT']);
    expect(copy.kernelOrder).not.toBe(t.kernelOrder);
  });

  it('orders the validation walk: the listed chains first, the rest in the map\'s order', () => {
    const t: Table = { ...emptyTable('nat'), kernelOrder: ['OUTPUT', 'PREROUTING'] };
    expect(baseChains(t).map((c) => c.name)).toEqual(['OUTPUT', 'PREROUTING', 'INPUT', 'POSTROUTING']);
    expect(baseChains(emptyTable('filter')).map((c) => c.name)).toEqual(['INPUT', 'FORWARD', 'OUTPUT']);
  });

  it('names the problem met first in that order (iptables 1.8.9)', () => {
    const text = (first: string): string => `*filter\n:A - [0:0]\n:C - [0:0]\n${first}\n-A A -j A\n-A C -m owner --uid-owner 0 -j ACCEPT\n-A FORWARD -j C\n-A OUTPUT -j A\n-A INPUT -j ACCEPT\nCOMMIT\n`;
    const errnos = (first: string): string[] => restore(text(first)).errors.map((e) => `${e.line} ${e.message}`);
    expect(errnos('-A OUTPUT -j ACCEPT')).toEqual([
      '7 RULE_APPEND failed (Invalid argument): rule in chain FORWARD',
      '8 RULE_APPEND failed (Too many links): rule in chain OUTPUT',
      '9 RULE_APPEND failed (Too many links): rule in chain INPUT',
    ]);
    expect(errnos('-A FORWARD -j ACCEPT')).toEqual([
      '7 RULE_APPEND failed (Invalid argument): rule in chain FORWARD',
      '8 RULE_APPEND failed (Invalid argument): rule in chain OUTPUT',
      '9 RULE_APPEND failed (Invalid argument): rule in chain INPUT',
    ]);
  });
});

type Line = { op: '-A' | ':' | '-P' | '-F' | '-Z' | '-A user'; chain: string };
const BASE = ['INPUT', 'FORWARD', 'OUTPUT'];
const lineArb: fc.Arbitrary<Line> = fc.record({
  op: fc.constantFrom('-A', '-A', ':', '-P', '-F', '-F', '-Z', '-A user') as fc.Arbitrary<Line['op']>,
  chain: fc.constantFrom(...BASE),
});
/** A line's text; `-F` and `-Z` of every chain on odd draws of the chain. */
function lineText(l: Line, i: number): string {
  if (l.op === '-A') return `-A ${l.chain} -j ACCEPT`;
  if (l.op === '-A user') return `-A U -s 10.0.0.${i % 250}/32 -j ACCEPT`;
  if (l.op === ':') return `:${l.chain} ACCEPT [0:0]`;
  if (l.op === '-P') return `-P ${l.chain} DROP`;
  return l.chain === 'FORWARD' ? l.op : `${l.op} ${l.chain}`;
}

describe('the order kept over restores, against a model of named lines', () => {
  it('a line naming a base chain appends it if new; -F / -Z of every chain and a plain restore\'s start as the kernel', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ noflush: fc.boolean(), lines: fc.array(lineArb, { maxLength: 8 }) }), { minLength: 1, maxLength: 4 }), (blocks) => {
        let rs: Ruleset = emptyRuleset();
        let model: string[] = [];
        for (const b of blocks) {
          const texts = [':U - [0:0]', ...b.lines.map(lineText)];
          const r = restore(`*filter\n${texts.join('\n')}\nCOMMIT\n`, rs, { noflush: b.noflush });
          if (r.errors.length > 0) continue;
          rs = r.ruleset;
          if (!b.noflush) model = [];
          for (const [i, l] of b.lines.entries()) {
            const t = lineText(l, i);
            const named = l.op !== '-A user' && !(t === '-F' || t === '-Z');
            if (named && !model.includes(l.chain)) model.push(l.chain);
          }
          expect(rs.tables.get('filter')?.kernelOrder).toEqual(model);
        }
      }),
      { numRuns: 300, seed: 10 },
    );
  });
});

describe('the table itself', () => {
  const kept = restore('*filter\n-A INPUT -j ACCEPT\nCOMMIT\n').ruleset;
  const after = (text: string, noflush = false): boolean => restore(`*filter\n${text}\nCOMMIT\n`, kept, { noflush }).ruleset.tables.has('filter');

  it('a plain restore deletes it; only a line that sends a message makes it again (iptables 1.8.9)', () => {
    expect(after('')).toBe(false);
    expect(after('-F\n-Z\n-X')).toBe(false);
    expect(after('-N X\n-X X')).toBe(true);
    expect(after(':INPUT ACCEPT [0:0]')).toBe(true);
    expect(after('-F INPUT')).toBe(true);
  });

  it('--noflush keeps it', () => {
    expect(after('', true)).toBe(true);
    expect(after('-F\n-Z\n-X', true)).toBe(true);
    expect(restore('*filter\n-F\n-Z\nCOMMIT\n', emptyRuleset(), { noflush: true }).ruleset.tables.has('filter')).toBe(false);
  });
});

describe('-X with no chain', () => {
  it('deletes the base chains with no rules and the table\'s policy ACCEPT; a later line makes one again, last (iptables 1.8.9)', () => {
    const kept = { lines: [':INPUT ACCEPT [0:0]', ':OUTPUT DROP [0:0]', '-A FORWARD -j ACCEPT'] };
    expect(orderAfter([kept, { lines: ['-X'], noflush: true }])).toEqual(['OUTPUT', 'FORWARD']);
    expect(orderAfter([kept, { lines: ['-X', '-A INPUT -j ACCEPT'], noflush: true }])).toEqual(['OUTPUT', 'FORWARD', 'INPUT']);
    // The batch's rules count, its policy does not: iptables' cache keeps the kernel's.
    expect(orderAfter([kept, { lines: ['-A INPUT -j ACCEPT', '-P OUTPUT ACCEPT', '-X'], noflush: true }])).toEqual(['INPUT', 'OUTPUT', 'FORWARD']);
    expect(orderAfter([{ lines: ['-A FORWARD -j ACCEPT'] }, { lines: [':OUTPUT ACCEPT [0:0]', '-X'], noflush: true }])).toEqual(['FORWARD']);
  });

  it('takes a base chain the batch made as ACCEPT, whatever policy the batch gave it; the chain it deletes is saved ACCEPT (iptables 1.8.9)', () => {
    expect(orderAfter([{ lines: [':OUTPUT DROP [0:0]', '-X'] }])).toEqual([]);
    expect(orderAfter([{ lines: ['-P OUTPUT DROP', '-X', '-A INPUT -j ACCEPT'] }])).toEqual(['INPUT']);
    expect(orderAfter([{ lines: [':OUTPUT ACCEPT [0:0]', '-A INPUT -j ACCEPT'] }, { lines: ['-P OUTPUT DROP', '-X'], noflush: true }])).toEqual(['INPUT']);
    const policy = (blocks: ReadonlyArray<{ text: string; noflush?: boolean }>): string | null | undefined => {
      let rs: Ruleset = emptyRuleset();
      for (const b of blocks) rs = restore(`*filter\n${b.text}\nCOMMIT\n`, rs, { noflush: b.noflush === true }).ruleset;
      return rs.tables.get('filter')?.chains.get('OUTPUT')?.policy;
    };
    expect(policy([{ text: ':OUTPUT DROP [0:0]\n-X' }])).toBe('ACCEPT');
    expect(policy([{ text: ':OUTPUT ACCEPT [0:0]' }, { text: '-P OUTPUT DROP\n-X', noflush: true }])).toBe('ACCEPT');
    // Made again after the -X, it takes the policy the later line gives it.
    expect(policy([{ text: ':OUTPUT DROP [0:0]\n-X\n-P OUTPUT DROP' }])).toBe('DROP');
    // The kernel's DROP policy keeps it.
    expect(policy([{ text: ':OUTPUT DROP [0:0]' }, { text: '-X', noflush: true }])).toBe('DROP');
  });

  it('deletes a base chain the batch emptied, by -F CHAIN or -D; not one -F with no chain left its rules (iptables 1.8.9)', () => {
    expect(orderAfter([{ lines: ['-A OUTPUT -j ACCEPT', '-F OUTPUT', '-X'] }])).toEqual([]);
    expect(orderAfter([{ lines: ['-A OUTPUT -j ACCEPT', '-D OUTPUT 1', '-X'] }])).toEqual([]);
    expect(orderAfter([{ lines: ['-A OUTPUT -j ACCEPT', '-F', '-X'] }])).toEqual(['OUTPUT']);
    const kept = { lines: ['-A OUTPUT -j ACCEPT', '-A INPUT -j ACCEPT'] };
    expect(orderAfter([kept, { lines: ['-F OUTPUT', '-X'], noflush: true }])).toEqual(['INPUT']);
    expect(orderAfter([kept, { lines: ['-D OUTPUT -j ACCEPT', '-X'], noflush: true }])).toEqual(['INPUT']);
    expect(orderAfter([kept, { lines: ['-F', '-X'], noflush: true }])).toEqual([]);
  });
});
