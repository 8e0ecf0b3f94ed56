// Copy-on-write commits and the jump graph that validates a --noflush commit by what it changed: the ruleset
// passed in never changes, a failed commit leaves it as it was, and a commit the graph accepts is one the
// whole-table validation (table-validate.ts) accepts too.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { restore } from './restore-apply.js';
import { formatRestoreError } from './restore-parse.js';
import { printSave } from './save-print.js';
import type { Ruleset } from './ruleset.js';
import { danglingJumps, validateTable } from './table-validate.js';

const BASE = [
  '*nat',
  ':PREROUTING ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':POSTROUTING ACCEPT [0:0]',
  ':SVC - [0:0]',
  ':SVC-A - [0:0]',
  ':SEP-A1 - [0:0]',
  ':SEP-A2 - [0:0]',
  ':MASQ - [0:0]',
  ':POST - [0:0]',
  '-A PREROUTING -j SVC',
  '-A OUTPUT -j SVC',
  '-A POSTROUTING -j POST',
  '-A SVC -d 10.96.0.1/32 -p udp --dport 53 -j SVC-A',
  '-A SVC-A -m statistic --mode random --probability 0.5 -j SEP-A1',
  '-A SVC-A -j SEP-A2',
  '-A SEP-A1 -s 10.0.0.1/32 -j MASQ',
  '-A SEP-A1 -p udp -j DNAT --to-destination 10.0.0.1:53',
  '-A SEP-A2 -s 10.0.0.2/32 -j MASQ',
  '-A SEP-A2 -p udp -j DNAT --to-destination 10.0.0.2:53',
  '-A MASQ -j MARK --or-mark 0x4000',
  '-A POST -j MASQUERADE',
  'COMMIT',
  '',
].join('\n');

function base(): Ruleset {
  const r = restore(BASE);
  expect(r.errors).toEqual([]);
  return r.ruleset;
}

const noflush = (rs: Ruleset, text: string) => restore(`*nat\n${text}\nCOMMIT\n`, rs, { noflush: true });

