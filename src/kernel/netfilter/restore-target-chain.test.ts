// A user chain named like a target (restore-parse.ts chainClash()): once a chain line of the restore declared
// it, `-j NAME` is a jump to the chain, in what is committed and in how packets walk it; before that line, with
// the plain `iptables` command, or over a chain the kernel already has, it is the target (iptables 1.8.9).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateChain } from './evaluate.js';
import { restore } from './restore-apply.js';
import { formatRestoreError, parseRestore } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';
import type { Rule, Ruleset } from './ruleset.js';
import { printSave } from './save-print.js';
import { makeContext, makePacket } from './testing.js';

const nat = (body: string): string => `*nat\n${body}\nCOMMIT\n`;

function targets(rs: Ruleset, table: string, chain: string): string[] {
  return (rs.tables.get(table as 'nat')?.chains.get(chain)?.rules ?? []).map((r: Rule) =>
    (r.target.kind === 'jump' || r.target.kind === 'goto' ? `${r.target.kind} ${r.target.chain}` : r.target.kind === 'module' ? `target ${r.target.target.name}` : r.target.kind));
}

describe('a chain named like a target', () => {
  it('declared before the rule: a jump, which packets walk', () => {
    const r = restore(nat(':MASQUERADE - [0:0]\n-A MASQUERADE -j ACCEPT\n-A OUTPUT -j MASQUERADE'));
    expect(r.errors).toEqual([]);
    expect(targets(r.ruleset, 'nat', 'OUTPUT')).toEqual(['jump MASQUERADE']);
    expect(printSave(r.ruleset)).toContain('-A OUTPUT -j MASQUERADE\n-A MASQUERADE -j ACCEPT\n');
    const ctx = makeContext({ packet: makePacket({ proto: 'udp', src: '10.0.0.2', dst: '10.0.0.9', dport: 53 }), table: 'nat', hook: 'OUTPUT' });
    const walk = evaluateChain(r.ruleset, 'nat', 'OUTPUT', ctx);
    expect(walk.verdict).toEqual({ kind: 'accept' });
    expect(walk.decidedBy).toEqual({ table: 'nat', chain: 'MASQUERADE', index: 1 });
  });

  it('declared after the rule: the target before, a jump after', () => {
    const r = restore(nat('-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE'));
    expect(r.errors).toEqual([]);
    expect(targets(r.ruleset, 'nat', 'POSTROUTING')).toEqual(['target MASQUERADE', 'jump MASQUERADE']);
    expect(restore(nat('-A OUTPUT -j MASQUERADE\n:MASQUERADE - [0:0]')).errors.map(formatRestoreError)).toEqual(['line 2:14: RULE_APPEND failed (Invalid argument): rule in chain OUTPUT']);
  });

  it('announced for the rest of the restore: after -X, and in a later table, a jump to a missing chain', () => {
    const gone = restore(nat(':MASQUERADE - [0:0]\n-X MASQUERADE\n-A POSTROUTING -j MASQUERADE'));
    expect(gone.errors).toEqual([{ line: 4, column: 19, message: "Chain 'MASQUERADE' does not exist", kernelLine: 5 }]);
    const later = restore(`*filter\n:LOG - [0:0]\nCOMMIT\n${nat('-A POSTROUTING -j LOG')}`);
    expect(later.errors.map((e) => `${e.kernelLine}: ${e.message}`)).toEqual(["6: Chain 'LOG' does not exist"]);
  });

  it('a chain the kernel has is not announced (--noflush), nor one made by -N', () => {
    const base = restore(nat(':MASQUERADE - [0:0]')).ruleset;
    expect(restore(nat('-A OUTPUT -j MASQUERADE'), base, { noflush: true }).errors.map(formatRestoreError)).toEqual(['line 2:14: RULE_APPEND failed (Invalid argument): rule in chain OUTPUT']);
    expect(restore(nat('-N MASQUERADE\n-A OUTPUT -j MASQUERADE')).errors.map(formatRestoreError)).toEqual(['line 2:4: chain name may not clash with target name']);
    // Announced first, -N may make it.
    const made = restore(nat(':MASQUERADE - [0:0]\n-X MASQUERADE\n-N MASQUERADE\n-A OUTPUT -j MASQUERADE'));
    expect(made.errors).toEqual([]);
    expect(targets(made.ruleset, 'nat', 'OUTPUT')).toEqual(['jump MASQUERADE']);
  });

  it('-D by spec cannot read back a rule whose target was announced since: the restore stops there (iptables 1.8.9)', () => {
    const failed = restore(nat('-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-D POSTROUTING -j MASQUERADE'));
    expect(failed.errors.map((e) => `${e.line}: ${e.message}`)).toEqual(['4: Parsing nftables rule failed']);
    expect(failed.ruleset.tables.has('nat')).toBe(false);
    // Rules are read back in order until the one named: a rule met before the MASQUERADE one is deleted.
    const before = restore(nat('-A POSTROUTING -j ACCEPT\n-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-D POSTROUTING -j ACCEPT'));
    expect(before.errors).toEqual([]);
    expect(targets(before.ruleset, 'nat', 'POSTROUTING')).toEqual(['target MASQUERADE']);
    const after = restore(nat('-A POSTROUTING -j MASQUERADE\n-A POSTROUTING -j ACCEPT\n:MASQUERADE - [0:0]\n-D POSTROUTING -j ACCEPT'));
    expect(after.errors.map((e) => e.message)).toEqual(['Parsing nftables rule failed']);
    // A jump written after the announcement reads back as one; -D by number reads no rule.
    expect(restore(nat(':MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE\n-D POSTROUTING -j MASQUERADE')).errors).toEqual([]);
    expect(restore(nat('-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-D POSTROUTING 1')).errors).toEqual([]);
    // The kernel's rule, under --noflush, as the batch's; a table committed before stays.
    const kept = restore(nat('-A POSTROUTING -j MASQUERADE')).ruleset;
    const over = restore(`*filter\n-A INPUT -j ACCEPT\nCOMMIT\n${nat(':MASQUERADE - [0:0]\n-D POSTROUTING -j MASQUERADE')}`, kept, { noflush: true });
    expect(over.errors.map((e) => `${e.line}: ${e.message}`)).toEqual(['6: Parsing nftables rule failed']);
    expect(targets(over.ruleset, 'nat', 'POSTROUTING')).toEqual(['target MASQUERADE']);
    expect(targets(over.ruleset, 'filter', 'INPUT')).toEqual(['target ACCEPT']);
    // Announced only after the -D line: read back as the target, in the two-pass apply too (an error elsewhere).
    const late = restore(nat('-A POSTROUTING -j MASQUERADE\n-D POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-A NOPE -j ACCEPT'));
    expect(late.errors.map((e) => `${e.line}: ${e.message}`)).toEqual(['5: No chain/target/match by that name.']);
  });

  it('-D by spec: the target does not name a jump to the chain of its name, nor the other way round (iptables 1.8.9)', () => {
    const jump = restore(nat(':MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE')).ruleset;
    const later = restore(nat('-D POSTROUTING -j MASQUERADE'), jump, { noflush: true });
    expect(later.errors.map((e) => e.message)).toEqual(['Bad rule (does a matching rule exist in that chain?).']);
    // Announced in the restore that deletes, it is the jump.
    const announced = restore(nat(':MASQUERADE - [0:0]\n-D POSTROUTING -j MASQUERADE'), jump, { noflush: true });
    expect(announced.errors).toEqual([]);
    expect(targets(announced.ruleset, 'nat', 'POSTROUTING')).toEqual([]);
    // The jump written after the announcement, the target before: -D of the jump deletes the jump.
    const both = restore(nat('-A OUTPUT -j ACCEPT\n:MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE\n-D POSTROUTING -j MASQUERADE'));
    expect(both.errors).toEqual([]);
  });

  it('the standard verdicts cannot name a chain', () => {
    for (const v of ['ACCEPT', 'DROP', 'RETURN', 'QUEUE']) {
      expect(parseRestore(`*filter\n:${v} - [0:0]\nCOMMIT\n`).errors).toEqual([{ line: 2, column: 2, message: 'chain name may not clash with target name' }]);
      expect(parseRestore(`*filter\n-N ${v}\nCOMMIT\n`).errors.map((e) => e.message)).toEqual(['chain name may not clash with target name']);
    }
  });

  it('a kept chain declared again after the announcement is read afresh, not kept (restore-chain-source.ts)', () => {
    const cache = new RuleParseCache();
    const first = restore(nat(':SVC - [0:0]\n-A SVC -s 10.0.0.1/32 -j LOG\n-A SVC -j LOG\n-A POSTROUTING -j SVC'), undefined, { noflush: true, cache });
    expect(first.errors).toEqual([]);
    expect(targets(first.ruleset, 'nat', 'SVC')).toEqual(['target LOG', 'target LOG']);
    for (const text of [nat(':LOG - [0:0]\n:SVC - [0:0]\n-A SVC -s 10.0.0.1/32 -j LOG\n-A SVC -j LOG'), nat(':SVC - [0:0]\n-A SVC -s 10.0.0.1/32 -j LOG\n:LOG - [0:0]\n-A SVC -j LOG')]) {
      const again = restore(text, first.ruleset, { noflush: true, cache });
      const plain = restore(text, first.ruleset, { noflush: true });
      expect(again.errors).toEqual([]);
      expect(targets(again.ruleset, 'nat', 'SVC')).toEqual(targets(plain.ruleset, 'nat', 'SVC'));
    }
    expect(targets(restore(nat(':LOG - [0:0]\n:SVC - [0:0]\n-A SVC -j LOG'), first.ruleset, { noflush: true, cache }).ruleset, 'nat', 'SVC')).toEqual(['jump LOG']);
  });

  // The rule cache keeps parses across restores (a live kube-proxy's node): a line it took with NAME as the
  // target must not answer the same line once a chain line announced NAME, nor the other way round.
  it('with a rule cache, the same as without, whichever restore came first', () => {
    const names = ['MASQUERADE', 'LOG', 'MARK', 'SVC'];
    const line = fc.oneof(
      fc.constantFrom(...names).map((n) => `:${n} - [0:0]`),
      fc.tuple(fc.constantFrom('POSTROUTING', 'OUTPUT', ...names), fc.constantFrom(...names)).map(([c, n]) => `-A ${c} -j ${n}${n === 'MARK' ? ' --set-mark 1' : ''}`),
    );
    fc.assert(fc.property(fc.array(fc.array(line, { maxLength: 6 }), { minLength: 1, maxLength: 3 }), (restores) => {
      const cache = new RuleParseCache();
      let cached: Ruleset | undefined;
      let plain: Ruleset | undefined;
      for (const body of restores) {
        const text = `*nat\n:SVC - [0:0]\n${body.join('\n')}\nCOMMIT\n`;
        const a = restore(text, cached, { noflush: true, cache });
        const b = restore(text, plain, { noflush: true });
        expect(a.errors).toEqual(b.errors);
        expect(printSave(a.ruleset)).toBe(printSave(b.ruleset));
        const kinds = (rs: Ruleset): string[] => [...rs.tables.values()].flatMap((t) => [...t.chains.keys()].flatMap((c) => targets(rs, t.name, c)));
        expect(kinds(a.ruleset)).toEqual(kinds(b.ruleset));
        cached = a.ruleset;
        plain = b.ruleset;
      }
    }), { numRuns: 300 });
  });
});
