// restore() applies each line as it is read (RestoreApplier.line(): one pass, no record per line) and falls back
// to the two-pass restore (parseRestore() then applyRestore()) on any error or doubt. Held here to the two-pass
// restore over scripts of every command, several blocks, errors of the parse, of the apply and of the commit,
// `-Z` and `-E` (which need the block's lines), with and without --noflush, --counters and a rule cache, over
// an empty namespace and over a kept table: the same tables, counters, errors and chain records.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RestoreApplier, applyRestore, restore } from './restore-apply.js';
import { formatRestoreError, parseRestore } from './restore-parse.js';
import type { RestoreOptions } from './restore-parse.js';
import { chainSource } from './restore-chain-source.js';
import { compactValidGraph } from './compact-jump-check.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';
import { emptyRuleset } from './ruleset.js';

/** The two-pass restore: the whole script parsed, then applied. */
function twoPass(text: string, base: Ruleset, opts: RestoreOptions): { ruleset: Ruleset; errors: ReturnType<typeof restore>['errors'] } {
  const { script, errors } = parseRestore(text, base, opts);
  return applyRestore(base, script, opts, errors);
}

/** What a reader or a later restore sees of a result: the save with counters, the errors, each chain's record. */
function outcome(r: ReturnType<typeof restore>): unknown {
  const recs: Record<string, string[] | null> = {};
  for (const [t, table] of r.ruleset.tables) {
    for (const [name, c] of table.chains) {
      const s = chainSource(c);
      recs[`${t}/${name}`] = s === undefined ? null : [...s.lines, ...s.at.map((a) => JSON.stringify(a))];
    }
  }
  return { save: printSave(r.ruleset, { counters: true }), errors: r.errors.map(formatRestoreError), recs };
}

