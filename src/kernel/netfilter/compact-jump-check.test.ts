import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NfHook } from './hooks.js';
import type { Match } from './module.js';
import type { Rule, RuleTarget, Table, TableName } from './ruleset.js';
import { BUILTIN_CHAINS, emptyBasics, emptyTable, userChain } from './ruleset.js';
import type { JumpGraph } from './jump-graph.js';
import { buildJumpGraph, checkedGraph, validGraph } from './jump-graph.js';
import { compactValidGraph } from './compact-jump-check.js';
import { restore } from './restore-apply.js';
import { RuleParseCache } from './rule-parse-cache.js';

const HOOKS: readonly NfHook[] = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/**
 * A target of module `name` (its registered hooks: DNAT PREROUTING / OUTPUT, MASQUERADE POSTROUTING, REJECT
 * INPUT / FORWARD / OUTPUT, SNAT POSTROUTING / INPUT; ACCEPT none), whose options allow only `hooks` when given
 * (Target.hooks: checked for a rule written in a base chain only).
 */
function moduleTarget(hooks: readonly NfHook[] | undefined, name = 'ACCEPT'): RuleTarget {
  return { kind: 'module', target: { name, saveText: '', ...(hooks ? { hooks } : {}), apply: () => ({ kind: 'accept' }) as never } };
}

/** A match of module `name` (owner: OUTPUT / POSTROUTING; rpfilter: PREROUTING), as the registry gives its hooks. */
function moduleMatch(name: string): Match {
  return { module: name, saveText: '', pure: true, match: () => true };
}

/**
 * Rules whose match and target modules allow exactly `mask` (the hooks checked through jumps), each mask made
 * from registered modules: target DNAT 9, MASQUERADE 16, REJECT 14, SNAT 18; match owner 24, rpfilter 1.
 */
const MODULE_MASKS: Readonly<Record<number, { matches: string[]; target: string }>> = {
  31: { matches: [], target: 'ACCEPT' }, 9: { matches: [], target: 'DNAT' }, 16: { matches: [], target: 'MASQUERADE' },
  14: { matches: [], target: 'REJECT' }, 18: { matches: [], target: 'SNAT' }, 24: { matches: ['owner'], target: 'ACCEPT' },
  1: { matches: ['rpfilter'], target: 'ACCEPT' }, 8: { matches: ['owner'], target: 'DNAT' }, 0: { matches: ['rpfilter', 'owner'], target: 'ACCEPT' },
};

interface Spec {
  table: TableName;
  chains: number;
  /** Rules per chain index (built-in chains first, then user chains N0, N1 ...): a jump (chain index, possibly missing) or a target allowed from some hooks. */
  rules: Array<Array<{ jump: number | null; goto: boolean; hooks: number; entry: number }>>;
}

function tableOf(spec: Spec): Table {
  const t = emptyTable(spec.table);
  const builtins = BUILTIN_CHAINS[spec.table];
  for (let i = 0; i < spec.chains; i++) t.chains.set(`N${i}`, userChain(`N${i}`));
  const names = [...builtins, ...Array.from({ length: spec.chains }, (_, i) => `N${i}`)];
  spec.rules.forEach((rules, i) => {
    const c = t.chains.get(names[i % names.length]);
    if (!c) return;
    for (const r of rules) {
      let target: RuleTarget;
      let matches: Match[] = [];
      if (r.jump !== null) {
        // One past the end names a missing chain (a dangling jump).
        const name = r.jump < names.length ? names[r.jump] : `MISSING${r.jump}`;
        target = { kind: r.goto ? 'goto' : 'jump', chain: name };
      } else {
        // The modules' hooks (checked through jumps), and the options' (checked in a base chain only).
        const m = MODULE_MASKS[r.hooks];
        matches = m.matches.map(moduleMatch);
        target = moduleTarget(r.entry === 31 ? undefined : HOOKS.filter((_, b) => (r.entry >> b) & 1), m.target);
      }
      const rule: Rule = { basics: emptyBasics(), matches, target, counters: { packets: 0, bytes: 0 } };
      c.rules.push(rule);
    }
  });
  return t;
}

