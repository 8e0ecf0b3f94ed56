// The rule cache's hit path held to the plain restore: lines answered by the REST / MID maps (rebased entries,
// no per-line cache entry, text made when first read), the one-rule line record (CachedLine.rule, its command
// made only if read, appended by the apply without it), the chains' records of their lines, and kube-proxy's
// `:NAME - [0:0]` chain lines read without a split. Whatever the order of the lines, the chain names' lengths,
// a missing chain or jump, a cold or a warm cache: the same rules, counters, errors, records and text back.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError, isCachedLine, parseChainLine, parseRestore, plainChainLine, printRestore } from './restore-parse.js';
import { chainSource } from './restore-chain-source.js';
import { RuleParseCache, entryTextIs } from './rule-parse-cache.js';
import { printSave } from './save-print.js';
import { ruleSpecText } from './rule-print.js';
import type { Ruleset, TableName } from './ruleset.js';
import { emptyRuleset } from './ruleset.js';

const OPTS = { noflush: true, counters: true } as const;

/** What a later restore or a reader sees of a result: the save with counters and the errors. */
function outcome(r: { ruleset: Ruleset; errors: readonly { line: number; column?: number; message: string }[] }): unknown {
  return { save: printSave(r.ruleset, { counters: true }), errors: r.errors.map(formatRestoreError) };
}

/**
 * The records of `rs`'s nat chains (null: none), each checked to be what the chain was built from: the `-A` lines
 * of the chain in `text` after its last declaration (or `-N`), as written, with the plain parse's words and columns.
 */
function records(rs: Ruleset, text: string): Record<string, boolean> {
  const plain = parseRestore(text, emptyRuleset(), OPTS).script.lines;
  const out: Record<string, boolean> = {};
  for (const [name, c] of rs.tables.get('nat')?.chains ?? []) {
    const s = chainSource(c);
    out[name] = s !== undefined;
    if (s === undefined) continue;
    let from = 0;
    // From its last declaration (or -N): a chain with a record was given only `-A` lines since.
    for (const [i, l] of plain.entries()) if ((l.kind === 'chain' && l.chain === name) || (l.kind === 'command' && l.command.op === 'new-chain' && l.command.chain === name)) from = i;
    const own = plain.slice(from).filter((l) => l.kind === 'command' && l.command.op === 'append' && l.command.chain === name) as Array<Extract<typeof plain[number], { kind: 'command' }>>;
    const lines = text.split('\n');
    expect({ lines: [...s.lines], words: s.words.map((w) => [...w.words]), at: [...s.at] }).toEqual({
      lines: own.map((l) => lines[l.line - 1]), words: own.map((l) => [...l.words]), at: own.map((l) => l.at),
    });
  }
  return out;
}

/** kube-proxy's chain names: one length (hashed) or mixed lengths. */
const nameArb = (prefix: string) => fc.integer({ min: 0, max: 5 }).chain((n) => fc.constantFrom(`${prefix}${'X'.repeat(n)}`, `${prefix}${n}`, `${prefix}AAAA${n}`));