const chain = fc.constantFrom('A', 'B', 'KUBE-SEP-1', 'KUBE-SEP-22', 'KUBE-SVC-X');
const target = fc.oneof(chain, fc.constantFrom('ACCEPT', 'DROP', 'RETURN', 'NOWHERE', 'KUBE-MARK-MASQ'));
const spec = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 3 }), target).map(([n, t]) => `-s 10.0.0.${n}/32 -j ${t}`),
  fc.tuple(fc.constantFrom('tcp', 'udp'), target).map(([p, t]) => `-m ${p} -p ${p} --dport 80 -j ${t}`),
  target.map((t) => `-m statistic --mode random --probability 0.5000000000 -j ${t}`),
  target.map((t) => `-j ${t}`),
  fc.constant('-s 10.0.0.1/32,10.0.0.2/32 -j ACCEPT'),
  fc.constant('-m comment --comment "ns/s:p cluster IP" -m tcp -p tcp -d 10.96.0.1/32 --dport 80 -j ACCEPT'),
  fc.constant('-m bogus -j ACCEPT'),
  fc.constant('-j DNAT --to-destination 10.0.0.1:80'),
  // Targets only some hooks allow: a chain holding one is refused at COMMIT when a base chain of another reaches it.
  fc.constantFrom('-j MASQUERADE', '-m tcp -p tcp -j REDIRECT --to-ports 8080', '-s 10.0.0.3/32 -j SNAT --to-source 10.0.0.9'),
);
const line = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(chain, spec).map(([c, s]) => `-A ${c} ${s}`) },
  { weight: 2, arbitrary: fc.tuple(chain, spec).map(([c, s]) => `[3:4] -A ${c} ${s}`) },
  { weight: 2, arbitrary: fc.tuple(chain, spec).map(([c, s]) => `-A ${c} -c 5 6 ${s}`) },
  { weight: 3, arbitrary: chain.map((c) => `:${c} - [0:0]`) },
  { weight: 1, arbitrary: chain.map((c) => `:${c} - [7:8]`) },
  { weight: 1, arbitrary: fc.constantFrom(':INPUT DROP [1:2]', ':OUTPUT ACCEPT [0:0]', ':PREROUTING ACCEPT [0:0]') },
  { weight: 2, arbitrary: fc.tuple(chain, fc.integer({ min: 1, max: 3 }), spec).map(([c, n, s]) => `-I ${c} ${n} ${s}`) },
  { weight: 1, arbitrary: fc.tuple(chain, fc.integer({ min: 1, max: 3 }), spec).map(([c, n, s]) => `-R ${c} ${n} ${s}`) },
  { weight: 1, arbitrary: fc.tuple(chain, spec).map(([c, s]) => `-D ${c} ${s}`) },
  { weight: 1, arbitrary: fc.tuple(chain, fc.integer({ min: 1, max: 3 })).map(([c, n]) => `-D ${c} ${n}`) },
  { weight: 1, arbitrary: fc.option(chain).map((c) => (c === null ? '-F' : `-F ${c}`)) },
  { weight: 1, arbitrary: fc.option(chain).map((c) => (c === null ? '-Z' : `-Z ${c}`)) },
  { weight: 1, arbitrary: fc.option(chain).map((c) => (c === null ? '-X' : `-X ${c}`)) },
  { weight: 2, arbitrary: chain.map((c) => `-N ${c}`) },
  { weight: 1, arbitrary: fc.tuple(chain, chain).map(([a, b]) => `-E ${a} ${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('-P INPUT DROP', '-P A DROP', '-A INPUT -j A', '-A POSTROUTING -j B', '-A PREROUTING -j A', '-A OUTPUT -j KUBE-SEP-1') },
  { weight: 1, arbitrary: fc.constantFrom('', '# a comment', 'garbage', '-A', ':', ':A BOGUS [0:0]') },
);
const anyBlock = fc.tuple(fc.constantFrom('filter', 'nat'), fc.array(line, { maxLength: 10 }), fc.integer({ min: 0, max: 9 }))
  .map(([t, lines, end]) => [`*${t}`, ...lines, ...(end === 0 ? [] : ['COMMIT'])]);
/** A block that mostly commits: every chain declared first, then lines that name them (some `-Z`, `-E`, `-X` still). */
const goodTarget = fc.constantFrom('A', 'B', 'KUBE-SEP-1', 'KUBE-SEP-22', 'ACCEPT', 'RETURN');
const goodLine = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(chain, fc.integer({ min: 1, max: 3 }), goodTarget).map(([c, n, t]) => `-A ${c} -s 10.0.0.${n}/32 -j ${t}`) },
  { weight: 6, arbitrary: fc.tuple(chain, goodTarget).map(([c, t]) => `-A ${c} -m statistic --mode random --probability 0.5000000000 -j ${t}`) },
  { weight: 6, arbitrary: fc.tuple(chain, fc.constantFrom('tcp', 'udp')).map(([c, p]) => `-A ${c} -m ${p} -p ${p} --dport 80 -j RETURN`) },
  { weight: 3, arbitrary: fc.tuple(chain, fc.constantFrom('-j MASQUERADE', '-m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80', '-j SNAT --to-source 10.0.0.9')).map(([c, t]) => `-A ${c} ${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('-A PREROUTING -j A', '-A POSTROUTING -j B', '-A OUTPUT -j KUBE-SEP-1', '-A INPUT -j KUBE-SEP-22') },
  { weight: 2, arbitrary: fc.tuple(chain, spec).map(([c, s]) => `[3:4] -A ${c} ${s}`) },
  { weight: 2, arbitrary: chain.map((c) => `:${c} - [0:0]`) },
  { weight: 1, arbitrary: fc.tuple(chain, goodTarget).map(([c, t]) => `-I ${c} 1 -j ${t}`) },
  { weight: 1, arbitrary: chain.map((c) => `-F ${c}`) },
  { weight: 1, arbitrary: fc.constantFrom('-Z KUBE-SVC-X', '-N C', '-X C', '-E KUBE-SVC-X Y', '-P INPUT DROP', '# note', '') },
);
const goodBlock = fc.tuple(fc.constantFrom('filter', 'nat'), fc.array(goodLine, { maxLength: 12 }))
  .map(([t, lines]) => [`*${t}`, ':A - [0:0]', ':B - [0:0]', ':KUBE-SEP-1 - [0:0]', ':KUBE-SEP-22 - [0:0]', ':KUBE-SVC-X - [0:0]', ...lines, 'COMMIT']);
const block = fc.oneof(anyBlock, goodBlock);
/** One to three blocks (the last one may lack its COMMIT), a final newline or not. */
const textArb = fc.tuple(fc.array(block, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 9 }))
  .map(([blocks, nl]) => `${blocks.flat().join('\n')}${nl === 0 ? '' : '\n'}`);
const optsArb = fc.record({ noflush: fc.boolean(), counters: fc.boolean(), cache: fc.boolean() });

