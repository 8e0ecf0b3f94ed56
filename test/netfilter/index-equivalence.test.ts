// The indexed walk (index-chain.ts) against the plain linear interpreter: same verdict, same rules matched in
// the same order, same mark, same counters, same recent-list state, same random draws, on random rulesets
// and packets.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateChain, indexRuleset, printSave, restore } from '../../src/kernel/netfilter/index.js';
import { makeContext, makePacket, type PacketSpec } from '../../src/kernel/netfilter/testing.js';

const ADDRS = ['10.96.0.1', '10.96.0.2', '10.96.0.3', '192.168.0.2'];
const PORTS = [53, 80, 443, 8080];
const CHAINS = ['C1', 'C2', 'C3'];

const dst = fc.oneof(fc.constant(''), ...ADDRS.map((a) => fc.constant(`-d ${a}`)), fc.constant('-d 10.96.0.0/16'), fc.constant('! -d 10.96.0.1'));
const proto = fc.constantFrom('', '-p tcp', '-p udp', '-p icmp', '! -p tcp');
const before = fc.constantFrom('', '-m comment --comment x', '-m mark --mark 0x1/0x1', '-m statistic --mode random --probability 0.5',
  '-m recent --name R --set', '-m nfacct --nfacct-name n');
const after = fc.constantFrom('', '-m mark ! --mark 0x2/0x2', '-m recent --name R --rcheck', '-m addrtype --dst-type LOCAL');

function port(p: string): fc.Arbitrary<string> {
  if (p !== '-p tcp' && p !== '-p udp') return fc.constant('');
  const m = p.slice(3);
  return fc.oneof(fc.constant(''), ...PORTS.map((n) => fc.constant(`-m ${m} --dport ${n}`)), fc.constant(`-m ${m} ! --dport 80`),
    fc.constant(`-m ${m} --dport 80:443`), ...PORTS.map((n) => fc.constant(`-m multiport --dports ${n}`)));
}

/** No `-j DROP`: the nat table refuses it (do_parse() in iptables/xshared.c); ACCEPT and DNAT end the walk. */
function target(level: number): fc.Arbitrary<string> {
  const jumps = CHAINS.slice(level).map((c) => fc.constant(`-j ${c}`));
  return fc.oneof(fc.constantFrom('', '-j ACCEPT', '-j RETURN', '-j MARK --or-mark 0x1', '-j MARK --xor-mark 0x2', '-j DNAT --to-destination 10.1.1.1'), ...jumps);
}

/** A rule body; chain `level` may only jump to later chains, so the ruleset is loop-free. */
function rule(level: number): fc.Arbitrary<string> {
  return proto.chain((p) => fc.tuple(dst, fc.constant(p), before, port(p), after, target(level))).map((parts) => parts.filter(Boolean).join(' '));
}

const rulesetText = fc
  .tuple(fc.array(rule(0), { maxLength: 30 }), ...CHAINS.map((_, i) => fc.array(rule(i + 1), { maxLength: 12 })))
  .map(([base, ...users]) => {
    const lines = ['*nat', ...CHAINS.map((c) => `:${c} - [0:0]`)];
    for (const r of base) lines.push(`-A PREROUTING ${r}`.trim());
    users.forEach((rs, i) => rs.forEach((r) => lines.push(`-A ${CHAINS[i]} ${r}`.trim())));
    lines.push('COMMIT', '');
    return lines.join('\n');
  });

const packet: fc.Arbitrary<PacketSpec> = fc.record({
  proto: fc.constantFrom('tcp' as const, 'udp' as const, 'icmp' as const),
  src: fc.constantFrom('10.0.0.2', '203.0.113.2'),
  dst: fc.constantFrom(...ADDRS, '10.96.5.5', '8.8.8.8'),
  sport: fc.constantFrom(1000, 40000),
  dport: fc.constantFrom(...PORTS, 22),
  fragOffset: fc.constantFrom(0, 0, 0, 8),
});

function run(text: string, spec: PacketSpec, mark: number, randoms: number[], indexed: boolean, walks: number) {
  const { ruleset, errors } = restore(text);
  expect(errors).toEqual([]);
  const index = indexed ? indexRuleset(ruleset, 0) : undefined;
  const state = { recent: new Map<string, Map<number, number[]>>(), ipsets: new Map(), nfacct: new Map<string, { packets: number; bytes: number }>() };
  const draws = [...randoms];
  const out: unknown[] = [];
  for (let w = 0; w < walks; w++) {
    let drawn = 0;
    const ctx = makeContext({ packet: makePacket(spec), mark, local: ['192.168.0.2'], state, now: w * 1000 });
    ctx.random = () => {
      drawn++;
      return draws.shift() ?? 0.25;
    };
    const r = evaluateChain(ruleset, 'nat', 'PREROUTING', ctx, { index });
    out.push({ verdict: r.verdict, matched: r.matched, mark: ctx.mark, drawn, branches: r.branches });
  }
  return { out, counters: printSave(ruleset, { counters: true }), recent: [...(state.recent.get('R') ?? new Map()).entries()], nfacct: [...state.nfacct.entries()] };
}

describe('indexed chains equal the linear walk', () => {
  it('on random rulesets and packets', () => {
    fc.assert(
      fc.property(rulesetText, packet, fc.constantFrom(0, 1, 2, 3), fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { maxLength: 8 }), (text, spec, mark, randoms) => {
        expect(run(text, spec, mark, randoms, true, 2)).toEqual(run(text, spec, mark, randoms, false, 2));
      }),
      { numRuns: 1500, seed: 20261201 },
    );
  });

  it('skips rules: a 5000-rule KUBE-SERVICES-like chain walks only the matching bucket', () => {
    const lines = ['*nat', ':S - [0:0]'];
    for (let i = 0; i < 5000; i++) lines.push(`-A PREROUTING -d 10.${96 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m comment --comment "svc${i}" -m tcp --dport 80 -j S`);
    lines.push('-A PREROUTING -m addrtype --dst-type LOCAL -j S', 'COMMIT', '');
    const { ruleset } = restore(lines.join('\n'));
    const index = indexRuleset(ruleset);
    const r = evaluateChain(ruleset, 'nat', 'PREROUTING', makeContext({ packet: makePacket({ proto: 'tcp', src: '10.0.0.2', dst: '10.96.19.135', dport: 80 }) }), { index, facts: true });
    expect(r.matched.map((m) => m.index)).toEqual([5000]);
    // Only rule 5000 (the Service's) and rule 5001 (the addrtype one) are walked.
    expect(r.visited).toBe(2);
    expect(r.facts).toEqual([
      'match  -A PREROUTING -d 10.96.19.135/32 -p tcp -m comment --comment svc4999 -m tcp --dport 80 -j S',
      'no match  -A PREROUTING -m addrtype --dst-type LOCAL -j S   (fails -m addrtype --dst-type LOCAL)',
    ]);
  });
});
