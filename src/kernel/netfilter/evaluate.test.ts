import { describe, expect, it } from 'vitest';
import { evaluateChain, evaluateEmptyBaseChain, exploreBranches } from './evaluate.js';
import { restore } from './restore-apply.js';
import { printSave } from './save-print.js';
import { makeContext, makePacket } from './testing.js';
import type { Ruleset } from './ruleset.js';
import { RULE_ZERO } from './ruleset.js';
import { RuleParseCache } from './rule-parse-cache.js';
import { StateJournal } from '../netns/state-journal.js';

function load(text: string): Ruleset {
  const { ruleset, errors } = restore(text);
  expect(errors).toEqual([]);
  return ruleset;
}

const tcp = (dst: string, dport: number, src = '10.0.0.2') => makePacket({ proto: 'tcp', src, dst, dport });

describe('evaluateChain', () => {
  const rs = () => load([
    '*filter', ':INPUT DROP [0:0]', ':A - [0:0]', ':B - [0:0]',
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    '-A INPUT -j A',
    '-A INPUT -p tcp --dport 81 -j ACCEPT',
    '-A A -p tcp --dport 80 -j RETURN',
    '-A A -p tcp --dport 81 -g B',
    '-A A -j MARK --set-mark 7',
    '-A B -m comment --comment "fall off" ',
    'COMMIT', '',
  ].join('\n'));

  it('first match wins', () => {
    const r = evaluateChain(rs(), 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 22), table: 'filter', hook: 'INPUT' }));
    expect(r.verdict).toEqual({ kind: 'accept' });
    expect(r.decidedBy).toEqual({ table: 'filter', chain: 'INPUT', index: 1 });
  });
  it('RETURN goes back to the caller, then the policy applies at the end of the base chain', () => {
    const set = rs();
    const r = evaluateChain(set, 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 80), table: 'filter', hook: 'INPUT' }));
    expect(r.verdict).toEqual({ kind: 'drop', reason: 'NETFILTER_DROP' });
    expect(printSave(set)).toContain(':INPUT DROP [1:60]');
  });
  it('goto does not come back to the chain that went', () => {
    // A -g B; B falls off -> back to INPUT after the `-j A` rule, so INPUT rule 3 accepts.
    const r = evaluateChain(rs(), 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 81), table: 'filter', hook: 'INPUT', mark: 0 }), { facts: true });
    expect(r.verdict).toEqual({ kind: 'accept' });
    expect(r.decidedBy?.index).toBe(3);
    expect(r.matched.map((m) => `${m.chain}#${m.index}`)).toEqual(['INPUT#2', 'A#2', 'B#1', 'INPUT#3']);
    expect(r.facts).toEqual([
      'no match  -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT   (fails -m tcp --dport 22)',
      'match  -A INPUT -j A',
      'no match  -A A -p tcp -m tcp --dport 80 -j RETURN   (fails -m tcp --dport 80)',
      'match  -A A -p tcp -m tcp --dport 81 -g B',
      'match  -A B -m comment --comment "fall off"',
      'match  -A INPUT -p tcp -m tcp --dport 81 -j ACCEPT',
    ]);
    expect(r.visited).toBe(6);
  });
  it('MARK writes the mark and continues', () => {
    const ctx = makeContext({ packet: tcp('1.1.1.1', 443), table: 'filter', hook: 'INPUT', mark: 0x10 });
    evaluateChain(rs(), 'filter', 'INPUT', ctx);
    expect(ctx.mark).toBe(7);
  });
  it('counters count matched rules', () => {
    const set = rs();
    evaluateChain(set, 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 22), table: 'filter' }));
    expect(printSave(set, { counters: true })).toContain('[1:60] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT');
  });
  it('RETURN in a base chain applies the policy; a user chain entry reports return', () => {
    const set = load('*filter\n:INPUT DROP [0:0]\n:U - [0:0]\n-A INPUT -j RETURN\n-A U -j RETURN\nCOMMIT\n');
    const ctx = () => makeContext({ packet: tcp('1.1.1.1', 1), table: 'filter' });
    expect(evaluateChain(set, 'filter', 'INPUT', ctx()).verdict).toEqual({ kind: 'drop', reason: 'NETFILTER_DROP' });
    expect(evaluateChain(set, 'filter', 'U', ctx()).verdict).toEqual({ kind: 'return' });
  });
  it('the jump stack is capped at NFT_JUMP_STACK_SIZE (16): a deeper walk is a named drop', () => {
    // Not loadable by iptables-restore (the kernel refuses it), so built by hand from a loadable ruleset.
    const set = load('*filter\n:L - [0:0]\n-A L -j ACCEPT\nCOMMIT\n');
    const l = set.tables.get('filter')!.chains.get('L')!;
    l.rules = [{ ...l.rules[0], target: { kind: 'jump', chain: 'L' } }];
    const r = evaluateChain(set, 'filter', 'L', makeContext({ packet: tcp('1.1.1.1', 1), table: 'filter' }));
    expect(r.verdict).toEqual({ kind: 'drop', reason: 'NFT_JUMP_STACK_OVERFLOW' });
    expect(l.rules[0].counters.packets).toBe(17);
  });
  it('a jump into a chain without rules takes a place on the stack too: the 17th such jump is the overflow drop', () => {
    // INPUT -j C1, C1 -j C2, ..., C(n-1) -j E, E empty: n jumps. Built by hand (iptables-restore refuses n > 16).
    const walk = (n: number) => {
      const names = Array.from({ length: n - 1 }, (_, i) => `C${i + 1}`);
      const text = ['*filter', ':INPUT ACCEPT [0:0]', ...names.map((c) => `:${c} - [0:0]`), ':E - [0:0]', '-A INPUT -j ACCEPT', ...names.map((c) => `-A ${c} -j ACCEPT`), 'COMMIT', ''];
      const set = load(text.join('\n'));
      const chains = set.tables.get('filter')!.chains;
      ['INPUT', ...names].forEach((c, i) => {
        const chain = chains.get(c)!;
        chain.rules = [{ ...chain.rules[0], target: { kind: 'jump', chain: names[i] ?? 'E' } }];
      });
      return evaluateChain(set, 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 1), table: 'filter', hook: 'INPUT' }));
    };
    const deepest = walk(16);
    expect(deepest.verdict).toEqual({ kind: 'accept' });
    expect(deepest.decidedBy).toBeNull();
    expect(deepest.visited).toBe(16);
    const over = walk(17);
    expect(over.verdict).toEqual({ kind: 'drop', reason: 'NFT_JUMP_STACK_OVERFLOW' });
    expect(over.decidedBy).toEqual({ table: 'filter', chain: 'C16', index: 1 });
  });
  it('no table or no chain: accept', () => {
    expect(evaluateChain(load(''), 'nat', 'PREROUTING', makeContext({ packet: tcp('1.1.1.1', 1) })).verdict).toEqual({ kind: 'accept' });
  });
  it('NAT targets return a request for conntrack', () => {
    const set = load('*nat\n-A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 192.168.0.2:6443\nCOMMIT\n');
    const r = evaluateChain(set, 'nat', 'PREROUTING', makeContext({ packet: tcp('10.96.0.1', 443) }));
    expect(r.verdict).toEqual({
      kind: 'nat',
      nat: { kind: 'dnat', range: { minAddr: 0xc0a80002, maxAddr: 0xc0a80002, ports: { min: 6443, max: 6443 } }, flags: { random: false, randomFully: false, persistent: false } },
    });
  });
});

