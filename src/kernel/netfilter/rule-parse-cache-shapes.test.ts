// The parse cache's shared shapes: a line answered from the parse of another line (same words after the chain,
// or the same words before a final `-j CHAIN`) reads exactly as its own parse: rules, words, columns, errors.

import { readFileSync, readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError, parseRestore } from './restore-parse.js';
import type { RestoreLine } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { ruleSpecText } from './rule-print.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';
import { emptyRuleset } from './ruleset.js';

const DUMPS = new URL('../../../test/conformance/kube-proxy/', import.meta.url);

/** Everything a parsed line carries that a later stage reads, rules as iptables-save prints them. */
function view(l: RestoreLine): unknown {
  if (l.kind !== 'command') return l.kind === 'keep' ? { ...l, from: l.from.name } : l;
  const c = l.command;
  const rules = 'rules' in c && c.rules ? c.rules.map((r) => ({ spec: ruleSpecText(r), counters: r.counters, source: r.source, jump: r.target.kind === 'module' ? null : r.target })) : null;
  return { line: l.line, op: c.op, chain: c.chain, index: 'index' in c ? c.index : undefined, rules, words: l.words, at: l.at, text: l.text };
}

function parsed(text: string, cache: RuleParseCache, base: Ruleset = emptyRuleset(), lenientComments = false): unknown {
  const { script, errors } = parseRestore(text, base, { noflush: true, counters: true, cache, lenientComments });
  return { lines: script.lines.map(view), errors: errors.map(formatRestoreError) };
}

/** Every user chain renamed (longer, or shorter) wherever the text names it. */
function renamed(text: string, rename: (name: string) => string): string {
  const names = [...text.matchAll(/^:([^ ]+) - /gm)].map((m) => m[1]);
  const re = new RegExp(`(?<=^:|^-A |-j |-g )(${names.map((n) => n.replace(/[^A-Za-z0-9]/g, '\\$&')).join('|')})(?= |$)`, 'gm');
  return names.length === 0 ? text : text.replace(re, (n) => rename(n));
}

describe('RuleParseCache shapes', () => {
  const dumps = readdirSync(DUMPS).filter((f) => f.endsWith('.iptables-save') || f.endsWith('.iptables-restore'));

  it('answers every line of the kube-proxy conformance dumps, chains and jumps renamed, as a fresh parse does', () => {
    expect(dumps.length).toBeGreaterThan(3);
    for (const f of dumps) {
      const text = readFileSync(new URL(f, DUMPS), 'utf8');
      for (const rename of [(n: string) => `${n}Q`.slice(0, 28), (n: string) => (n.length > 4 ? n.slice(0, -2) : `${n}XYZ`)]) {
        const cache = new RuleParseCache();
        restore(text, undefined, { noflush: true, counters: true, cache });
        const before = cache.stats.hits;
        const other = renamed(text, rename);
        expect(other).not.toBe(text);
        expect(parsed(other, cache)).toEqual(parsed(other, new RuleParseCache()));
        // The renamed lines were answered from the shapes, not parsed again.
        expect(cache.stats.hits - before).toBeGreaterThan(other.split('\n').filter((l) => l.startsWith('-A')).length / 2);
        expect(printSave(restore(other, undefined, { cache }).ruleset)).toBe(printSave(restore(other).ruleset));
      }
    }
  });

  it('a built-in chain, a too long name, a missing jump or a jump to a target module is parsed, with its own error', () => {
    const base = '*filter\n:FOO - [0:0]\n:BAR - [0:0]\n-A FOO -o eth0 -j BAR\n-A FOO -i eth0 -j BAR\n-A FOO -p tcp -j BAR\nCOMMIT\n';
    const next = [
      '*filter', ':FOO - [0:0]', ':BAR - [0:0]', ':BAZ - [0:0]', ':ACCEPT - [0:0]',
      '-A INPUT -o eth0 -j BAR', '-A OUTPUT -i eth0 -j BAR', '-A ABCDEFGHIJKLMNOPQRSTUVWXYZ123 -o eth0 -j BAR',
      '-A BAZ -o eth0 -j MISSING', '-A BAZ -o eth0 -j ACCEPT', '-A BAZ -p tcp -j REJECT', '-A BAZ -o eth0 -j BAZ', 'COMMIT', '',
    ].join('\n');
    const cache = new RuleParseCache();
    expect(restore(base, undefined, { cache }).errors).toEqual([]);
    const fresh = parsed(next, new RuleParseCache());
    expect(parsed(next, cache)).toEqual(fresh);
    expect((fresh as { errors: string[] }).errors).toEqual([
      'line 5:2: chain name may not clash with target name',
      "line 6:10: Can't use -o with INPUT",
      "line 7:11: Can't use -i with OUTPUT",
      "line 8:4: chain name `ABCDEFGHIJKLMNOPQRSTUVWXYZ123' too long (must be under 29 chars)",
      "line 9:19: Chain 'MISSING' does not exist",
    ]);
  });

  it('random lines, good and bad, read the same from a cache that has seen lines of their shapes', () => {
    const chains = ['A', 'BB', 'KUBE-SEP-ABCDEFGHIJKLMNOP', 'INPUT', 'POSTROUTING', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ123', '-x', 'Q"x', 'NOPE'];
    const parts = [
      ' -s 10.0.0.1/32', ' -s 10.0.0.1,10.0.0.2', ' ! -s 10.0.0.0/8', ' -i eth0', ' -o eth0', ' -p tcp', ' -p udp', ' --dport 80', ' -m tcp',
      ' -m comment --comment "a b"', ' -m comment --comment x y', ' -m statistic --mode random --probability 0.5', ' !', ' -j',
      ' -j DNAT --to-destination 1.2.3.4:80', ' -j KUBE-MARK-MASQ', ' -j A', ' -j BB', ' -j NOPE', ' -j DROP', ' -j ACCEPT', ' "', '  ',
      '\t-d 1.2.3.4', ' -g A', ' -c 1 2', ' -m mark --mark 0x1', ' \\"q\\"',
    ];
    const line = fc.tuple(fc.constantFrom(...chains), fc.array(fc.constantFrom(...parts), { maxLength: 6 })).map(([c, p]) => `-A ${c}${p.join('')}`);
    const text = (table: string, lines: string[]) =>
      [`*${table}`, ':A - [0:0]', ':BB - [0:0]', ':KUBE-SEP-ABCDEFGHIJKLMNOP - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ...lines, 'COMMIT', ''].join('\n');
    fc.assert(
      fc.property(fc.constantFrom('nat', 'filter'), fc.array(line, { maxLength: 30 }), fc.array(line, { maxLength: 30 }), fc.boolean(), (table, first, second, lenient) => {
        const cache = new RuleParseCache();
        restore(text(table, first), undefined, { cache, lenientComments: lenient });
        restore(text(table, [...first, ...second]), undefined, { cache, lenientComments: lenient });
        const t = text(table, [...second, ...first]);
        expect(parsed(t, cache, emptyRuleset(), lenient)).toEqual(parsed(t, new RuleParseCache(), emptyRuleset(), lenient));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
