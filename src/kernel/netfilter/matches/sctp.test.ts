// -m sctp as iptables 1.8.9 (nf_tables) takes and prints it on a 6.18 kernel (checked in real namespaces), and
// as xt_sctp's sctp_mt() evaluates it; with a DNAT to IP:PORT, as kube-proxy writes for an SCTP Service port.

import { describe, expect, it } from 'vitest';
import { evaluateChain } from '../evaluate.js';
import { restore } from '../restore-apply.js';
import { printSave } from '../save-print.js';
import { makeContext, makePacket } from '../testing.js';

const sctp = (dport: number, sport = 40000, fragOffset = 0) =>
  makeContext({ packet: makePacket({ proto: 'sctp', src: '10.0.0.2', dst: '172.30.0.42', sport, dport, fragOffset }) });

function rule(spec: string): { text: string; errors: string[] } {
  const { ruleset, errors } = restore(`*filter\n:INPUT ACCEPT [0:0]\n-A INPUT ${spec} -j ACCEPT\nCOMMIT\n`);
  const line = printSave(ruleset).split('\n').find((l) => l.startsWith('-A INPUT')) ?? '';
  return { text: line, errors: errors.map((e) => e.message) };
}

function accepts(spec: string, ctx: ReturnType<typeof sctp>): boolean {
  const { ruleset, errors } = restore(`*filter\n:U - [0:0]\n-A U ${spec} -j ACCEPT\nCOMMIT\n`);
  expect(errors).toEqual([]);
  return evaluateChain(ruleset, 'filter', 'U', ctx).verdict.kind === 'accept';
}

describe('-m sctp', () => {
  it.each([
    ['-p sctp -m sctp', '-A INPUT -p sctp -m sctp -j ACCEPT'],
    ['-p sctp -m sctp --sport 0:65535', '-A INPUT -p sctp -m sctp --sport 0:65535 -j ACCEPT'],
    ['-p sctp -m sctp --dport 5:', '-A INPUT -p sctp -m sctp --dport 5:65535 -j ACCEPT'],
    ['-p sctp -m sctp --dport :7', '-A INPUT -p sctp -m sctp --dport 0:7 -j ACCEPT'],
    ['-p sctp -m sctp ! --dport 0:65535', '-A INPUT -p sctp -m sctp ! --dport 0:65535 -j ACCEPT'],
    ['-p sctp --dport 54', '-A INPUT -p sctp -m sctp --dport 54 -j ACCEPT'],
  ])('%s prints as iptables-save does', (spec, saved) => {
    expect(rule(spec)).toEqual({ text: saved, errors: [] });
  });

  it.each([
    ['-p sctp -m sctp --dport 20:10', 'invalid portrange (min > max)'],
    ['-p sctp -m sctp --dport domain', "invalid port/service `domain' specified"],
    ['-p tcp -m sctp --dport 5', "SCTP match requires '-p sctp'"],
    ['! -p sctp -m sctp --dport 5', "SCTP match requires '-p sctp'"],
    ['-p sctp -m sctp --chunk-types any INIT', 'does not model SCTP chunk matching'],
  ])('%s is refused', (spec, message) => {
    expect(rule(spec).errors.join('\n')).toContain(message);
  });

  it('matches ports as sctp_mt() does: ranges, inversion, never a later fragment or another protocol', () => {
    expect(accepts('-p sctp --dport 53', sctp(53))).toBe(true);
    expect(accepts('-p sctp --dport 53', sctp(54))).toBe(false);
    expect(accepts('-p sctp ! --dport 50:60', sctp(53))).toBe(false);
    expect(accepts('-p sctp --sport 39000:41000 --dport 53', sctp(53))).toBe(true);
    expect(accepts('-p sctp --dport 53', sctp(53, 40000, 8))).toBe(false);
    const udp = makeContext({ packet: makePacket({ proto: 'udp', src: '10.0.0.2', dst: '172.30.0.42', dport: 53 }) });
    expect(accepts('-p sctp --dport 53', udp)).toBe(false);
  });

  it('a DNAT to IP:PORT takes -p sctp, and the chain index keys SCTP rules by port', () => {
    const text = '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 172.30.0.42/32 -p sctp -m sctp --dport 53 -j DNAT --to-destination 10.180.0.1:5353\nCOMMIT\n';
    const { ruleset, errors } = restore(text);
    expect(errors).toEqual([]);
    const hit = evaluateChain(ruleset, 'nat', 'PREROUTING', sctp(53));
    expect(hit.verdict.kind).toBe('nat');
    expect(evaluateChain(ruleset, 'nat', 'PREROUTING', sctp(54)).verdict.kind).not.toBe('nat');
  });
});
