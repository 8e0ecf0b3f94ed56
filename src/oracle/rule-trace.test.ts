// The emulator's rule steps from its hops, one trace id split into packets, and where the two sides part.
// The kernel's steps from captured `nft -a monitor` output are tested in nft-trace-parse.test.ts.

import { describe, expect, it } from 'vitest';

import type { Hop } from '../trace/model.js';
import { parseNftTrace } from './nft-trace-parse.js';
import { alignRuleSteps, emulatorRuleSteps, packetsOf } from './rule-trace.js';

const SVC = '-A KUBE-SVC-WEB -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEB2';

describe('packetsOf', () => {
  it('splits one trace id into packets at our table\'s packet line (a reused skb)', () => {
    const line = (chain: string, rest: string) => `trace id 0000abcd ip ${chain} ${rest}`;
    const events = parseNftTrace([
      line('packetwalk_trace prerouting', 'packet: iif "eth0" ip saddr 10.0.1.2 tcp flags == syn'),
      line('filter FORWARD', 'policy accept'),
      line('packetwalk_trace prerouting', 'packet: iif "eth0" ip saddr 10.0.1.2 tcp flags == ack'),
      line('filter FORWARD', 'policy accept'),
    ].join('\n'));
    expect(packetsOf(events).map((p) => p.length)).toEqual([2, 2]);
  });
});

function pass(netns: string, table: string, chain: string, rule: string | null, verdict: string | null, facts: string[]): Hop {
  return {
    seq: 0, node: null, netns, dev: null, stage: 'netfilter', detail: '', table, chain, rule, verdict, before: null, after: null, facts, t: 0,
  };
}

describe('emulatorRuleSteps', () => {
  it('takes matched rules, and the policy when no rule decided', () => {
    const hops = [
      pass('router', 'nat', 'PREROUTING', null, null, ['no match  -A PREROUTING -d 10.0.2.1/32 -j DNAT --to-destination 10.0.1.2   (fails -d 10.0.2.1/32)']),
      { ...pass('router', 'nat', 'PREROUTING', null, null, []), detail: 'DNAT: ...', facts: undefined },
      pass('router', 'nat', 'POSTROUTING', '-A POSTROUTING -o eth1 -j MASQUERADE', 'NAT', ['match  -A POSTROUTING -o eth1 -j MASQUERADE']),
      pass('elsewhere', 'filter', 'INPUT', null, 'ACCEPT', ['no match  -A INPUT -j DROP   (fails -i lo)']),
    ];
    expect(emulatorRuleSteps(hops, ['router'])).toEqual({
      router: ['nat PREROUTING: policy ACCEPT', 'nat POSTROUTING: -A POSTROUTING -o eth1 -j MASQUERADE'],
    });
  });
});

describe('alignRuleSteps', () => {
  it('agrees on equal sequences and names the first step that differs', () => {
    expect(alignRuleSteps({ r: ['a', 'b'] }, { r: ['a', 'b'] })).toMatchObject({ agree: true });
    expect(alignRuleSteps({ r: ['a', 'x', 'b'] }, { r: ['a', 'b'] }).parting).toEqual({ netns: 'r', step: 2, emulator: 'x', kernel: 'b' });
    expect(alignRuleSteps({ r: ['a'] }, { r: ['a', 'b'] }).parting).toEqual({ netns: 'r', step: 2, emulator: '(none)', kernel: 'b' });
  });

  it('lets the kernel draw another random branch at a -m statistic rule', () => {
    const r = alignRuleSteps({ n: ['nat PREROUTING: -A KUBE-SVC-WEB -m statistic --mode random -j KUBE-SEP-WEB1'] }, { n: [`nat PREROUTING: ${SVC}`] }, true);
    expect(r.agree).toBe(true);
    expect(r.branch).toMatch(/^n step 1: /);
    expect(alignRuleSteps({ n: ['x -m statistic y'] }, { n: ['z'] }, false).agree).toBe(false);
  });
});