describe('restore() in one pass', () => {
  it('gives what the two-pass restore gives: tables, counters, errors and records, over an empty or a kept table', () => {
    let ok = 0;
    let failed = 0;
    fc.assert(fc.property(textArb, textArb, optsArb, (before, text, o) => {
      const cache = o.cache ? new RuleParseCache() : undefined;
      const opts: RestoreOptions = { noflush: o.noflush, counters: o.counters, ...(cache ? { cache } : {}) };
      // The kept table: what `before` left (through the same cache, so kept chains have records to compare with).
      const base = restore(before, emptyRuleset(), { ...opts, noflush: true }).ruleset;
      const baseSave = printSave(base, { counters: true });
      const got = restore(text, base, opts);
      const want = twoPass(text, base, { noflush: o.noflush, counters: o.counters, ...(cache ? { cache: new RuleParseCache() } : {}) });
      expect(outcome(got)).toEqual(outcome(want));
      // Warm: the same again through the cache the first restore filled.
      if (cache !== undefined) expect(outcome(restore(text, base, opts))).toEqual(outcome(want));
      // The namespace it started from is left as it was.
      expect(printSave(base, { counters: true })).toBe(baseSave);
      if (got.errors.length === 0) ok++;
      else failed++;
    }), { numRuns: 1500, seed: 81 });
    // Both ways are taken many times.
    expect(ok).toBeGreaterThan(100);
    expect(failed).toBeGreaterThan(100);
  });

  it('finishes a restore without errors in its one pass (a kube-proxy full sync is not read twice)', () => {
    // What restore() does first; it reads the text again only when this pass failed or had a doubt.
    const cache = new RuleParseCache();
    const opts: RestoreOptions = { noflush: true, counters: true, cache };
    const sync = (n: number): string => {
      const out = ['*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]'];
      for (let i = 0; i < n; i++) out.push(`:KUBE-SVC-${i} - [0:0]`, `:KUBE-SEP-${i} - [0:0]`);
      out.push('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');
      for (let i = 0; i < n; i++) {
        out.push(
          `-A KUBE-SERVICES -m comment --comment "default/svc-${i}:dns cluster IP" -m udp -p udp -d 172.16.0.${i} --dport 53 -j KUBE-SVC-${i}`,
          `-A KUBE-SVC-${i} -j KUBE-SEP-${i}`,
          `-A KUBE-SEP-${i} -s 10.244.1.${i}/32 -j KUBE-MARK-MASQ`,
          `-A KUBE-SEP-${i} -m udp -p udp -j DNAT --to-destination 10.244.1.${i}:53`,
        );
      }
      return [...out, 'COMMIT', ''].join('\n');
    };
    let base = emptyRuleset();
    for (const n of [20, 20, 30]) {
      const text = sync(n);
      const stream = new RestoreApplier(base, opts, null);
      const pass = parseRestore(text, base, opts, true, stream);
      expect(pass.errors).toEqual([]);
      expect(stream.failed).toBe(false);
      const got = stream.finish();
      expect(outcome(got)).toEqual(outcome(twoPass(text, base, { noflush: true, counters: true, cache: new RuleParseCache() })));
      base = got.ruleset;
    }
  });
});

describe('the commit check of chains a restore recorded', () => {
  it('takes the hooks their rules allow from the record as it would from each rule', () => {
    const natLine = fc.oneof(
      fc.tuple(chain, fc.constantFrom('-j MASQUERADE', '-m tcp -p tcp -j DNAT --to-destination 10.0.0.1:80', '-j SNAT --to-source 10.0.0.9', '-j RETURN', '-s 10.0.0.1/32 -j KUBE-SEP-1', '-m statistic --mode random --probability 0.5000000000 -j B')).map(([c, t]) => `-A ${c} ${t}`),
      chain.map((c) => `-I ${c} 1 -j ACCEPT`),
    );
    const natText = fc.array(natLine, { maxLength: 12 }).map((lines) => ['*nat', ':A - [0:0]', ':B - [0:0]', ':KUBE-SEP-1 - [0:0]', ':KUBE-SEP-22 - [0:0]', ':KUBE-SVC-X - [0:0]', ...lines, 'COMMIT', ''].join('\n'));
    let refused = 0;
    fc.assert(fc.property(natText, natText, fc.constantFrom('PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'), chain, (teach, text, hook, to) => {
      const cache = new RuleParseCache();
      restore(teach, emptyRuleset(), { noflush: true, cache });
      const r = restore(text, emptyRuleset(), { noflush: true, cache });
      const table = r.ruleset.tables.get('nat');
      if (table === undefined) return;
      // The table with base chain `hook` jumping to `to` (its chains as they are, records and all), and a copy
      // of it whose chains are plain objects (each rule asked).
      const jump = restore(`*nat\n:${to} - [0:0]\n-A ${hook} -j ${to}\nCOMMIT\n`).ruleset.tables.get('nat')!.chains.get(hook)!;
      const chains = new Map(table.chains);
      chains.set(hook, { ...chains.get(hook)!, rules: jump.rules });
      const plain = new Map([...chains].map(([n, c]) => [n, { name: c.name, hook: c.hook, policy: c.policy, counters: c.counters, rules: c.rules }]));
      const got = compactValidGraph({ name: 'nat', chains });
      const want = compactValidGraph({ name: 'nat', chains: plain });
      expect(got === null).toBe(want === null);
      if (want === null) refused++;
    }), { numRuns: 400, seed: 82 });
    expect(refused).toBeGreaterThan(50);
  });
});
