// Kept chains: a --noflush restore that declares a chain again with exactly the lines it was built from keeps
// the chain object, and gives what the plain restore gives (rules, counters, errors).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';
import { cloneRuleset } from './ruleset.js';
import { grown } from './restore-chain-source.js';

const FULL = [
  '*nat',
  ':SVCS - [0:0]',
  ':SVC-A - [0:0]',
  ':SVC-B - [0:0]',
  '-A SVCS -d 10.96.0.1/32 -p udp -m udp --dport 53 -j SVC-A',
  '-A SVC-A -m statistic --mode random --probability 0.50000000000 -p udp -j DNAT --to-destination 10.0.0.1:53',
  '-A SVC-A -p udp -j DNAT --to-destination 10.0.0.2:53',
  '-A SVCS -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j SVC-B',
  '-A SVC-B -p tcp -j DNAT --to-destination 10.0.0.3:80',
  '-A SVCS -m addrtype --dst-type LOCAL -j RETURN',
  'COMMIT',
  '',
].join('\n');

/** An incremental sync: SVCS written whole (lines in another order of interleaving), SVC-B changed. */
const PARTIAL = [
  '*nat',
  ':SVCS - [0:0]',
  ':SVC-B - [0:0]',
  '-A SVCS -d 10.96.0.1/32 -p udp -m udp --dport 53 -j SVC-A',
  '-A SVCS -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j SVC-B',
  '-A SVC-B -p tcp -j DNAT --to-destination 10.0.0.4:80',
  '-A SVCS -m addrtype --dst-type LOCAL -j RETURN',
  'COMMIT',
  '',
].join('\n');

const OPTS = { noflush: true, counters: true } as const;
const chain = (rs: Ruleset, name: string) => rs.tables.get('nat')!.chains.get(name)!;

describe('kept chains (restore-chain-source.ts)', () => {
  it('a chain given back exactly its lines is the same object; a changed one is new', () => {
    const cache = new RuleParseCache();
    const full = restore(FULL, undefined, { ...OPTS, cache });
    expect(full.errors).toEqual([]);
    const inc = restore(PARTIAL, full.ruleset, { ...OPTS, cache });
    expect(inc.errors).toEqual([]);
    expect(chain(inc.ruleset, 'SVCS')).toBe(chain(full.ruleset, 'SVCS'));
    expect(chain(inc.ruleset, 'SVC-B')).not.toBe(chain(full.ruleset, 'SVC-B'));
    expect(printSave(inc.ruleset, { counters: true })).toBe(printSave(restore(PARTIAL, full.ruleset, OPTS).ruleset, { counters: true }));
    // And again from the result: the kept chain still knows its lines.
    const again = restore(PARTIAL, inc.ruleset, { ...OPTS, cache });
    expect(chain(again.ruleset, 'SVCS')).toBe(chain(full.ruleset, 'SVCS'));
  });

  it('a kept chain whose rules counted packets gets zero counters, as a flushed and re-added chain does', () => {
    const cache = new RuleParseCache();
    const full = restore(FULL, undefined, { ...OPTS, cache }).ruleset;
    // A rule's counters are written as a new object (a new rule shares the frozen RULE_ZERO: ruleset.ts).
    chain(full, 'SVCS').rules[0].counters = { packets: 7, bytes: 700 };
    const inc = restore(PARTIAL, full, { ...OPTS, cache }).ruleset;
    expect(chain(inc, 'SVCS')).not.toBe(chain(full, 'SVCS'));
    expect(chain(inc, 'SVCS').rules.map((r) => r.counters.packets)).toEqual([0, 0, 0]);
    expect(chain(full, 'SVCS').rules[0].counters).toEqual({ packets: 7, bytes: 700 });
    expect(printSave(inc, { counters: true })).toBe(printSave(restore(PARTIAL, full, OPTS).ruleset, { counters: true }));
  });

  it('a chain whose jump target went away is parsed again, with the plain restore\'s error', () => {
    const cache = new RuleParseCache();
    const full = restore(FULL, undefined, { ...OPTS, cache }).ruleset;
    const text = ['*nat', '-F SVC-A', '-X SVC-A', ':SVCS - [0:0]', '-A SVCS -d 10.96.0.1/32 -p udp -m udp --dport 53 -j SVC-A', 'COMMIT', ''].join('\n');
    const fast = restore(text, full, { ...OPTS, cache });
    const plain = restore(text, full, OPTS);
    expect(fast.errors.length).toBeGreaterThan(0);
    expect(fast.errors.map(formatRestoreError)).toEqual(plain.errors.map(formatRestoreError));
  });
});

