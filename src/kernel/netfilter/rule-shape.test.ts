// Lines of one shape with value holes (rule-shape.ts) read from the shape's template exactly as their own full
// parse reads them: rules, words, columns, texts, and the errors of values the full parse refuses.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { restore } from './restore-apply.js';
import { formatRestoreError, parseRestore } from './restore-parse.js';
import type { RestoreLine } from './restore-parse.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { ruleSpecText } from './rule-print.js';
import { printSave } from './save-print.js';
import { emptyRuleset } from './ruleset.js';
import type { ShapeTemplate } from './rule-shape.js';
import { scannedOfShape, shapeKey } from './rule-shape.js';
import { optionHash, scannedOptionHash, scannedWords, scanWords, scanWordsPlain } from './rule-scan.js';
import { splitWords } from './tokenize.js';

/** Everything a parsed line carries that a later stage reads, rules as iptables-save prints them. */
function view(l: RestoreLine): unknown {
  if (l.kind !== 'command') return l;
  const c = l.command;
  const rules = 'rules' in c && c.rules ? c.rules.map((r) => ({ spec: ruleSpecText(r), counters: r.counters, source: r.source, target: r.target.kind === 'module' ? r.target.target.saveText : r.target, basics: r.basics, matches: r.matches.map((m) => [m.module, m.saveText, m.comment, m.exactDport, m.branchProbability]) })) : null;
  return { line: l.line, op: c.op, chain: c.chain, rules, words: l.words, at: l.at, text: l.text };
}

function parsed(text: string, cache: RuleParseCache | undefined): unknown {
  const { script, errors } = parseRestore(text, emptyRuleset(), { noflush: true, counters: true, cache });
  return { lines: script.lines.map(view), errors: errors.map(formatRestoreError) };
}

/**
 * parsed() of `text` with no rule cache at all (every line parsed in full, no template, no shape memo), lines
 * without `text` (the cached parse sets it where the cache may share the line; the plain one never does).
 */
function parsedPlain(text: string, cache?: RuleParseCache): unknown {
  const { lines, errors } = parsed(text, cache) as { lines: unknown[]; errors: string[] };
  return { lines: lines.map((l) => (typeof l === 'object' && l !== null && 'text' in l ? { ...l, text: undefined } : l)), errors };
}

