// Branch exploration shares the chain walks its runs have in common (kernel/netfilter/walk-memo.ts), on one
// World rolled back after each run, without the rule-by-rule facts. None of that may change what it finds:
// on every shipped scenario and fixture the branches (probabilities, order, every field) are the ones the
// explorer found when each run started from nothing (test/support/naive-branches.ts).
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../src/kernel/index.js';
import type { WorldSpec } from '../src/kernel/index.js';
import { WalkMemo } from '../src/kernel/netfilter/index.js';
import { exploreTraceBranches } from '../src/trace/index.js';
import { naiveBranches } from './support/naive-branches.js';
import { firewallWorld, ip } from './support/specs.js';
import { shippedScenarios } from './support/shipped-scenarios.js';

/** Random rules on both legs (the reply crosses FORWARD too) around `fillers` rules that cannot match. */
function statisticWorld(fillers: number): WorldSpec {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (let i = 0; i < fillers; i++) lines.push(`-A FORWARD -s 10.9.${(i >> 8) & 255}.${i & 255}/32 -j DROP`);
  for (let i = 0; i < 6; i++) {
    const bit = `0x${(1 << i).toString(16)}`;
    lines.push(`-A FORWARD -m statistic --mode random --probability 0.${3 + i}0000000000 -j MARK --set-xmark ${bit}/${bit}`);
  }
  lines.push('-A FORWARD -m mark --mark 0x7/0x7 -j DROP', 'COMMIT', '');
  return firewallWorld(lines.join('\n'));
}

describe('branch exploration shares walks and finds what separate runs find', () => {
  const all = shippedScenarios();

  it('every trace of every shipped scenario and fixture: the same branches, byte for byte', () => {
    let traces = 0;
    let branching = 0;
    for (const sc of all) {
      const world = buildWorld(sc.world);
      for (const t of sc.traces) {
        for (const seed of [1, 7]) {
          const shared = exploreTraceBranches(world, t, { seed });
          const naive = naiveBranches(sc.world, t, { seed });
          expect(JSON.stringify(shared), `${sc.file}: ${t.name} (seed ${seed})`).toBe(JSON.stringify(naive));
          if (shared.branches.length > 1 || shared.branches.some((b) => b.probability !== 1)) branching++;
        }
        traces++;
      }
    }
    expect(traces).toBeGreaterThan(100);
    expect(branching).toBeGreaterThan(0);
  });

  it('random rules on both legs, a mark match after them: the same branches and the branch limit', () => {
    const spec = statisticWorld(40);
    const probe = { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp' as const, dport: 80 };
    const memo = new WalkMemo();
    const shared = exploreTraceBranches(spec, probe, { walkMemo: memo });
    const naive = naiveBranches(spec, probe);
    expect(JSON.stringify(shared)).toBe(JSON.stringify(naive));
    // Six choices on each leg: 4,096 sequences, cut at the limit; the mark match drops some.
    expect(shared.truncated).toBe(true);
    expect(shared.branches.map((b) => b.disposition).sort()).toEqual(['DELIVERED', 'DROPPED']);
    // 256 runs of two FORWARD walks each (the SYN, the SYN-ACK): depth first, the runs differ in the reply's
    // choices, so the SYN's walk is replayed, not walked again, by all but the few runs that changed its own.
    // (A run whose SYN the mark match drops has no second walk.)
    expect(memo.replayed + memo.walked).toBeGreaterThan(480);
    expect(memo.replayed).toBeGreaterThan(200);
    expect(memo.walked).toBeLessThan(300);
  });
});
