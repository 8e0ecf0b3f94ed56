// kube-proxy spreads a Service over n endpoints with `-m statistic --mode random --probability 1/(n-i)` on
// rule i: each endpoint must get probability 1/n. Exact with branch exploration; within a chi-square bound
// over seeds when the seeded RNG draws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateChain, exploreBranches, restore } from '../../src/kernel/netfilter/index.js';
import { makeContext, makePacket } from '../../src/kernel/netfilter/testing.js';
import type { WorldSpec } from '../../src/kernel/index.js';
import { exploreTraceBranches, runTrace } from '../../src/trace/index.js';
import { addr, ip, ns, route, veth } from '../support/specs.js';

/** The probability kube-proxy writes for rule i of n (proxier.go computeProbability: "%0.10f"). */
function probability(n: number, i: number): string {
  return (1 / (n - i)).toFixed(10);
}

function serviceRules(n: number): string {
  const lines = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]', ':SVC - [0:0]'];
  for (let i = 0; i < n; i++) lines.push(`:SEP${i} - [0:0]`);
  lines.push('-A PREROUTING -d 10.96.0.1/32 -p tcp -m tcp --dport 80 -j SVC');
  for (let i = 0; i < n; i++) {
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n, i)}` : '';
    lines.push(`-A SVC${stat} -j SEP${i}`);
  }
  for (let i = 0; i < n; i++) lines.push(`-A SEP${i} -p tcp -m tcp -j DNAT --to-destination 10.0.2.${10 + i}:80`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

function serviceWorld(n: number): WorldSpec {
  const endpoints = Array.from({ length: n }, (_, i) => addr(`10.0.2.${10 + i}/24`));
  return {
    name: `spread-${n}`,
    namespaces: [
      ns('client', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
      ns('router', [veth('eth0', 'client/eth0', '10.0.1.1/24'), veth('eth1', 'server/eth0', '10.0.2.1/24')], {
        sysctls: { 'net.ipv4.ip_forward': 1 },
        iptables: serviceRules(n),
      }),
      ns('server', [{ ...veth('eth0', 'router/eth1'), addresses: endpoints }], {
        routes: [route('default via 10.0.2.1 dev eth0')],
        listen: [{ proto: 'tcp', port: 80, addr: 0 }],
      }),
    ],
  };
}

describe('kube-proxy load spread', () => {
  it('gives each of n endpoints probability 1/n, exactly, in the rule engine (1,000 cases)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), (n) => {
        const { ruleset, errors } = restore(serviceRules(n));
        expect(errors).toEqual([]);
        const packet = makePacket({ proto: 'tcp', src: '10.0.1.2', dst: '10.96.0.1', sport: 40000, dport: 80 });
        const branches = exploreBranches((decide) => evaluateChain(ruleset, 'nat', 'PREROUTING', makeContext({ packet }), { decide }));
        const perEndpoint = new Map<number, number>();
        for (const b of branches) {
          const v = b.result.verdict;
          if (v.kind !== 'nat' || !v.nat.range) throw new Error('every branch must DNAT');
          perEndpoint.set(v.nat.range.minAddr, (perEndpoint.get(v.nat.range.minAddr) ?? 0) + b.probability);
        }
        expect(perEndpoint.size).toBe(n);
        for (const p of perEndpoint.values()) expect(Math.abs(p - 1 / n)).toBeLessThan(1e-6);
      }),
      { numRuns: 1000, seed: 20261201 },
    );
  });

  it('gives the same 1/n through the whole packet path with branch exploration', () => {
    for (const n of [1, 2, 3, 5]) {
      const { branches, truncated } = exploreTraceBranches(serviceWorld(n), { from: 'client', dst: ip('10.96.0.1'), proto: 'tcp', dport: 80 });
      expect(truncated).toBe(false);
      expect(branches).toHaveLength(n);
      for (const b of branches) {
        expect(b.disposition).toBe('DELIVERED');
        expect(Math.abs(b.probability - 1 / n)).toBeLessThan(1e-6);
      }
      expect(new Set(branches.map((b) => b.dst)).size).toBe(n);
    }
  });

  it('spreads seeded runs within a chi-square bound', () => {
    const n = 3;
    const runs = 900;
    const counts = new Map<string, number>();
    const world = serviceWorld(n);
    for (let seed = 1; seed <= runs; seed++) {
      const t = runTrace(world, { from: 'client', dst: ip('10.96.0.1'), proto: 'tcp', dport: 80 }, { seed });
      expect(t.disposition).toBe('DELIVERED');
      const where = t.deliveredTo?.addr ?? '';
      counts.set(where, (counts.get(where) ?? 0) + 1);
    }
    expect(counts.size).toBe(n);
    const expected = runs / n;
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 2 degrees of freedom: P(chi2 > 13.82) = 0.001.
    expect(chi2).toBeLessThan(13.82);
  });
});