const specArb: fc.Arbitrary<Spec> = fc
  .record({ table: fc.constantFrom<TableName>('raw', 'mangle', 'nat', 'filter', 'security'), chains: fc.integer({ min: 0, max: 24 }) })
  .chain(({ table, chains }) => {
    const n = BUILTIN_CHAINS[table].length + chains;
    const rule = fc.record({
      // Mostly forward jumps (deep chains without loops), sometimes any chain (loops), sometimes a missing one.
      jump: fc.oneof(
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 6, arbitrary: fc.integer({ min: 0, max: n - 1 }) },
        { weight: 1, arbitrary: fc.constant(n) },
      ),
      goto: fc.boolean(),
      hooks: fc.oneof({ weight: 5, arbitrary: fc.constant(31) }, { weight: 1, arbitrary: fc.constantFrom(9, 16, 14, 18, 24, 1, 8, 0) }),
      entry: fc.oneof({ weight: 5, arbitrary: fc.constant(31) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 31 }) }),
    });
    return fc.record({ table: fc.constant(table), chains: fc.constant(chains), rules: fc.array(fc.array(rule, { maxLength: 4 }), { maxLength: n }) });
  })
  .map((s) => {
    // Jumps from chain i mostly go to a later chain: long paths, and loops only when drawn backwards.
    const builtins = BUILTIN_CHAINS[s.table].length;
    const n = builtins + s.chains;
    return { ...s, rules: s.rules.map((rs, i) => rs.map((r) => (r.jump !== null && r.jump < n && r.jump <= i && r.goto ? { ...r, jump: Math.min(n - 1, i + 1 + (r.jump % Math.max(1, n - i - 1))) } : r))) };
  });

/** A chain of `len` user chains jumping one to the next, from a base chain: height `len`. */
function deepTable(len: number, hook: NfHook): Table {
  const t = emptyTable('mangle');
  for (let i = 0; i < len; i++) t.chains.set(`D${i}`, userChain(`D${i}`));
  const jump = (chain: string): Rule => ({ basics: emptyBasics(), matches: [], target: { kind: 'jump', chain }, counters: { packets: 0, bytes: 0 } });
  t.chains.get(hook)!.rules.push(jump('D0'));
  for (let i = 0; i + 1 < len; i++) t.chains.get(`D${i}`)!.rules.push(jump(`D${i + 1}`));
  return t;
}

function plain(g: JumpGraph): unknown {
  const sorted = <V>(m: Map<string, V>): Array<[string, V]> => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    parents: sorted(g.parents).map(([k, v]) => [k, [...v].sort()]),
    height: sorted(g.height),
    reach: sorted(g.reach).filter(([, v]) => v !== 0),
  };
}