/** A line of chain `c` (jumping to `j`), of one of kube-proxy's kinds. */
const lineArb = (sep: string[], svc: string[]) => {
  const s = fc.constantFrom(...sep);
  const v = fc.constantFrom(...svc);
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(s, fc.integer({ min: 1, max: 4 })).map(([c, ip]) => `-A ${c} -s 10.244.0.${ip}/32 -j KUBE-MARK-MASQ`) },
    { weight: 3, arbitrary: fc.tuple(s, fc.integer({ min: 1, max: 4 }), fc.constantFrom('tcp', 'udp')).map(([c, ip, p]) => `-A ${c} -m ${p} -p ${p} -j DNAT --to-destination 10.244.0.${ip}:80`) },
    { weight: 3, arbitrary: fc.tuple(v, s, fc.constantFrom('0.3333333333', '0.5000000000')).map(([c, j, p]) => `-A ${c} -m statistic --mode random --probability ${p} -j ${j}`) },
    { weight: 3, arbitrary: fc.tuple(v, s).map(([c, j]) => `-A ${c} -j ${j}`) },
    { weight: 2, arbitrary: fc.tuple(v, fc.integer({ min: 1, max: 3 })).map(([c, n]) => `-A ${c} -m comment --comment "ns/s${n}:p cluster IP" -m tcp -p tcp -d 10.96.0.${n}/32 --dport 80 ! -s 10.128.0.0/9 -j KUBE-MARK-MASQ`) },
    // An address list makes two rules: answered by the cache, but not as one rule.
    { weight: 1, arbitrary: s.map((c) => `-A ${c} -s 10.244.0.1/32,10.244.0.2/32 -j KUBE-MARK-MASQ`) },
    // Counters in the line (taken with --counters only).
    { weight: 1, arbitrary: fc.tuple(s, fc.constantFrom('10.244.0.1/32', '10.244.0.1/32,10.244.0.2/32')).map(([c, a]) => `-A ${c} -c 5 6 -s ${a} -j KUBE-MARK-MASQ`) },
    // A chain declared again in the middle (flushed), a built-in chain.
    { weight: 1, arbitrary: fc.oneof(s, v).map((c) => `:${c} - [0:0]`) },
    { weight: 1, arbitrary: fc.constant('-A OUTPUT -j KUBE-MARK-MASQ') },
    // Chains made and deleted on the way: a name asked before must be asked again (restore-parse.ts chainNamed()).
    { weight: 1, arbitrary: fc.oneof(s, v).map((c) => `-X ${c}`) },
    { weight: 1, arbitrary: fc.oneof(s, v).map((c) => `-N ${c}`) },
    // A chain jumped to before it exists, then made by a declaration or -N, then jumped to again.
    { weight: 2, arbitrary: v.map((c) => `-A ${c} -j KUBE-LATE`) },
    { weight: 1, arbitrary: fc.constantFrom('-N KUBE-LATE', ':KUBE-LATE - [0:0]') },
    // What fails: a chain never declared, a jump to one.
    { weight: 1, arbitrary: fc.oneof(fc.constant(0), fc.constant(1)).chain((k) => (k === 0 ? nameArb('KUBE-SEP-').map((c) => `-A ${c}Z -j KUBE-MARK-MASQ`) : v.map((c) => `-A ${c} -j KUBE-NOWHERE`))) },
  );
};

const textArb = fc.tuple(fc.uniqueArray(nameArb('KUBE-SEP-'), { minLength: 1, maxLength: 4 }), fc.uniqueArray(nameArb('KUBE-SVC-'), { minLength: 1, maxLength: 3 }), fc.boolean())
  .chain(([sep, svc, noMasq]) => fc.array(lineArb(sep, svc), { maxLength: 16 }).map((lines) => {
    const chains = [...sep, ...svc].map((c) => `:${c} - [0:0]`);
    return ['*nat', ...(noMasq ? [] : [':KUBE-MARK-MASQ - [0:0]']), ...chains, ...lines, 'COMMIT', ''].join('\n');
  }));