describe('statistic branches', () => {
  const text = [
    '*nat', ':SVC - [0:0]', ':SEP1 - [0:0]', ':SEP2 - [0:0]', ':SEP3 - [0:0]',
    '-A PREROUTING -d 172.30.0.44/32 -p tcp -m tcp --dport 80 -j SVC',
    '-A SVC -m statistic --mode random --probability 0.3333333333 -j SEP1',
    '-A SVC -m statistic --mode random --probability 0.5000000000 -j SEP2',
    '-A SVC -j SEP3',
    '-A SEP1 -p tcp -j DNAT --to-destination 10.180.0.1:80',
    '-A SEP2 -p tcp -j DNAT --to-destination 10.180.0.2:80',
    '-A SEP3 -p tcp -j DNAT --to-destination 10.180.0.3:80',
    'COMMIT', '',
  ].join('\n');

  it('ctx.random() < p decides when no explorer is given', () => {
    const r = evaluateChain(load(text), 'nat', 'PREROUTING', makeContext({ packet: tcp('172.30.0.44', 80), randoms: [0.9, 0.1] }));
    expect(r.verdict.kind === 'nat' && r.verdict.nat.range?.minAddr).toBe(0x0ab40002);
    expect(r.branches.map((b) => b.taken)).toEqual([false, true]);
  });
  it('exploreBranches enumerates every endpoint with its probability', () => {
    const branches = exploreBranches((decide) => evaluateChain(load(text), 'nat', 'PREROUTING', makeContext({ packet: tcp('172.30.0.44', 80) }), { decide }));
    const byDst = branches.map((b) => [b.result.verdict.kind === 'nat' ? b.result.verdict.nat.range!.minAddr & 0xff : -1, b.probability] as const);
    expect(byDst.map(([d]) => d).sort()).toEqual([1, 2, 3]);
    for (const [, p] of byDst) expect(p).toBeCloseTo(1 / 3, 6);
    expect(branches.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 9);
  });
});