describe('--noflush commits copy on write', () => {
  it('leave the ruleset passed in as it was and share the chains they do not change', () => {
    const rs = base();
    const before = printSave(rs, { counters: true });
    const r = noflush(rs, ':SVC-A - [0:0]\n-A SVC-A -j SEP-A1\n-F SEP-A2\n-X SEP-A2');
    expect(r.errors).toEqual([]);
    expect(printSave(rs, { counters: true })).toBe(before);
    const oldNat = rs.tables.get('nat')!;
    const newNat = r.ruleset.tables.get('nat')!;
    expect(newNat).not.toBe(oldNat);
    expect(newNat.chains.get('SEP-A1')).toBe(oldNat.chains.get('SEP-A1'));
    expect(newNat.chains.get('SVC-A')).not.toBe(oldNat.chains.get('SVC-A'));
    expect(newNat.chains.has('SEP-A2')).toBe(false);
    expect(oldNat.chains.has('SEP-A2')).toBe(true);
    expect(printSave(r.ruleset)).toContain('-A SVC-A -j SEP-A1');
  });

  it('-Z zeroes the new table only', () => {
    const rs = base();
    const rule = rs.tables.get('nat')!.chains.get('SVC-A')!.rules[1];
    rule.counters = { packets: 7, bytes: 0 };
    const r = restore('*nat\n-Z SVC-A\nCOMMIT\n', rs, { noflush: true });
    expect(r.errors).toEqual([]);
    expect(rule.counters.packets).toBe(7);
    expect(r.ruleset.tables.get('nat')!.chains.get('SVC-A')!.rules[1].counters.packets).toBe(0);
  });

  it('a failed commit leaves the ruleset as it was', () => {
    const rs = base();
    const before = printSave(rs);
    const r = noflush(rs, ':SVC-A - [0:0]\n-A SVC-A -j SEP-A1\n-A SEP-A1 -j SVC-A');
    expect(r.errors.length).toBe(1);
    expect(printSave(rs)).toBe(before);
    expect(printSave(r.ruleset)).toBe(before);
  });

  it('refuse -X of a chain still jumped to, with the kernel message', () => {
    const rs = base();
    const r = noflush(rs, '-X SEP-A2');
    expect(r.errors.map(formatRestoreError)).toEqual(['line 2:4: CHAIN_DEL failed (Device or resource busy): chain SEP-A2']);
    // The same after an accepted commit (the graph is handed on).
    const ok = noflush(rs, ':SVC-A - [0:0]\n-A SVC-A -j SEP-A1');
    expect(ok.errors).toEqual([]);
    expect(noflush(ok.ruleset, '-X SEP-A1').errors.map(formatRestoreError)).toEqual(['line 2:4: CHAIN_DEL failed (Device or resource busy): chain SEP-A1']);
    // A chain with rules is refused too (restore-delete-chain.test.ts): flushed first.
    expect(noflush(ok.ruleset, '-F SEP-A2\n-X SEP-A2').errors).toEqual([]);
  });

  it('check a second restore over the same table against that table, not against the first restore\'s result', () => {
    // A table whose graph has read SEP-A2's parents (SVC-A's jumps changed to SEP-A2 and MASQ) ...
    const warm = noflush(base(), ':SVC-A - [0:0]\n-A SVC-A -j SEP-A2\n-A SVC-A -j MASQ');
    expect(warm.errors).toEqual([]);
    const rs = warm.ruleset;
    // ... then one restore over it drops the only jump to SEP-A2 ...
    const first = noflush(rs, ':SVC-A - [0:0]\n-A SVC-A -j SEP-A1');
    expect(first.errors).toEqual([]);
    // ... and another over the same table deletes SEP-A2, which SVC-A still jumps to there.
    // (flushed first: a chain that still has rules is refused whatever jumps to it, restore-delete-chain.test.ts)
    expect(noflush(rs, '-F SEP-A2\n-X SEP-A2').errors.map(formatRestoreError)).toEqual(['line 3:4: CHAIN_DEL failed (Device or resource busy): chain SEP-A2']);
    expect(noflush(first.ruleset, '-F SEP-A2\n-X SEP-A2').errors).toEqual([]);
  });

  it('catch a loop, a jump too deep and a target in a chain its hook does not allow', () => {
    const rs = base();
    // The kernel names the rule whose addition leaves the table invalid (table-validate.ts; measured with iptables
    // 1.8.9 over this base): here the jump that closes the loop, then the one that makes the path too deep.
    expect(noflush(rs, '-A MASQ -j SVC').errors.map(formatRestoreError)).toEqual(['line 2:12: RULE_APPEND failed (Too many links): rule in chain MASQ']);
    const deep: string[] = [];
    for (let i = 0; i < 16; i++) deep.push(`:D${i} - [0:0]`);
    for (let i = 0; i < 15; i++) deep.push(`-A D${i} -j D${i + 1}`);
    deep.push('-A POST -j D0');
    const r = noflush(rs, deep.join('\n'));
    expect(r.errors.map((e) => e.message)).toEqual(['RULE_APPEND failed (Too many links): rule in chain POST']);
    // MASQUERADE only in POSTROUTING: reached from PREROUTING through SVC now; the rule is an old one, the jump is named.
    expect(noflush(rs, '-A SVC -j POST').errors.map(formatRestoreError)).toEqual(['line 2:11: RULE_APPEND failed (Invalid argument): rule in chain SVC']);
    expect(noflush(rs, ':SEP-A1 - [0:0]\n-A SEP-A1 -j MASQUERADE').errors.map((e) => e.message)).toEqual(['RULE_APPEND failed (Invalid argument): rule in chain SEP-A1']);
  });

  it('accept only what the whole-table validation accepts, commit after commit', () => {
    const chains = ['C0', 'C1', 'C2', 'C3', 'C4', 'C5'];
    const targetArb = fc.oneof(fc.constantFrom(...chains).map((c) => `-j ${c}`), fc.constantFrom('-j MASQUERADE', '-j DNAT --to-destination 10.0.0.1', '-j MARK --or-mark 1', '-j RETURN'));
    const chainArb = fc.constantFrom('PREROUTING', 'OUTPUT', 'POSTROUTING', ...chains);
    const commitArb = fc.record({
      declare: fc.subarray(chains),
      rules: fc.array(fc.tuple(chainArb, targetArb), { maxLength: 6 }),
      del: fc.subarray(chains, { maxLength: 2 }),
    });
    fc.assert(fc.property(fc.array(commitArb, { minLength: 1, maxLength: 5 }), (commits) => {
      let rs = restore(`*nat\n${chains.map((c) => `:${c} - [0:0]`).join('\n')}\nCOMMIT\n`).ruleset;
      for (const c of commits) {
        const lines = [...c.declare.map((d) => `:${d} - [0:0]`), ...c.rules.map(([ch, t]) => `-A ${ch} ${t}`), ...c.del.map((d) => `-X ${d}`)];
        const before = printSave(rs);
        const r = noflush(rs, lines.join('\n'));
        expect(printSave(rs)).toBe(before);
        if (r.errors.length > 0) continue;
        const t = r.ruleset.tables.get('nat')!;
        expect(danglingJumps(t)).toEqual([]);
        expect(validateTable(t)).toEqual([]);
        rs = r.ruleset;
      }
    }), { numRuns: 300, seed: 42 });
  });

  it('a block applies its commands as a simple model of named chains says, whatever order they come in', () => {
    // Held to a model (a map of chain names to rule lists): what the block remembers of the chain it last wrote
    // (restore-apply.ts writable()) and which chains it owns must never show through.
    const names = ['A', 'B', 'C'];
    type Op = { op: 'decl' | 'new' | 'drop' | 'app' | 'ins' | 'del'; chain: string; n: number };
    const opArb = fc.record({ op: fc.constantFrom('decl', 'new', 'drop', 'app', 'app', 'ins', 'del') as fc.Arbitrary<Op['op']>, chain: fc.constantFrom(...names), n: fc.nat(99) });
    const rule = (n: number) => `-m comment --comment r${n} -j ACCEPT`;
    const text = (m: Map<string, string[]>) => `*filter\n${[...m.keys()].map((c) => `:${c} - [0:0]`).join('\n')}\n${[...m].flatMap(([c, rs]) => rs.map((r) => `-A ${c} ${r}`)).join('\n')}\nCOMMIT\n`;
    fc.assert(fc.property(fc.array(opArb, { maxLength: 14 }), (ops) => {
      const model = new Map<string, string[]>([['A', [rule(1), rule(2)]], ['B', [rule(3)]]]);
      const base = restore(text(model)).ruleset;
      const before = printSave(base);
      const lines: string[] = [];
      let ok = true;
      for (const o of ops) {
        const rs = model.get(o.chain);
        if (o.op === 'decl') {
          lines.push(`:${o.chain} - [0:0]`);
          model.set(o.chain, []);
          continue;
        }
        if (o.op === 'new') lines.push(`-N ${o.chain}`);
        else if (o.op === 'drop') lines.push(`-F ${o.chain}`, `-X ${o.chain}`);
        else if (o.op === 'app') lines.push(`-A ${o.chain} ${rule(o.n)}`);
        else if (o.op === 'ins') lines.push(`-I ${o.chain} 1 ${rule(o.n)}`);
        else lines.push(`-D ${o.chain} 1`);
        if (o.op === 'new' ? rs !== undefined : rs === undefined || (o.op === 'del' && rs.length === 0)) {
          ok = false;
          break;
        }
        if (o.op === 'new') model.set(o.chain, []);
        else if (o.op === 'drop') model.delete(o.chain);
        else if (o.op === 'app') rs!.push(rule(o.n));
        else if (o.op === 'ins') rs!.unshift(rule(o.n));
        else rs!.shift();
      }
      const r = restore(`*filter\n${lines.join('\n')}\nCOMMIT\n`, base, { noflush: true });
      expect(printSave(base)).toBe(before);
      expect(r.errors.length === 0).toBe(ok);
      if (ok) expect(printSave(r.ruleset)).toBe(printSave(restore(text(model)).ruleset));
    }), { numRuns: 400, seed: 7 });
  });
});
