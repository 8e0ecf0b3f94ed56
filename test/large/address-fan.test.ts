// A 350 x 350 address fan: one line `-s A1,...,A350 -d B1,...,B350` that iptables expands to 122,500 rules.
// Every rule of it matching one packet once died in the --iptables-save tracer (`Invalid string length`,
// 3 GB): each expanded rule carried the whole 9 KB line as its text, and branches were merged by one JSON
// string of every matched rule. Each rule now keeps its own pair of addresses, as iptables-save prints it.
// The time is not asserted; the timeout is only a guard against a hang.

import { describe, expect, it } from 'vitest';
import { traceIptablesSave } from '../../src/trace/index.js';

function fan(n: number, tail: string): string {
  const s = Array.from({ length: n }, (_, i) => `10.${1 + (i >> 8)}.${i & 255}.1/8`).join(',');
  const d = Array.from({ length: n }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.2/8`).join(',');
  return `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -s ${s} -d ${d} ${tail}\nCOMMIT\n`;
}

describe('a 350 x 350 address fan', () => {
  it('every one of its 122,500 rules matches: one branch, each rule with its own addresses', () => {
    const t = traceIptablesSave(fan(350, '-j MARK --set-xmark 0x1/0x1'), { src: '10.1.0.1', dst: '10.100.0.2', dport: 80 });
    expect(t.errors).toEqual([]);
    expect(t.branches).toHaveLength(1);
    expect(t.verdict).toBe('ACCEPT');
    const forward = t.hooks.find((h) => h.table === 'filter' && h.hook === 'FORWARD');
    expect(forward?.rules).toHaveLength(122_500);
    expect(forward?.mark).toBe('0x1');
    expect(forward?.rules[0].rule).toBe('-A FORWARD -s 10.1.0.1/8 -d 10.100.0.2/8 -j MARK --set-xmark 0x1/0x1');
    expect(forward?.rules[1].rule).toBe('-A FORWARD -s 10.1.0.1/8 -d 10.100.1.2/8 -j MARK --set-xmark 0x1/0x1');
    expect(forward?.rules[122_499].rule).toBe('-A FORWARD -s 10.2.93.1/8 -d 10.101.93.2/8 -j MARK --set-xmark 0x1/0x1');
    expect(forward?.rules[122_499]).toMatchObject({ line: 5, index: 122_500 });
    expect(t.branches[0].rules).toHaveLength(122_500);
  }, 300_000);

  it('with a random match on every rule: the branch limit of runs, merged without one string per branch', () => {
    const t = traceIptablesSave(fan(350, '-m statistic --mode random --probability 0.5 -j ACCEPT'), { src: '10.1.0.1', dst: '10.100.0.2', dport: 80, branchLimit: 64 });
    expect(t.errors).toEqual([]);
    // Depth first: the first rule accepts (p 1/2), else the second (1/4), ...: 64 runs, 64 different walks.
    expect(t.truncated).toBe(true);
    expect(t.branches).toHaveLength(64);
    expect(t.branches.slice(0, 3).map((b) => [b.probability, b.rules.length, b.verdict])).toEqual([[0.5, 1, 'ACCEPT'], [0.25, 1, 'ACCEPT'], [0.125, 1, 'ACCEPT']]);
    expect(t.branches[1].rules[0]).toBe('-A FORWARD -s 10.1.0.1/8 -d 10.100.1.2/8 -m statistic --mode random --probability 0.5 -j ACCEPT');
  }, 300_000);
});
