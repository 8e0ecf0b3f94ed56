// Ten `-m statistic` rules in front of thousands of others: every run of the branch explorer builds a fresh
// World, but the rulesets are parsed once and shared (stateless rules only), so exploring costs walks, not
// parses. And a ruleset with state (an nth counter) is still parsed per run, so runs do not leak into each other.

import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../../src/kernel/index.js';
import { exploreTraceBranches } from '../../src/trace/index.js';
import { ip, ns, route, veth } from '../support/specs.js';

function world(fillers: number, nth: boolean): WorldSpec {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (let i = 0; i < 10; i++) {
    const bit = `0x${(1 << i).toString(16)}`;
    lines.push(`-A FORWARD -m statistic --mode random --probability 0.50000000000 -j MARK --set-xmark ${bit}/${bit}`);
  }
  if (nth) lines.push('-A FORWARD -m statistic --mode nth --every 2 --packet 0 -j DROP');
  for (let i = 0; i < fillers; i++) {
    lines.push(`-A FORWARD -s 10.9.${(i >> 8) & 255}.${i & 255}/32 -d 10.0.2.2/32 -p tcp -m tcp --dport ${1 + (i % 60000)} -j DROP`);
  }
  lines.push('COMMIT', '');
  return {
    name: 'statistic',
    namespaces: [
      ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
      ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
        sysctls: { 'net.ipv4.ip_forward': 1 }, iptables: lines.join('\n'),
      }),
      ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')], {
        routes: [route('default via 10.0.2.1 dev eth0')], listen: [{ proto: 'tcp', port: 80, addr: 0 }],
      }),
    ],
  };
}

const PROBE = { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp' as const, dport: 80 };

describe('branch exploration over a large ruleset', () => {
  it('ten random rules before 2,000 others: the branch limit of runs, in seconds, one outcome', () => {
    const t0 = performance.now();
    const r = exploreTraceBranches(world(2_000, false), PROBE);
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(r.truncated).toBe(true);
    expect(r.branches.map((b) => b.disposition)).toEqual(['DELIVERED']);
  });

  it('a ruleset with an nth counter is parsed per run: every run sees the counter at its start', () => {
    const r = exploreTraceBranches(world(10, true), PROBE);
    // --every 2 --packet 0: the first packet of each fresh World matches and is dropped, in every branch.
    expect(r.branches.map((b) => b.disposition)).toEqual(['DROPPED']);
  });
});