// Scripts over a few chains and lines, run with a cache (kept chains) and without: same save, same errors.
const CHAINS = ['A', 'B', 'C'];
const RULES = ['-j B', '-j C', '-p tcp -m tcp --dport 80 -j ACCEPT', '-j RETURN', '-s 10.0.0.1/32 -j DROP', '-m statistic --mode nth --every 2 -j RETURN', '-c 3 4 -j RETURN'];
const lineArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...CHAINS), fc.constantFrom(...RULES)).map(([c, r]) => `-A ${c} ${r}`) },
  { weight: 3, arbitrary: fc.constantFrom(...CHAINS).map((c) => `:${c} - [0:0]`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('-X B', '-X C', '-N C', '-F A', '-Z', '-F', '-I A 1 -j RETURN', '-D A -j B', '-D A 1', '-A NOPE -j RETURN', '[5:6] -A A -j RETURN', '-A  A -j RETURN', '-P A DROP'),
  },
);
const scriptArb = fc.array(lineArb, { maxLength: 14 }).map((ls) => ['*filter', ':A - [0:0]', ':B - [0:0]', ':C - [0:0]', ...ls, 'COMMIT', ''].join('\n'));

describe('kept chains: the same as the plain restore', () => {
  it('over random scripts applied in turn (each twice), with packets counted between them', () => {
    let keptDeclared = 0;
    fc.assert(
      fc.property(fc.array(scriptArb, { minLength: 1, maxLength: 5 }), fc.boolean(), (scripts, counters) => {
        const opts = { noflush: true, counters };
        const cache = new RuleParseCache();
        let fast: Ruleset = restore('').ruleset;
        let plain: Ruleset = restore('').ruleset;
        scripts.flatMap((s) => [s, s]).forEach((s, i) => {
          const f = restore(s, fast, { ...opts, cache });
          for (const c of ['B', 'C']) {
            const before = fast.tables.get('filter')?.chains.get(c);
            if (s.includes(`\n:${c} - [0:0]\n-A`) && before !== undefined && f.ruleset.tables.get('filter')?.chains.get(c) === before) keptDeclared++;
          }
          const p = restore(s, plain, opts);
          expect(f.errors.map(formatRestoreError)).toEqual(p.errors.map(formatRestoreError));
          expect(printSave(f.ruleset, { counters: true })).toBe(printSave(p.ruleset, { counters: true }));
          fast = f.ruleset;
          plain = p.ruleset;
          // A packet through the first rule of A on odd steps (the same on both sides).
          if (i % 2 === 1) {
            for (const rs of [fast, plain]) {
              const r = rs.tables.get('filter')?.chains.get('A')?.rules[0];
              if (r) r.counters = { packets: r.counters.packets + 1, bytes: r.counters.bytes };
            }
          }
        });
      }),
      { numRuns: 300, seed: 11 },
    );
    // The fast path was taken: chains declared again (with rules) came out as the same object.
    expect(keptDeclared).toBeGreaterThan(20);
  });
});

// Long kept chains (restore-chain-block.ts): runs of a chain's unchanged lines are compared as one block. Scripts
// that declare A again with its lines, changed here and there (a line replaced, dropped or added, other lines in
// between, an error after the run, no final newline), against the plain restore.
const A_LINES = Array.from({ length: 40 }, (_, i) => `-A A -s 10.0.${i >> 4}.${i & 15}/32 -p tcp -m tcp --dport ${80 + (i % 3)} -j ${['B', 'C', 'RETURN'][i % 3]}`);
const BASE = ['*filter', ':A - [0:0]', ':B - [0:0]', ':C - [0:0]', ...A_LINES, '-A B -j C', 'COMMIT', ''].join('\n');
const INSERTS = ['-A B -j RETURN', '# a comment', '', '-A NOPE -j RETURN', '-X C', ':B - [0:0]', '-A A -j RETURN', '-A A -s 10.9.9.9/32 -j B', '-A C -j B', '-F B', '-A  A -j RETURN', '-A A'];
const edit = fc.oneof(
  fc.record({ k: fc.constant('replace' as const), at: fc.nat(39), with: fc.constantFrom(...INSERTS) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(40), with: fc.constantFrom(...INSERTS) }),
  fc.record({ k: fc.constant('drop' as const), at: fc.nat(39) }),
  fc.record({ k: fc.constant('cut' as const), at: fc.nat(40) }),
);
const longScript = fc.tuple(fc.array(edit, { maxLength: 3 }), fc.constantFrom('COMMIT\n', 'COMMIT', '', '-A NOPE -j B\nCOMMIT\n'), fc.boolean()).map(([edits, end, lead]) => {
  let lines = A_LINES.slice();
  for (const e of edits) {
    if (e.k === 'replace') lines[Math.min(e.at, lines.length - 1)] = e.with;
    else if (e.k === 'insert') lines.splice(Math.min(e.at, lines.length), 0, e.with);
    else if (e.k === 'drop') lines.splice(e.at, 1);
    else lines = lines.slice(0, e.at);
  }
  return [...(lead ? ['# partial'] : []), '*filter', ':A - [0:0]', ...lines, end].join('\n');
});