describe('lines answered from the rule cache', () => {
  it('restore as the plain restore does: rules, counters, errors, the chains\' records; cold, warm and over a kept table', () => {
    fc.assert(fc.property(textArb, textArb, fc.boolean(), (a, b, counters) => {
      const OPTS = { noflush: true, counters };
      const cache = new RuleParseCache();
      // b teaches the cache the shapes a then finds (under other chain names), then a is restored cold and warm.
      restore(b, emptyRuleset(), { ...OPTS, cache });
      const plain = restore(a, emptyRuleset(), OPTS);
      const cold = restore(a, emptyRuleset(), { ...OPTS, cache });
      expect(outcome(cold)).toEqual(outcome(plain));
      const warm = restore(a, emptyRuleset(), { ...OPTS, cache });
      expect(outcome(warm)).toEqual(outcome(plain));
      // The same chains keep a record whether their lines were answered by shapes or parsed (a fresh cache).
      const fresh = restore(a, emptyRuleset(), { ...OPTS, cache: new RuleParseCache() });
      expect(records(cold.ruleset, a)).toEqual(records(fresh.ruleset, a));
      expect(records(warm.ruleset, a)).toEqual(records(fresh.ruleset, a));
      // Over the table a made (its chains' records decide what is kept), b then a again.
      const overPlain = restore(a, restore(b, plain.ruleset, OPTS).ruleset, OPTS);
      const overCached = restore(a, restore(b, cold.ruleset, { ...OPTS, cache }).ruleset, { ...OPTS, cache });
      expect(outcome(overCached)).toEqual(outcome(overPlain));
    }), { numRuns: 300, seed: 11 });
  });

  it('read back as the plain parse reads them: words, columns, commands and the text as written', () => {
    fc.assert(fc.property(textArb, textArb, (a, b) => {
      const cache = new RuleParseCache();
      restore(b, emptyRuleset(), { ...OPTS, cache });
      const plain = parseRestore(a, emptyRuleset(), OPTS);
      const cached = parseRestore(a, emptyRuleset(), { ...OPTS, cache });
      expect(cached.errors).toEqual(plain.errors);
      expect(printRestore(cached.script)).toBe(printRestore(plain.script));
      expect(cached.script.lines.length).toBe(plain.script.lines.length);
      for (const [i, l] of cached.script.lines.entries()) {
        const p = plain.script.lines[i];
        if (l.kind !== 'command' || p.kind !== 'command') {
          expect(l).toEqual(p);
          continue;
        }
        expect([l.line, [...l.words], l.at]).toEqual([p.line, [...p.words], p.at]);
        // Rules as iptables-save prints them (match instances of two parses hold closures of their own).
        const rules = (c: typeof l.command) => ('rules' in c && c.rules ? c.rules.map((r) => ({ spec: ruleSpecText(r), counters: r.counters, source: r.source, jump: r.target.kind === 'module' ? null : r.target })) : null);
        expect({ ...l.command, rules: rules(l.command) }).toEqual({ ...p.command, rules: rules(p.command) });
        if (isCachedLine(l)) {
          expect(l.text).toBe(a.split('\n')[l.line - 1]);
          // The one-rule record's command, once made, is the same object with the line's own rule.
          if (l.rule !== null) {
            const made = l.command;
            expect(l.command).toBe(made);
            expect((made as { rules: unknown[] }).rules[0]).toBe(l.rule);
          }
        }
      }
    }), { numRuns: 300, seed: 12 });
  });

  it('a line answered by a shape tells whether a text is its own as comparing with its text does', () => {
    const edit = fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom('', 'X', ' ', '-', '0'));
    let asked = 0;
    fc.assert(fc.property(textArb, textArb, fc.array(edit, { maxLength: 6 }), (a, b, edits) => {
      const cache = new RuleParseCache();
      restore(b, emptyRuleset(), { ...OPTS, cache });
      restore(a, emptyRuleset(), { ...OPTS, cache });
      const names = new Set([...a.matchAll(/^:(\S+)|^-N (\S+)/gm)].map((m) => m[1] ?? m[2]));
      const chainNamed = (n: string): string | undefined => (names.has(n) ? n : undefined);
      const all = a.split('\n').filter((l) => l.startsWith('-A '));
      for (const line of all) {
        const e = cache.lookup('nat', false, line, chainNamed);
        if (e === undefined) continue;
        asked++;
        const variants = [line, ...all, ...edits.map(([at, cut, put]) => {
          const p = at % (line.length + 1);
          return line.slice(0, p) + put + line.slice(p + cut);
        })];
        // Asked before its text is made, then after.
        const told = variants.map((v) => entryTextIs(e, v));
        expect(told).toEqual(variants.map((v) => v === e.text));
        expect(variants.map((v) => entryTextIs(e, v))).toEqual(told);
        expect(e.text).toBe(line);
      }
    }), { numRuns: 300, seed: 14 });
    expect(asked).toBeGreaterThan(500);
  });

  it('kube-proxy\'s `:NAME - [0:0]` reads as parseChainLine() reads it', () => {
    const unit = fc.constantFrom(':', 'A', 'K', '-', ' ', '\t', '[', ']', '0', '1');
    const arb = fc.oneof(
      fc.string({ unit, maxLength: 34 }).map((s) => `:${s} - [0:0]`),
      fc.string({ unit, maxLength: 40 }),
      fc.integer({ min: 0, max: 32 }).map((n) => `:${'N'.repeat(n)} - [0:0]`),
    );
    const tables: TableName[] = ['nat', 'filter', 'mangle'];
    let fast = 0;
    fc.assert(fc.property(arb, fc.constantFrom(...tables), (line, table) => {
      const p = plainChainLine(line);
      if (p === undefined) return;
      fast++;
      expect(p).toEqual(parseChainLine(line, table));
    }), { numRuns: 2000, seed: 13 });
    expect(fast).toBeGreaterThan(100);
    for (const b of [':OUTPUT - [0:0]', ':KUBE-SVC-ABC - [0:0]']) expect(plainChainLine(b)).toEqual(parseChainLine(b, 'nat'));
  });
});