const CHAINS = ['A', 'BB', 'KUBE-SVC-ABCDEFGHIJKLMNOP', 'KUBE-SEP-ABCDEFGHIJKLMNOP', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ123', '-x', 'NOPE', 'DROP', 'ACCEPT', 'INPUT'];
const ADDRESSES = ['10.0.0.1', '172.16.0.201/32', '10.0.0.0/8', '0.0.0.0/0', '10.0.0.1,10.0.0.2', '300.1.1.1', '10.0.0.1/33', 'x', '"10.0.0.9"', '1.2.3.4/255.255.0.0'];
const COMMENTS = ['"default/svc-00199:dns cluster IP"', 'plain', '""', `"${'c'.repeat(255)}"`, `"${'c'.repeat(256)}"`, '"a \\" b"', '-d', '!'];
const PORTS = ['53', '80', '"80"', '"8080"', '0', '65535', '65536', '1:100', '100:1', 'http', 'abc', '-1'];
const DESTINATIONS = ['10.128.1.31:5353', '10.0.0.1', '10.0.0.1-10.0.0.9:80-90', '10.0.0.1:0', '10.0.0.1:99999', 'bad', '10.0.0.1:'];
const PROBABILITIES = ['0.3333333333', '0.5000000000', '1', '0', '1.5', '-0.1', 'x', '1e-3'];

/** Shapes with holes written as {chain} {addr} {comment} {port} {to} {p} {jump}. */
const SHAPES = [
  '-A {chain} -m comment --comment {comment} -m udp -p udp -d {addr} --dport {port} -j {jump}',
  '-A {chain} -m comment --comment {comment} -m tcp -p tcp -d {addr} --dport {port} ! -s {addr} -j KUBE-MARK-MASQ',
  '-A {chain} -s {addr} -j KUBE-MARK-MASQ',
  '-A {chain} ! -d {addr} -j {jump}',
  '-A {chain} -m udp -p udp -j DNAT --to-destination {to}',
  '-A {chain} -m tcp -p tcp --sport {port} --dport {port} -j DNAT --to-destination {to}',
  '-A {chain} -m statistic --mode random --probability {p} -j {jump}',
  '-A {chain} -m comment --comment {comment} -g {jump}',
  '-A {chain} -j {jump} -m comment --comment {comment}',
  '-A {chain} -p tcp --dport {port} -j REJECT',
  '-A {chain}  -s  {addr}   -m comment --comment {comment} -j RETURN',
  '-A {chain}\t-m comment --comment {comment} -m tcp -p tcp -d {addr}\t--dport {port} -j {jump} ',
  '-A {chain} -m comment --comment {comment} -m tcp -p tcp -d {addr} --dport "80" ! -s {addr} -j KUBE-MARK-MASQ',
];

const holeValue = (name: string): fc.Arbitrary<string> => {
  switch (name) {
    // A chain or jump written in quotes reads as the name (scanWords() takes a whole quoted word).
    case 'chain': return fc.oneof(fc.constantFrom(...CHAINS), fc.constantFrom('"BB"', '"KUBE-SVC-ABCDEFGHIJKLMNOP"', '"INPUT"'));
    case 'jump': return fc.oneof(fc.constantFrom(...CHAINS), fc.constantFrom('"A"', '"KUBE-MARK-MASQ"', '"ACCEPT"'));
    case 'addr': return fc.oneof(fc.constantFrom(...ADDRESSES), fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 0, max: 33 })).map(([a, b, m]) => `10.${a}.${b}.1/${m}`));
    case 'comment': return fc.oneof(fc.constantFrom(...COMMENTS), fc.stringMatching(/^[a-z0-9/:.-]{1,20}$/));
    case 'port': return fc.oneof(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 70000 }).map(String));
    case 'to': return fc.constantFrom(...DESTINATIONS);
    default: return fc.constantFrom(...PROBABILITIES);
  }
};

