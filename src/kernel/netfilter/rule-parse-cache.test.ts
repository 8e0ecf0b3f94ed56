// The parse cache: a hit gives the rules a fresh parse gives, sharing only what holds no per-rule state.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';

const TEXT = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':SVC - [0:0]',
  ':SEP - [0:0]',
  '-A PREROUTING -m comment --comment "to the service" -d 10.96.0.1/32 -p udp -m udp --dport 53 -j SVC',
  '-A SVC -m statistic --mode random --probability 0.50000000000 -j SEP',
  '-A SVC -m statistic --mode nth --every 2 --packet 0 -j SEP',
  '-A SVC -m limit --limit 5/sec -j SEP',
  '-A SEP -p udp -j DNAT --to-destination 10.0.0.1:53',
  'COMMIT',
  '',
].join('\n');

const rulesOf = (rs: Ruleset, chain: string) => rs.tables.get('nat')!.chains.get(chain)!.rules;

describe('RuleParseCache', () => {
  it('a hit gives the same rules as a fresh parse, sharing the parse and not the counters', () => {
    const cache = new RuleParseCache();
    const a = restore(TEXT, undefined, { cache });
    const b = restore(TEXT, undefined, { cache });
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(printSave(b.ruleset)).toBe(printSave(restore(TEXT).ruleset));
    expect(cache.stats.hits).toBeGreaterThan(0);
    const [ra, rb] = [rulesOf(a.ruleset, 'PREROUTING')[0], rulesOf(b.ruleset, 'PREROUTING')[0]];
    expect(rb).not.toBe(ra);
    expect(rb.matches).toBe(ra.matches);
    expect(rb.basics).toBe(ra.basics);
    expect(rb).toEqual(ra);
    // Counters belong to each namespace's rule.
    ra.counters = { packets: 3, bytes: 0 };
    expect(rb.counters.packets).toBe(0);
    expect(printSave(b.ruleset, { counters: true })).not.toBe(printSave(a.ruleset, { counters: true }));
  });

  it('does not share a match that keeps state in itself (nth counter, limit bucket)', () => {
    const cache = new RuleParseCache();
    const a = rulesOf(restore(TEXT, undefined, { cache }).ruleset, 'SVC');
    const b = rulesOf(restore(TEXT, undefined, { cache }).ruleset, 'SVC');
    // --mode random only draws from the packet's RNG: shared.
    expect(b[0].matches[0]).toBe(a[0].matches[0]);
    expect(b[1].matches[0]).not.toBe(a[1].matches[0]);
    expect(b[2].matches[0]).not.toBe(a[2].matches[0]);
  });

  it('a line that fails now reports its own line, even when a parse of it is cached', () => {
    const cache = new RuleParseCache();
    expect(restore(TEXT, undefined, { cache }).errors).toEqual([]);
    const without = ['*nat', ':PREROUTING ACCEPT [0:0]', '', '# SVC is not declared here', TEXT.split('\n')[4], 'COMMIT', ''].join('\n');
    const r = restore(without, undefined, { cache });
    const fresh = restore(without);
    expect(r.errors.map(formatRestoreError)).toEqual(fresh.errors.map(formatRestoreError));
    expect(r.errors.map(formatRestoreError)).toEqual(["line 5:97: Chain 'SVC' does not exist"]);
  });

  it('is not used for a restore that checks ipsets, and --counters still takes [p:b] and -c', () => {
    const cache = new RuleParseCache();
    const text = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m set --match-set S src -j DROP\nCOMMIT\n';
    expect(restore(text, undefined, { cache }).errors).toEqual([]);
    const r = restore(text, undefined, { cache, sets: new Set(['T']) });
    expect(r.errors.length).toBe(1);
    const counted = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\n[5:6] -A INPUT -j DROP\n-c 7 8 -A INPUT -j DROP\nCOMMIT\n';
    restore(counted, undefined, { cache });
    const c = restore(counted, undefined, { cache, counters: true });
    expect(c.ruleset.tables.get('filter')!.chains.get('INPUT')!.rules.map((x) => x.counters)).toEqual([
      { packets: 0, bytes: 0 }, { packets: 5, bytes: 6 }, { packets: 7, bytes: 8 },
    ]);
  });
});

describe('RuleParseCache: a MID template and a jump named like a target', () => {
  // `-j NAME` takes a target module before a chain of that name (do_parse()), and a user chain may be named like
  // one (`:DROP`): a line with a MID template's middle and such a name must not take the chain (find()'s shortcut
  // for the template's own jump skips the target lookup only for that one name). The chains' names are as long
  // as the targets', so a shortcut that compared lengths alone would be caught.
  it('gives what a restore without a cache gives, rule by rule (target kinds too)', () => {
    const names = ['DROP', 'MYCH', 'ACCEPT', 'ABCDEF', 'RETURN', 'XRETRN'];
    const mids = ['', ' -s 10.0.0.1/32', ' -p tcp -m tcp --dport 80'];
    const line = fc.record({ chain: fc.constantFrom('A', 'B', 'INPUT'), mid: fc.constantFrom(...mids), jump: fc.constantFrom(...names) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.subarray(names), (lines, declared) => {
        const text = ['*filter', ':A - [0:0]', ':B - [0:0]', ':MYCH - [0:0]', ':ABCDEF - [0:0]', ':XRETRN - [0:0]']
          .concat(declared.filter((d) => !['MYCH', 'ABCDEF', 'XRETRN'].includes(d)).map((d) => `:${d} - [0:0]`))
          .concat(lines.map((l) => `-A ${l.chain}${l.mid} -j ${l.jump}`), ['COMMIT', '']).join('\n');
        const cache = new RuleParseCache();
        for (let k = 0; k < 2; k++) {
          const got = restore(text, undefined, { cache });
          const want = restore(text);
          expect(got.errors.map(formatRestoreError)).toEqual(want.errors.map(formatRestoreError));
          if (want.errors.length > 0) continue;
          const table = (rs: Ruleset) => [...rs.tables.get('filter')!.chains.values()].map((c) => c.rules.map((r) => ({ kind: r.target.kind, name: r.target.kind === 'module' ? r.target.target.name : r.target.kind === 'none' ? '' : r.target.chain, source: r.source })));
          expect(table(got.ruleset)).toEqual(table(want.ruleset));
        }
      }),
      { numRuns: 300 },
    );
  });
});
