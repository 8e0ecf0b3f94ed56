// Ten `-m statistic` rules in front of 100,000 others (issue 8: 84 s): the explorer builds one World, rolls
// each run back, leaves out the rule-by-rule facts, and shares the chain walks its runs have in common
// (kernel/netfilter/walk-memo.ts). A ruleset with state (an nth counter) is shared by no run, so runs do not
// leak into each other. Times are not asserted; the timeouts only guard against a hang.

import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../../src/kernel/index.js';
import { WalkMemo } from '../../src/kernel/netfilter/index.js';
import { exploreTraceBranches } from '../../src/trace/index.js';
import { firewallWorld, ip } from '../support/specs.js';

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
  return firewallWorld(lines.join('\n'));
}

const PROBE = { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp' as const, dport: 80 };

describe('branch exploration over a large ruleset', () => {
  it('ten random rules before 100,000 others: the branch limit of runs, one outcome, the SYN walked a few times', () => {
    const memo = new WalkMemo();
    const r = exploreTraceBranches(world(100_000, false), PROBE, { walkMemo: memo });
    expect(r.truncated).toBe(true);
    expect(r.branches.map((b) => b.disposition)).toEqual(['DELIVERED']);
    // 256 runs: the ten choices of the SYN's FORWARD walk and the first two of the SYN-ACK's are the same in
    // all of them (depth first, the last choices change first), so the SYN's walk is made once.
    expect(r.branches[0].probability).toBe(256 / 2 ** 20);
    expect(memo.replayed).toBe(255);
    expect(memo.walked).toBe(257);
  }, 600_000);

  it('a ruleset with an nth counter shares no walk: every run sees the counter at its start (rolled back)', () => {
    const memo = new WalkMemo();
    const r = exploreTraceBranches(world(10, true), PROBE, { walkMemo: memo });
    expect(memo.replayed).toBe(0);
    // --every 2 --packet 0: the first packet of each fresh World matches and is dropped, in every branch.
    expect(r.branches.map((b) => b.disposition)).toEqual(['DROPPED']);
  });
});