/** A line of `shape` with random values in its holes (`value` gives them by hole name). */
const lineOf = (shape: string, value: (name: string) => fc.Arbitrary<string> = holeValue): fc.Arbitrary<string> => {
  const names = [...shape.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  return fc.tuple(...names.map(value)).map((vals) => {
    let i = 0;
    return shape.replace(/\{(\w+)\}/g, () => vals[i++]);
  });
};

const anyLine = fc.constantFrom(...SHAPES).chain(lineOf);
/** A good line of each shape, so that the cache has every shape's template. */
const GOOD: Readonly<Record<string, string>> = { chain: 'BB', jump: 'A', addr: '10.0.0.7', comment: '"x y"', port: '8080', to: '10.1.1.1:80', p: '0.25' };
const SEEN = SHAPES.map((s) => s.replace(/\{(\w+)\}/g, (_, n: string) => GOOD[n]));
const text = (table: string, lines: readonly string[]): string =>
  [`*${table}`, ...CHAINS.filter((c) => c !== 'NOPE' && c !== '-x' && c !== 'ABCDEFGHIJKLMNOPQRSTUVWXYZ123' && c !== 'INPUT').map((c) => `:${c} - [0:0]`), ':KUBE-MARK-MASQ - [0:0]', ...lines, 'COMMIT', ''].join('\n');

describe('rule shapes with value holes', () => {
  it('keys kube-proxy lines by everything but their values', () => {
    const a = '-A KUBE-SERVICES -m comment --comment "default/svc-00199:dns cluster IP" -m udp -p udp -d 172.16.0.201 --dport 53 -j KUBE-SVC-TXEUY5W2CJCYO3AO';
    const b = '-A KUBE-SERVICES -m comment --comment "default/svc-01399:dns cluster IP" -m udp -p udp -d 172.16.5.121 --dport 5353 -j KUBE-SVC-LV44NORFHSV27NBV';
    const ka = shapeKey(splitWords(a, true), a);
    expect(ka?.holes).toEqual([1, 5, 11, 13, 15]);
    expect(shapeKey(splitWords(b, true), b)?.key).toBe(ka?.key);
    // A target module is part of the shape; the word after a hole is no hole (`--comment -d X`).
    const c = '-A X -j ACCEPT';
    expect(shapeKey(splitWords(c, true), c)?.holes).toEqual([1]);
    const d = '-A X -m comment --comment -d -s 1.2.3.4';
    expect(shapeKey(splitWords(d, true), d)?.holes).toEqual([1, 5, 7]);
    const e = '-A INPUT -j ACCEPT';
    expect(shapeKey(splitWords(e, true), e)).toBeUndefined();
  });

  it('answers lines of a seen shape from its template, as a fresh parse reads them, errors included', () => {
    let fromShapes = 0;
    fc.assert(
      fc.property(fc.constantFrom('nat', 'filter'), fc.array(anyLine, { maxLength: 6 }), fc.array(anyLine, { maxLength: 25 }), (table, first, second) => {
        const cache = new RuleParseCache();
        restore(text(table, [...SEEN, ...first]), undefined, { noflush: true, counters: true, cache });
        const before = cache.stats;
        const t = text(table, second);
        expect(parsed(t, cache)).toEqual(parsed(t, new RuleParseCache()));
        expect(parsedPlain(t, cache)).toEqual(parsedPlain(t));
        fromShapes += cache.stats.lines - before.lines;
        expect(printSave(restore(t, undefined, { noflush: true, counters: true, cache }).ruleset, { counters: true })).toBe(printSave(restore(t, undefined, { noflush: true, counters: true }).ruleset, { counters: true }));
      }),
      { numRuns: 150, seed: 6 },
    );
    // Most of the second texts' good lines came from templates (a line of a new shape is parsed in full).
    expect(fromShapes).toBeGreaterThan(150);
  });

  it('a line that repeats the comment or an address of the line before (of any shape) reads as a fresh parse reads it', () => {
    // Few values, so that consecutive lines of different shapes repeat them: the comment match and the address
    // read last are shared with such a line (same text; an address only under the same `!`).
    const comments = ['"default/svc-1:dns cluster IP"', '"svc-1"', 'svc-1', `"${'c'.repeat(256)}"`, '"a \\" b"', '""'];
    const addresses = ['172.16.0.2', '"172.16.0.2"', '0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/33', '10.0.0.1,10.0.0.2', 'x'];
    const few = (name: string): fc.Arbitrary<string> =>
      name === 'comment'
        ? fc.oneof({ arbitrary: fc.constantFrom(...comments.slice(0, 2)), weight: 4 }, { arbitrary: fc.constantFrom(...comments), weight: 1 })
        : name === 'addr'
          ? fc.oneof({ arbitrary: fc.constantFrom(...addresses.slice(0, 3)), weight: 3 }, { arbitrary: fc.constantFrom(...addresses), weight: 1 })
          : name === 'chain' || name === 'jump'
            ? fc.oneof({ arbitrary: fc.constantFrom('A', 'BB', 'KUBE-SVC-ABCDEFGHIJKLMNOP'), weight: 4 }, { arbitrary: holeValue(name), weight: 1 })
            : name === 'port'
              ? fc.constantFrom('53', '80', '"80"')
              : holeValue(name);
    const line = fc.constantFrom(...SHAPES).chain((s) => lineOf(s, few));
    let shared = 0;
    fc.assert(
      fc.property(fc.constantFrom('nat', 'filter'), fc.array(line, { minLength: 2, maxLength: 30 }), (table, lines) => {
        const cache = new RuleParseCache();
        restore(text(table, SEEN), undefined, { noflush: true, counters: true, cache });
        const t = text(table, lines);
        const got = parseRestore(t, emptyRuleset(), { noflush: true, counters: true, cache }).script.lines;
        // Against the parse with no cache at all: a fresh cache too fills most lines from templates and reads the
        // same module-level memos (LAST_COMMENT_MATCH, LAST_ADDR, LAST_NAME), so a fault of theirs would show on both sides.
        expect(parsedPlain(t, cache)).toEqual(parsedPlain(t));
        // The sharing happened: two lines in a row with one comment match object.
        for (let i = 1; i < got.length; i++) {
          const a = got[i - 1];
          const b = got[i];
          if (a.kind !== 'command' || b.kind !== 'command' || !('rules' in a.command) || !('rules' in b.command)) continue;
          const ca = a.command.rules?.[0]?.matches.find((m) => m.module === 'comment');
          if (ca !== undefined && b.command.rules?.[0]?.matches.includes(ca) && a.command.chain !== b.command.chain) shared++;
        }
        expect(printSave(restore(t, undefined, { noflush: true, counters: true, cache }).ruleset, { counters: true })).toBe(printSave(restore(t, undefined, { noflush: true, counters: true }).ruleset, { counters: true }));
      }),
      { numRuns: 200, seed: 8 },
    );
    expect(shared).toBeGreaterThan(20);
  });

  it('the kube-proxy shapes are answered from their templates: each Service line is not parsed again', () => {
    const svc = (n: number) => `-A KUBE-SERVICES -m comment --comment "default/svc-${n}:dns cluster IP" -m udp -p udp -d 172.16.0.${n} --dport 53 -j KUBE-SVC-${String(n).padStart(16, 'A')}`;
    const chains = Array.from({ length: 50 }, (_, n) => `:KUBE-SVC-${String(n).padStart(16, 'A')} - [0:0]`);
    const t = ['*nat', ':KUBE-SERVICES - [0:0]', ...chains, ...Array.from({ length: 50 }, (_, n) => svc(n)), 'COMMIT', ''].join('\n');
    const cache = new RuleParseCache();
    expect(parsed(t, cache)).toEqual(parsed(t, new RuleParseCache()));
    expect(cache.stats).toMatchObject({ hits: 49, misses: 1 });
  });
});

describe('lines read in one scan of their characters', () => {
  const PIECES = [
    '-A', 'KUBE-SVC-X', 'INPUT', 'POSTROUTING', '-j', '-g', '-s', '-d', '--comment', '--dport', '--sport', '--probability', '--to-destination',
    '-m', 'comment', 'tcp', '10.0.0.1', 'ACCEPT', 'DNAT', 'KUBE-MARK-MASQ', '"a b"', '""', '"x', 'a"b"', '"a"b', '"a\\"b"', '\\', "'q'", '!',
    '"-s"', '"INPUT"', '"ACCEPT"', '\u0000', '\r', 'é', '"a\tb"', '-sX', '--d', '-', '"KUBE-SVC-X"',
  ];
  const SEPS = [' ', '  ', '\t', ' \t '];
  const parts = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 14 }).map((w) => (w[0] === '-A' ? w : ['-A', ...w]));
  const join = (words: readonly string[], seps: readonly string[]): string => words.map((w, i) => (i === 0 ? w : seps[i % seps.length] + w)).join('');
  const seps = fc.array(fc.constantFrom(...SEPS), { minLength: 1, maxLength: 4 });
  /** A line, and another with some of its words replaced. */
  const pair = fc
    .tuple(parts, fc.array(fc.tuple(fc.nat(14), fc.constantFrom(...PIECES)), { maxLength: 4 }), seps, seps, fc.constantFrom('', ' ', '\t'))
    .map(([a, subs, sa, sb, lead]) => {
      const b = a.slice();
      for (const [i, w] of subs) if (i < b.length) b[i] = w;
      return [join(a, sa), lead + join(b, sb)] as const;
    });

  it('reads a line written with spaces only as the scan character by character reads it: words, quotes, hash', () => {
    // A quote at a word's end or start, alone, or twice.
    const quoted = fc.array(fc.constantFrom(...PIECES, 'x"', 'ab"', '"', '"c"d', 'e""', '"f" '), { minLength: 1, maxLength: 14 }).map((w) => ['-A', ...w]);
    const spaced = fc.tuple(fc.oneof(parts, quoted), fc.array(fc.constantFrom(' ', '  ', '   '), { minLength: 1, maxLength: 3 }), fc.constantFrom('', ' ')).map(([w, s, lead]) => lead + join(w, s));
    const read = (f: (l: string) => number, l: string): unknown => {
      const n = f(l);
      return n < 0 ? n : { n, words: scannedWords(l, n), hash: scannedOptionHash() };
    };
    let fast = 0;
    fc.assert(
      fc.property(fc.oneof(spaced, pair.map(([a]) => a)), (l) => {
        const got = read(scanWords, l);
        expect(got).toEqual(read(scanWordsPlain, l));
        if (got !== -1 && !/[\t\n\\\u0000]/.test(l)) fast++;
      }),
      { numRuns: 3000, seed: 23 },
    );
    expect(fast).toBeGreaterThan(500);
  });

  it('reads the words splitWords() reads, and takes every line written without a quote', () => {
    let scanned = 0;
    fc.assert(
      fc.property(pair, ([, l]) => {
        const n = scanWords(l);
        if (!l.includes('"') && !l.includes('\u0000')) expect(n).toBeGreaterThanOrEqual(0);
        if (n < 0) return;
        scanned++;
        const words = splitWords(l, true);
        expect(splitWords(l, false)).toEqual(words);
        expect(scannedWords(l, n)).toEqual(words);
      }),
      { numRuns: 2000, seed: 17 },
    );
    expect(scanned).toBeGreaterThan(800);
  });

  it("takes a line for a template's shape exactly when shapeKey() gives both one key, and hashes them alike", () => {
    let same = 0;
    let other = 0;
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const wa = splitWords(a, true);
        const ka = shapeKey(wa, a);
        const n = scanWords(b);
        if (ka === undefined || n < 0) return;
        const h = scannedOptionHash();
        // What scannedOfShape() reads of a template: its words as written and where its holes are.
        const t = { raw: wa.map((w) => w.raw), holes: ka.holes.map((word) => ({ kind: 'chain', word })), lastName: ka.holes.map(() => undefined) } as unknown as ShapeTemplate;
        const wb = splitWords(b, true);
        const kb = shapeKey(wb, b);
        const alike = kb?.key === ka.key;
        expect(scannedOfShape(t, b, n)).toBe(alike);
        if (alike) same++;
        else other++;
        // A value starting with `-` is hashed with the option words.
        const dashValue = (ws: readonly { raw: string }[]) => ka.holes.some((i) => ws[i].raw.startsWith('-'));
        if (alike && !dashValue(wa) && !dashValue(wb)) expect(h).toBe(optionHash(t.raw));
      }),
      { numRuns: 4000, seed: 23 },
    );
    expect(same).toBeGreaterThan(300);
    expect(other).toBeGreaterThan(300);
  });

  it('does not read a line whose quotes group or escape otherwise', () => {
    for (const l of ['-A X -m comment --comment "a\\"b" -j Y', '-A X -m comment --comment a"b c" -j Y', '-A X -m comment --comment "a b"c -j Y', '-A X -m comment --comment "a b', '-A X\u0000 -j Y']) {
      expect(scanWords(l)).toBe(-1);
    }
    expect(scanWords(Array.from({ length: 65 }, () => 'w').join(' '))).toBe(-1);
    expect(scanWords(Array.from({ length: 64 }, () => 'w').join(' '))).toBe(64);
  });
});