describe('kept chains compared as blocks: the same as the plain restore', () => {
  it('over random edits of a long chain declared again, applied in turn', () => {
    let kept = 0;
    fc.assert(
      fc.property(fc.array(longScript, { minLength: 1, maxLength: 4 }), (scripts) => {
        const opts = { noflush: true, counters: true };
        const cache = new RuleParseCache();
        let fast = restore(BASE, undefined, { ...opts, cache }).ruleset;
        let plain = restore(BASE, undefined, opts).ruleset;
        for (const s of scripts.flatMap((x) => [x, x])) {
          const f = restore(s, fast, { ...opts, cache });
          const p = restore(s, plain, opts);
          expect(f.errors.map(formatRestoreError)).toEqual(p.errors.map(formatRestoreError));
          expect(printSave(f.ruleset, { counters: true })).toBe(printSave(p.ruleset, { counters: true }));
          if (f.errors.length === 0 && f.ruleset.tables.get('filter')!.chains.get('A') === fast.tables.get('filter')!.chains.get('A')) kept++;
          fast = f.ruleset;
          plain = p.ruleset;
        }
      }),
      { numRuns: 300, seed: 12 },
    );
    expect(kept).toBeGreaterThan(30);
  });

  it('a chain\'s unchanged lines after a changed one are held back as one run, and errors after them keep their line', () => {
    const cache = new RuleParseCache();
    const full = restore(BASE, undefined, { noflush: true, counters: true, cache }).ruleset;
    const text = ['*filter', ':A - [0:0]', ...A_LINES, '-A NOPE -j RETURN', 'COMMIT', ''].join('\n');
    const fast = restore(text, full, { noflush: true, counters: true, cache });
    expect(fast.errors.map(formatRestoreError)).toEqual(restore(text, full, { noflush: true, counters: true }).errors.map(formatRestoreError));
    expect(fast.errors[0].line).toBe(43);
  });
});

describe('kept chains of a cloned ruleset', () => {
  it('a clone remembers what its chains were built from: declared again with the same lines, they are kept', () => {
    const cache = new RuleParseCache();
    const full = restore(FULL, undefined, { ...OPTS, cache }).ruleset;
    const quiet = cloneRuleset(full);
    expect(chain(restore(PARTIAL, quiet, { ...OPTS, cache }).ruleset, 'SVCS')).toBe(chain(quiet, 'SVCS'));
    const clone = cloneRuleset(full);
    chain(clone, 'SVCS').rules[1].counters = { packets: 3, bytes: 0 };
    const inc = restore(PARTIAL, clone, { ...OPTS, cache });
    const plain = restore(PARTIAL, clone, OPTS);
    expect(inc.errors).toEqual([]);
    expect(printSave(inc.ruleset, { counters: true })).toBe(printSave(plain.ruleset, { counters: true }));
    // Counted, so copied with zeroed counters; the next sync keeps that copy as it is.
    const again = restore(PARTIAL, inc.ruleset, { ...OPTS, cache });
    expect(chain(again.ruleset, 'SVCS')).toBe(chain(inc.ruleset, 'SVCS'));
    expect(chain(clone, 'SVCS').rules[1].counters.packets).toBe(3);
  });
});

describe('grown()', () => {
  it('is the array then the item, a new array, the old one unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 12 }), fc.integer(), (a, x) => {
        const before = a.slice();
        const out = grown(a, x);
        expect(out).toEqual([...before, x]);
        expect(out).not.toBe(a);
        expect(a).toEqual(before);
      }),
    );
  });
});