describe('evaluateEmptyBaseChain', () => {
  it('gives the walk\'s result and counts as the walk does, for each policy', () => {
    for (const policy of ['ACCEPT', 'DROP']) {
      const text = ['*filter', `:FORWARD ${policy} [0:0]`, 'COMMIT', ''].join('\n');
      const walked = load(text);
      const quick = load(text);
      const ctx = makeContext({ packet: tcp('1.1.1.1', 80), table: 'filter', hook: 'FORWARD' });
      const a = evaluateChain(walked, 'filter', 'FORWARD', ctx);
      const b = evaluateEmptyBaseChain(quick.tables.get('filter')!.chains.get('FORWARD')!, ctx.state, ctx.packet.ip.totalLength);
      expect(b).toEqual(a);
      expect(printSave(quick, { counters: true })).toBe(printSave(walked, { counters: true }));
      expect(printSave(quick, { counters: true })).toContain(`:FORWARD ${policy} [1:`);
    }
  });
});

describe('evaluateChain facts (the rule walk as a netfilter hop prints it)', () => {
  const text = [
    '*filter', ':INPUT DROP [0:0]', ':A - [0:0]',
    '-A INPUT ! -s 10.0.0.0/8 -j DROP',
    '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
    '-A INPUT -j A',
    '-A A -p tcp -m comment --comment "web" -m tcp --dport 80 -j ACCEPT',
    'COMMIT', '',
  ].join('\n');
  it('gives a line per rule walked, in order, for every outcome, and none unasked', () => {
    const lines: Record<number, string[]> = {
      22: [
        'no match  -A INPUT ! -s 10.0.0.0/8 -j DROP   (fails ! -s 10.0.0.0/8)',
        'match  -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
      ],
      80: [
        'no match  -A INPUT ! -s 10.0.0.0/8 -j DROP   (fails ! -s 10.0.0.0/8)',
        'no match  -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT   (fails -m tcp --dport 22)',
        'match  -A INPUT -j A',
        'match  -A A -p tcp -m comment --comment web -m tcp --dport 80 -j ACCEPT',
      ],
    };
    for (const dport of [22, 80, 443]) {
      const plain = evaluateChain(load(text), 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', dport), table: 'filter', hook: 'INPUT' }));
      const facts = evaluateChain(load(text), 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', dport), table: 'filter', hook: 'INPUT' }), { facts: true });
      expect(plain.facts).toEqual([]);
      if (lines[dport] !== undefined) expect(facts.facts).toEqual(lines[dport]);
      expect(facts.facts.length).toBe(plain.visited);
      expect(facts.visited).toBe(plain.visited);
      expect(facts.verdict).toEqual(plain.verdict);
      expect(facts.matched).toEqual(plain.matched);
    }
    const miss = evaluateChain(load(text), 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 443), table: 'filter', hook: 'INPUT' }), { facts: true });
    expect(miss.facts).toEqual([
      'no match  -A INPUT ! -s 10.0.0.0/8 -j DROP   (fails ! -s 10.0.0.0/8)',
      'no match  -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT   (fails -m tcp --dport 22)',
      'match  -A INPUT -j A',
      'no match  -A A -p tcp -m comment --comment web -m tcp --dport 80 -j ACCEPT   (fails -m tcp --dport 80)',
    ]);
  });
  it('a rule walked again by another packet gives the same lines, and its failing word follows the packet', () => {
    const rs = load(text);
    const a = evaluateChain(rs, 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 443), table: 'filter', hook: 'INPUT' }), { facts: true });
    const b = evaluateChain(rs, 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 443, '192.168.0.1'), table: 'filter', hook: 'INPUT' }), { facts: true });
    const c = evaluateChain(rs, 'filter', 'INPUT', makeContext({ packet: tcp('1.1.1.1', 443), table: 'filter', hook: 'INPUT' }), { facts: true });
    expect(b.facts).toEqual(['match  -A INPUT ! -s 10.0.0.0/8 -j DROP']);
    expect(c.facts).toEqual(a.facts);
    expect(a.facts[0]).toContain('(fails ! -s 10.0.0.0/8)');
  });
});