describe('compactValidGraph', () => {
  it('agrees with the map-based check over random tables (loops, dangling jumps, deep chains, every hook)', () => {
    let sure = 0;
    let refused = 0;
    fc.assert(
      fc.property(specArb, (spec) => {
        const t = tableOf(spec);
        const old = validGraph(t);
        const fast = compactValidGraph(t);
        // Never surer than the existing check; when sure, the same facts.
        if (old === null) expect(fast).toBeNull();
        if (fast !== null) {
          sure++;
          expect(plain(checkedGraph(t)!)).toEqual(plain(old!));
          expect(plain(buildJumpGraph(t))).toEqual(plain(old!));
        } else if (old === null) refused++;
        // The combined check is exactly the existing one.
        expect(checkedGraph(t) === null).toBe(old === null);
      }),
      { numRuns: 600, seed: 11 },
    );
    // Both outcomes were exercised.
    expect(sure).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });

  it('hands on maps read from the compact graph that change as plain maps do', () => {
    // The graph a full sync leaves reads each chain's facts on demand (jump-graph.ts CompactFacts, ParentSet);
    // the commit check then changes them in place. Held to the map-based graph under the same changes.
    const names = ['PREROUTING', 'OUTPUT', 'N0', 'N1', 'N2', 'N3', 'Z'];
    const opArb = fc.record({ kind: fc.constantFrom('add', 'del', 'setH', 'delH', 'setR', 'delR', 'newP', 'dropP'), a: fc.constantFrom(...names), b: fc.constantFrom(...names), n: fc.nat(20) });
    fc.assert(
      fc.property(specArb, fc.array(opArb, { maxLength: 25 }), (spec, ops) => {
        const t = tableOf(spec);
        const lazy = buildJumpGraph(t);
        const old = validGraph(t);
        if (compactValidGraph(t) === null || old === null) return;
        const said: Array<Array<boolean | undefined>> = [[], []];
        for (const [k, g] of [lazy, old].entries()) {
          for (const o of ops) {
            if (o.kind === 'add') g.parents.get(o.a)?.add(o.b);
            else if (o.kind === 'del') said[k].push(g.parents.get(o.a)?.delete(o.b));
            else if (o.kind === 'setH') g.height.set(o.a, o.n);
            else if (o.kind === 'delH') g.height.delete(o.a);
            else if (o.kind === 'setR') g.reach.set(o.a, 1 + (o.n % 31));
            else if (o.kind === 'delR') g.reach.delete(o.a);
            else if (o.kind === 'newP') g.parents.set(o.a, new Set([o.b]));
            else {
              const p = g.parents.get(o.a);
              if (p && p.size <= 1) g.parents.delete(o.a);
            }
          }
        }
        expect(plain(lazy)).toEqual(plain(old));
        expect(said[0]).toEqual(said[1]);
        for (const n of names) {
          // A parent deleted twice, then added back.
          const p = lazy.parents.get(n);
          const q = old.parents.get(n);
          const first = q === undefined ? undefined : [...q][0];
          if (p !== undefined && q !== undefined && first !== undefined) {
            expect([p.delete(first), p.delete(first), p.has(first)]).toEqual([q.delete(first), q.delete(first), q.has(first)]);
            p.add(first);
            q.add(first);
            expect(p.has(first)).toBe(true);
          }
          expect(lazy.parents.get(n)?.size).toBe(old.parents.get(n)?.size);
          expect(lazy.parents.has(n)).toBe(old.parents.has(n));
          for (const m of names) expect(lazy.parents.get(n)?.has(m)).toBe(old.parents.get(n)?.has(m));
          expect(lazy.height.get(n)).toBe(old.height.get(n));
          expect(lazy.reach.get(n)).toBe(old.reach.get(n));
        }
      }),
      { numRuns: 400, seed: 5 },
    );
  });

  it('refuses a base chain whose jump path reaches NFT_JUMP_STACK_SIZE, and takes one just below it', () => {
    expect(compactValidGraph(deepTable(15, 'FORWARD'))).not.toBeNull();
    expect(validGraph(deepTable(15, 'FORWARD'))).not.toBeNull();
    expect(compactValidGraph(deepTable(16, 'FORWARD'))).toBeNull();
    expect(validGraph(deepTable(16, 'FORWARD'))).toBeNull();
    const g = compactValidGraph(deepTable(15, 'FORWARD'))!;
    expect(g.height[g.names.indexOf('FORWARD')]).toBe(15);
    expect(g.reach[g.names.indexOf('D14')]).toBe(4);
  });

  it('is not sure of a loop no base chain reaches, which the map-based check accepts as the kernel does', () => {
    const t = emptyTable('filter');
    t.chains.set('A', userChain('A'));
    t.chains.set('B', userChain('B'));
    const jump = (chain: string): Rule => ({ basics: emptyBasics(), matches: [], target: { kind: 'jump', chain }, counters: { packets: 0, bytes: 0 } });
    t.chains.get('A')!.rules.push(jump('B'));
    t.chains.get('B')!.rules.push(jump('A'));
    expect(compactValidGraph(t)).toBeNull();
    expect(validGraph(t)).not.toBeNull();
    expect(checkedGraph(t)).not.toBeNull();
    expect(buildJumpGraph(t).height.get('A')).toBe(Infinity);
  });

  it('hands every hook down to the chains it reaches, as one mask', () => {
    const t = emptyTable('nat');
    t.chains.set('S', userChain('S'));
    t.chains.set('X', userChain('X'));
    const jump = (chain: string): Rule => ({ basics: emptyBasics(), matches: [], target: { kind: 'jump', chain }, counters: { packets: 0, bytes: 0 } });
    t.chains.get('PREROUTING')!.rules.push(jump('S'));
    t.chains.get('OUTPUT')!.rules.push(jump('S'));
    t.chains.get('S')!.rules.push(jump('X'));
    const g = checkedGraph(t)!;
    expect(g.reach.get('X')).toBe(1 | 8);
    expect(new Set(g.parents.get('X'))).toEqual(new Set(['S']));
    expect(g.height.get('PREROUTING')).toBe(2);
    // Options that allow PREROUTING only, in a user chain: not checked (nft_compat's checkentry sees no hook there).
    const entryOnly: Rule = { basics: emptyBasics(), matches: [], target: moduleTarget(['PREROUTING']), counters: { packets: 0, bytes: 0 } };
    t.chains.get('X')!.rules.push(entryOnly);
    expect(compactValidGraph(t)).not.toBeNull();
    expect(validGraph(t)).not.toBeNull();
    // The same rule written in OUTPUT itself: refused.
    t.chains.get('OUTPUT')!.rules.push(entryOnly);
    expect(compactValidGraph(t)).toBeNull();
    expect(validGraph(t)).toBeNull();
    t.chains.get('OUTPUT')!.rules.pop();
    // A match module allowed only from PREROUTING (rpfilter), reached from OUTPUT too: refused through the jumps.
    t.chains.get('X')!.rules.push({ basics: emptyBasics(), matches: [moduleMatch('rpfilter')], target: moduleTarget(undefined), counters: { packets: 0, bytes: 0 } });
    expect(compactValidGraph(t)).toBeNull();
    expect(validGraph(t)).toBeNull();
  });

  it('numbers the chains of a restored table as an index of its names would, after other checks renumber them too', () => {
    // A restore's chains carry the check's numbers (BlockChain.checkNumber) and a committed table's graph reads a
    // chain's number through the table's own map; a later check over a table sharing the chains numbers them
    // again, and the first graph then answers from its names.
    const tableArb = fc.record({
      chains: fc.integer({ min: 1, max: 12 }),
      rules: fc.array(fc.array(fc.record({ to: fc.nat(40), jump: fc.boolean() }), { maxLength: 4 }), { maxLength: 12 }),
      base: fc.constantFrom('PREROUTING', 'OUTPUT', 'POSTROUTING'),
      cache: fc.boolean(),
      missing: fc.array(fc.constantFrom('C0 ', 'X', 'C99', 'PREROUTINGX', ''), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(tableArb, ({ chains, rules, base, cache, missing }) => {
        // Jumps go to later chains only (no loop): the check is sure.
        const lines = ['*nat'];
        for (let i = 0; i < chains; i++) lines.push(`:C${i} - [0:0]`);
        lines.push(`-A ${base} -j C0`);
        rules.forEach((rs, i) => {
          if (i >= chains) return;
          for (const r of rs) {
            const to = i + 1 + (r.to % Math.max(1, chains - i - 1));
            lines.push(r.jump && to < chains ? `-A C${i} -s 10.0.${r.to}.1/32 -j C${to}` : `-A C${i} -s 10.0.${r.to}.1/32 -j ACCEPT`);
          }
        });
        lines.push('COMMIT', '');
        const opts = cache ? { cache: new RuleParseCache() } : {};
        // With a cache, a second restore's rules share parses (their jump names other strings than the keys).
        if (cache) restore(lines.join('\n'), undefined, opts);
        const t = restore(lines.join('\n'), undefined, opts).ruleset.tables.get('nat')!;
        const names = [...t.chains.keys()];
        const g = compactValidGraph(t)!;
        expect(g).not.toBeNull();
        expect(new Set(g.names)).toEqual(new Set(names));
        const agrees = (): void => {
          for (const n of names) expect(g.names[g.numberOf(n)!]).toBe(n);
          for (const n of missing) expect(g.numberOf(n)).toBeUndefined();
        };
        agrees();
        // The same chains in reverse order, checked again: every chain gets another number.
        const reversed = { name: t.name, chains: new Map([...t.chains].reverse()) };
        const h = compactValidGraph(reversed)!;
        expect(h).not.toBeNull();
        agrees();
        for (const n of names) expect(h.names[h.numberOf(n)!]).toBe(n);
        expect([...h.height].sort()).toEqual([...g.height].sort());
      }),
      { numRuns: 200, seed: 9 },
    );
  });
});
