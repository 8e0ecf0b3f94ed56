// Chain indexes are reused for the same rule list (a chain a restore kept, or shared) and made again otherwise.

import { describe, expect, it } from 'vitest';
import { indexRuleset } from './index-chain.js';
import { restore } from './restore-apply.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { cloneRuleset } from './ruleset.js';
import type { Ruleset } from './ruleset.js';

const lines = (n: number, port: number) => Array.from({ length: n }, (_, i) => `-A SVCS -d 10.96.0.${i}/32 -p tcp -m tcp --dport ${port} -j ACCEPT`);
const text = (port: number) => ['*filter', ':SVCS - [0:0]', ':OTHER - [0:0]', ...lines(20, port), ...lines(20, port).map((l) => l.replace('SVCS', 'OTHER')), 'COMMIT', ''].join('\n');
const svcs = (rs: Ruleset) => rs.tables.get('filter')!.chains.get('SVCS')!;
const packet = (dst: string) => ({ ip: { dst: dst.split('.').reduce((a, o) => a * 256 + Number(o), 0), protocol: 6, fragOffset: 0 }, l4: { proto: 'tcp', tcp: { dport: 80 } } });

describe('indexRuleset', () => {
  it('reuses the index of a kept chain and indexes a changed one again', () => {
    const cache = new RuleParseCache();
    const opts = { noflush: true, counters: true, cache };
    const a = restore(text(80), undefined, opts).ruleset;
    // OTHER changes, SVCS is declared again with the same lines: kept.
    const b = restore(text(80).replace(/(-A OTHER .*)--dport 80/, '$1--dport 81'), a, opts).ruleset;
    expect(svcs(b)).toBe(svcs(a));
    const ia = indexRuleset(a);
    const ib = indexRuleset(b);
    expect(ib.chain('filter', 'SVCS')).toBe(ia.chain('filter', 'SVCS'));
    expect(ib.chain('filter', 'OTHER')).not.toBe(ia.chain('filter', 'OTHER'));
    // A changed chain answers for its own rules.
    const c = restore(text(81), b, opts).ruleset;
    const ic = indexRuleset(c);
    expect(ic.chain('filter', 'SVCS')).not.toBe(ia.chain('filter', 'SVCS'));
    const p = packet('10.96.0.3') as Parameters<NonNullable<ReturnType<typeof ic.chain>>['candidates']>[0];
    expect(ia.chain('filter', 'SVCS')!.candidates(p)).toEqual([3]);
    expect(ic.chain('filter', 'SVCS')!.candidates(p)).toEqual([]);
    // A clone has rule lists of its own: indexed again, with the same answers.
    const ik = indexRuleset(cloneRuleset(a));
    expect(ik.chain('filter', 'SVCS')).not.toBe(ia.chain('filter', 'SVCS'));
    expect(ik.chain('filter', 'SVCS')!.candidates(p)).toEqual([3]);
  });

  it('indexes a rule list again when its length changed in place', () => {
    const rs = restore(text(80)).ruleset;
    const before = indexRuleset(rs).chain('filter', 'SVCS');
    svcs(rs).rules.pop();
    expect(indexRuleset(rs).chain('filter', 'SVCS')).not.toBe(before);
  });
});