describe('counters of rules made by a cold restore (shared RULE_ZERO until first counted)', () => {
  // kube-proxy's shapes: REST hits (the SEP masquerade lines), MID hits with a jump of their own (SVC -> SEP),
  // lines of a scanned shape (the SVCS lines, unique by address), all restored with --counters as kube-proxy does.
  const TEXT = [
    '*nat', ':PREROUTING ACCEPT [0:0]', ':SVCS - [0:0]', ':MASQ - [0:0]',
    ':SVC-A - [0:0]', ':SVC-B - [0:0]', ':SVC-C - [0:0]', ':SEP-A - [0:0]', ':SEP-B - [0:0]', ':SEP-C - [0:0]',
    '-A PREROUTING -j SVCS',
    '-A MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A SVCS -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -j SVC-A',
    '-A SVCS -d 10.96.0.2/32 -p tcp -m tcp --dport 80 -j SVC-B',
    '-A SVCS -d 10.96.0.3/32 -p tcp -m tcp --dport 80 -j SVC-C',
    '-A SVC-A -j SEP-A', '-A SVC-B -j SEP-B', '-A SVC-C -j SEP-C',
    '-A SEP-A -s 10.244.0.5/32 -j MASQ', '-A SEP-A -p tcp -j DNAT --to-destination 10.244.0.5:80',
    '-A SEP-B -s 10.244.0.5/32 -j MASQ', '-A SEP-B -p tcp -j DNAT --to-destination 10.244.0.6:80',
    '-A SEP-C -s 10.244.0.5/32 -j MASQ', '-A SEP-C -p tcp -j DNAT --to-destination 10.244.0.7:80',
    'COMMIT', '',
  ].join('\n');
  const OPTS = { noflush: true, counters: true };
  const send = (rs: Ruleset, dst: string, journal?: StateJournal) => {
    const ctx = makeContext({ packet: tcp(dst, 80, '10.244.0.5'), table: 'nat' });
    ctx.state.journal = journal;
    return evaluateChain(rs, 'nat', 'PREROUTING', ctx);
  };
  const cold = (cache = new RuleParseCache()) => {
    const r = restore(TEXT, undefined, { ...OPTS, cache });
    expect(r.errors).toEqual([]);
    return r.ruleset;
  };

  it('counts packets per rule, as a plain restore\'s rules count them (iptables-save -c)', () => {
    const fast = cold();
    const plain = load(TEXT);
    // The rules the cache made share one zero until counted (the plain parse gives each rule its own).
    const sep = fast.tables.get('nat')!.chains.get('SEP-B')!.rules;
    expect(sep[0].counters).toBe(RULE_ZERO);
    expect(fast.tables.get('nat')!.chains.get('SEP-C')!.rules[0].counters).toBe(RULE_ZERO);
    for (const rs of [fast, plain]) for (const dst of ['10.96.0.2', '10.96.0.2', '10.96.0.3', '10.96.0.9']) send(rs, dst);
    const saved = printSave(fast, { counters: true });
    expect(saved).toBe(printSave(plain, { counters: true }));
    expect(saved).toContain('[2:120] -A SEP-B -s 10.244.0.5/32 -j MASQ');
    expect(saved).toContain('[1:60] -A SEP-C -s 10.244.0.5/32 -j MASQ');
    expect(saved).toContain('[0:0] -A SEP-A -s 10.244.0.5/32 -j MASQ');
    expect(saved).toContain('[3:180] -A MASQ -j MARK --set-xmark 0x4000/0x4000');
    expect(saved).toContain('[2:120] -A SVC-B -j SEP-B');
    expect(RULE_ZERO).toEqual({ packets: 0, bytes: 0 });
  });

  it('two rulesets from one cache count apart, and a rollback gives the rules their shared zero back', () => {
    const cache = new RuleParseCache();
    const a = cold(cache);
    const b = cold(cache);
    const before = printSave(a, { counters: true });
    const journal = new StateJournal();
    send(a, '10.96.0.2', journal);
    send(a, '10.96.0.2', journal);
    expect(printSave(a, { counters: true })).toContain('[2:120] -A SEP-B -s 10.244.0.5/32 -j MASQ');
    expect(printSave(b, { counters: true })).toBe(before);
    journal.rollback();
    expect(printSave(a, { counters: true })).toBe(before);
    expect(a.tables.get('nat')!.chains.get('SEP-B')!.rules[0].counters).toBe(RULE_ZERO);
    // Counted again after the rollback, from zero.
    send(a, '10.96.0.2');
    expect(printSave(a, { counters: true })).toContain('[1:60] -A SEP-B -s 10.244.0.5/32 -j MASQ');
  });
});
