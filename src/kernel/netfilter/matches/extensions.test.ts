// The extensions of issue 8 (limit, iprange, length, owner, rpfilter, NFLOG, TCPMSS): their semantics against
// packet contexts, their save form and refusals as iptables 1.8.9 (nf_tables) printed them in a scratch
// namespace; test/kernel/iptables-agreement.test.ts checks the same against the real tool on generated rules.

import { describe, expect, it } from 'vitest';
import { evaluateChain } from '../evaluate.js';
import { restore } from '../restore-apply.js';
import { printSave } from '../save-print.js';
import { makeContext, makePacket, type ContextSpec } from '../testing.js';
import type { NfPacketContext } from '../context.js';

function chain(spec: string, table = 'filter') {
  const { ruleset, errors } = restore(`*${table}\n:U - [0:0]\n-A U ${spec} -j ACCEPT\nCOMMIT\n`);
  expect(errors).toEqual([]);
  return (ctx: NfPacketContext) => evaluateChain(ruleset, table as 'filter', 'U', ctx).verdict.kind === 'accept';
}

const pkt = (over: Partial<ContextSpec> = {}, p: Partial<Parameters<typeof makePacket>[0]> = {}) =>
  makeContext({ packet: makePacket({ proto: 'tcp', src: '10.0.0.2', dst: '10.96.0.1', dport: 80, ...p }), ...over });

function saved(table: string, rule: string): string {
  const { ruleset, errors } = restore(`*${table}\n${rule}\nCOMMIT\n`);
  if (errors.length) return `error: ${errors[0].message}`;
  return printSave(ruleset).split('\n').filter((l) => l.startsWith('-A'))[0] ?? '';
}

describe('save forms, as iptables-save 1.8.9 printed them', () => {
  it.each([
    ['filter', '-A INPUT -m limit --limit 5/s -j ACCEPT', '-A INPUT -m limit --limit 5/sec -j ACCEPT'],
    ['filter', '-A INPUT -m limit --limit 10/min --limit-burst 20 -j ACCEPT', '-A INPUT -m limit --limit 10/min --limit-burst 20 -j ACCEPT'],
    ['filter', '-A INPUT -m limit -j ACCEPT', '-A INPUT -m limit --limit 3/hour -j ACCEPT'],
    ['filter', '-A INPUT -m limit --limit 61/min', '-A INPUT -m limit --limit 61/min'],
    ['filter', '-A INPUT -m limit --limit 2/h', '-A INPUT -m limit --limit 2/hour'],
    ['filter', '-A INPUT -m limit --limit 5', '-A INPUT -m limit --limit 5/sec'],
    ['filter', '-A INPUT -m limit --limit 10001/sec', 'error: Rate too fast "10001/sec"'],
    ['filter', '-A INPUT -m limit --limit 0/s', 'error: bad rate "0/s"\''],
    ['filter', '-A INPUT -m limit --limit-burst 10001', 'error: limit: bad value for option "--limit-burst", or out of range (0-10000).'],
    ['filter', '-A INPUT -m iprange --src-range 10.0.0.1 -j DROP', '-A INPUT -m iprange --src-range 10.0.0.1-10.0.0.1 -j DROP'],
    ['filter', '-A INPUT -m iprange --dst-range 10.0.0.1-10.0.0.2 --src-range 10.0.0.5-10.0.0.6', '-A INPUT -m iprange --src-range 10.0.0.5-10.0.0.6 --dst-range 10.0.0.1-10.0.0.2'],
    ['filter', '-A INPUT -m iprange --src-range 1.2.3.4/24', 'error: iprange: Bad value for "--src-range" option: "1.2.3.4/24"'],
    ['filter', '-A INPUT -m iprange', "error: iprange match: You must specify `--src-range' or `--dst-range'"],
    ['filter', '-A INPUT -m length --length :200 -j DROP', '-A INPUT -m length --length 0:200 -j DROP'],
    ['filter', '-A INPUT -m length ! --length 100 -j DROP', '-A INPUT -m length ! --length 100 -j DROP'],
    ['filter', '-A INPUT -m length --length 100:', '-A INPUT -m length --length 100:65535'],
    ['filter', '-A INPUT -m length --length 70000', 'error: length: bad value for option "--length" near "70000", or out of range (0-65535).'],
    ['filter', '-A OUTPUT -m owner --uid-owner root -j ACCEPT', '-A OUTPUT -m owner --uid-owner 0 -j ACCEPT'],
    ['filter', '-A OUTPUT -m owner ! --uid-owner 1000-2000 --gid-owner 5', '-A OUTPUT -m owner ! --uid-owner 1000-2000 --gid-owner 5'],
    ['filter', '-A OUTPUT -m owner ! --socket-exists', '-A OUTPUT -m owner ! --socket-exists'],
    ['filter', '-A OUTPUT -m owner --uid-owner 4294967295', 'error: owner: Bad value for "--uid-owner" option: "4294967295"'],
    ['filter', '-A OUTPUT -m owner', 'error: owner: At least one of --uid-owner, --gid-owner or --socket-exists is required'],
    ['filter', '-A INPUT -m owner --uid-owner 0', 'error: RULE_APPEND failed (Invalid argument): rule in chain INPUT'],
    ['mangle', '-A PREROUTING -m rpfilter --loose --validmark --accept-local --invert -j DROP', '-A PREROUTING -m rpfilter --loose --validmark --accept-local --invert -j DROP'],
    ['raw', '-A PREROUTING -m rpfilter --invert -j DROP', '-A PREROUTING -m rpfilter --invert -j DROP'],
    ['filter', '-A INPUT -m rpfilter', 'error: RULE_APPEND failed (Invalid argument): rule in chain INPUT'],
    ['mangle', '-A OUTPUT -m rpfilter', 'error: RULE_APPEND failed (Invalid argument): rule in chain OUTPUT'],
    ['filter', '-A INPUT -j NFLOG --nflog-group 5 --nflog-prefix "hi there" --nflog-threshold 3', '-A INPUT -j NFLOG --nflog-prefix "hi there" --nflog-group 5 --nflog-threshold 3'],
    ['filter', '-A INPUT -j NFLOG --nflog-range 100', '-A INPUT -j NFLOG'],
    ['filter', '-A INPUT -j NFLOG --nflog-group 0 --nflog-threshold 1 --nflog-size 0', '-A INPUT -j NFLOG --nflog-size 0 --nflog-threshold 1'],
    ['filter', '-A INPUT -j NFLOG --nflog-group 70000', 'error: NFLOG: bad value for option "--nflog-group", or out of range (0-65535).'],
    ['mangle', '-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu', '-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu'],
    ['filter', '-A FORWARD -p tcp --syn -j TCPMSS --set-mss 1400 --clamp-mss-to-pmtu', '-A FORWARD -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --clamp-mss-to-pmtu'],
    ['filter', '-A FORWARD -j TCPMSS --set-mss 1400', 'error: RULE_APPEND failed (Invalid argument): rule in chain FORWARD'],
    ['filter', '-A INPUT -p tcp --syn -j TCPMSS --clamp-mss-to-pmtu', 'error: RULE_APPEND failed (Invalid argument): rule in chain INPUT'],
    ['filter', '-A FORWARD -p tcp --syn -j TCPMSS', 'error: TCPMSS target: At least one parameter is required'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name a', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 100/hour --hashlimit-name a --hashlimit-burst 3', '-A INPUT -m hashlimit --hashlimit-upto 100/hour --hashlimit-burst 3 --hashlimit-name a'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 61/min --hashlimit-name a', '-A INPUT -m hashlimit --hashlimit-upto 61/min --hashlimit-burst 5 --hashlimit-name a'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 1000001/sec --hashlimit-name a', 'error: Rate too fast "1000001/sec"'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 0/sec --hashlimit-name a', 'error: hashlimit: Bad value for "--hashlimit-upto" option: "0/sec"'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a --hashlimit-mode foo', 'error: hashlimit: Bad value for "--hashlimit-mode" option: "foo"'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a --hashlimit-mode dstport,srcip,dstip,srcport', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-mode srcip,srcport,dstip,dstport --hashlimit-name a'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a --hashlimit-srcmask 32 --hashlimit-dstmask 16', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-dstmask 16'],
    ['filter', '-A INPUT -m hashlimit ! --hashlimit-upto 5/sec --hashlimit-name a', '-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-name a'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 0 --hashlimit-name a', 'error: bad value for option "--hashlimit-burst", or out of range (1-1000000).'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 500 --hashlimit-htable-expire 1000', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-size 100 --hashlimit-htable-max 200 --hashlimit-htable-gcinterval 500'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-above 100/sec --hashlimit-mode srcip,dstport --hashlimit-name bar --hashlimit-htable-expire 30000 -j DROP', '-A INPUT -m hashlimit --hashlimit-above 100/sec --hashlimit-burst 5 --hashlimit-mode srcip,dstport --hashlimit-name bar --hashlimit-htable-expire 30000 -j DROP'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-above 3/sec --hashlimit-name a', 'error: hashlimit: option "--hashlimit-upto" cannot be used together with "--hashlimit-above".'],
    ['filter', '-A INPUT -m hashlimit --hashlimit 5/sec --hashlimit-name a --hashlimit-mode srcip', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name a'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name a --hashlimit-srcmask 33', 'error: RULE_APPEND failed (Invalid argument): rule in chain INPUT'],
    ['filter', '-A INPUT -m hashlimit --hashlimit-name x', 'error: You have to specify --hashlimit'],
    // Found by the kernel agreement run: the default expiry is the unit of the rate as written.
    ['filter', '-A INPUT -m hashlimit --hashlimit-above 1320/day --hashlimit-name c', '-A INPUT -m hashlimit --hashlimit-above 55/hour --hashlimit-burst 5 --hashlimit-name c --hashlimit-htable-expire 86400000'],
    ['filter', '-A INPUT -m hashlimit ! --hashlimit-upto 1920/minute --hashlimit-burst 1000 --hashlimit-name a', '-A INPUT -m hashlimit --hashlimit-above 32/sec --hashlimit-burst 1000 --hashlimit-name a --hashlimit-htable-expire 60000'],
  ])('%s %s', (table, rule, want) => expect(saved(table, rule)).toBe(want));
});

describe('extensions packetwalk does not model say so', () => {
  it.each([
    ['-A INPUT -m connlimit --connlimit-above 10 -j DROP', '-m connlimit is a real iptables match that packetwalk does not model'],
    ['-A INPUT -j NFQUEUE --queue-num 1', '-j NFQUEUE is a real iptables target that packetwalk does not model'],
    ['-A INPUT -m nosuchmatch -j DROP', "Couldn't load match `nosuchmatch':No such file or directory"],
  ])('%s', (rule, message) => expect(saved('filter', rule)).toContain(message));
});

describe('semantics', () => {
  it('limit: a token bucket of --limit-burst packets, refilled at the rate on the virtual clock', () => {
    const m = chain('-m limit --limit 2/sec --limit-burst 3');
    const at = (now: number) => m(pkt({ now }));
    expect([at(0), at(0), at(0), at(0)]).toEqual([true, true, true, false]);
    expect(at(499)).toBe(false);
    expect(at(500)).toBe(true);
    expect(at(10_000)).toBe(true);
    expect([at(10_000), at(10_000), at(10_000)]).toEqual([true, true, false]);
  });
  it('hashlimit: one bucket per flow key; --hashlimit-above matches over the rate', () => {
    const m = chain('-m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 2 --hashlimit-mode srcip --hashlimit-name t');
    const from = (src: string, now: number) => m(makeContext({ packet: makePacket({ proto: 'tcp', src, dst: '10.96.0.1', dport: 80 }), now }));
    expect([from('10.0.0.2', 0), from('10.0.0.2', 0), from('10.0.0.2', 0)]).toEqual([true, true, false]);
    expect(from('10.0.0.3', 0)).toBe(true);
    expect(from('10.0.0.2', 999)).toBe(false);
    expect(from('10.0.0.2', 1000)).toBe(true);
    const above = chain('-m hashlimit --hashlimit-above 1/min --hashlimit-burst 1 --hashlimit-name u');
    expect([above(pkt({ now: 0 })), above(pkt({ now: 1 }))]).toEqual([false, true]);
  });
  it('iprange: inclusive, each side inverted on its own', () => {
    expect(chain('-m iprange --src-range 10.0.0.1-10.0.0.2')(pkt())).toBe(true);
    expect(chain('-m iprange --src-range 10.0.0.3-10.0.0.9')(pkt())).toBe(false);
    expect(chain('-m iprange ! --src-range 10.0.0.3-10.0.0.9 --dst-range 10.96.0.1')(pkt())).toBe(true);
  });
  it('length: the IP total length', () => {
    // A SYN without payload: 20 bytes of IP header and 20 of TCP.
    expect(chain('-m length --length 40')(pkt())).toBe(true);
    expect(chain('-m length --length 41:1500')(pkt())).toBe(false);
    expect(chain('-m length ! --length 41:1500')(pkt())).toBe(true);
  });
  it('owner: the sending socket is root; forwarded packets have none', () => {
    const local = pkt({ socket: { uid: 0, gid: 0 } });
    const fwd = pkt({ socket: null });
    expect(chain('-m owner --uid-owner 0')(local)).toBe(true);
    expect(chain('-m owner --uid-owner 1000')(local)).toBe(false);
    expect(chain('-m owner ! --uid-owner 1000-2000 --gid-owner 0')(local)).toBe(true);
    expect(chain('-m owner --socket-exists')(fwd)).toBe(false);
    expect(chain('-m owner ! --socket-exists')(fwd)).toBe(true);
    expect(chain('-m owner ! --uid-owner 0')(fwd)).toBe(true);
    expect(chain('-m owner ! --uid-owner 0 --gid-owner 0')(fwd)).toBe(false);
  });
  it('rpfilter: the reverse route must leave by the input device (--loose: any), unicast (--accept-local: or local)', () => {
    const via = (type: string, dev: string) => ({ fibLookup: () => ({ type, devs: [dev] }) });
    const m = chain('-m rpfilter', 'raw');
    expect(m(pkt({ in: 'eth0', ...via('unicast', 'eth0') }))).toBe(true);
    expect(m(pkt({ in: 'eth0', ...via('unicast', 'eth1') }))).toBe(false);
    expect(chain('-m rpfilter --loose', 'raw')(pkt({ in: 'eth0', ...via('unicast', 'eth1') }))).toBe(true);
    expect(m(pkt({ in: 'eth0', ...via('local', 'lo') }))).toBe(false);
    expect(chain('-m rpfilter --accept-local --loose', 'raw')(pkt({ in: 'eth0', ...via('local', 'lo') }))).toBe(true);
    expect(m(pkt({ in: 'eth0', fibLookup: () => null }))).toBe(false);
    expect(chain('-m rpfilter --invert', 'raw')(pkt({ in: 'eth0', fibLookup: () => null }))).toBe(true);
    expect(m(pkt({ in: 'lo', fibLookup: () => null }))).toBe(true);
    let seenMark = -1;
    chain('-m rpfilter --validmark', 'raw')(pkt({ in: 'eth0', mark: 7, fibLookup: (f) => ((seenMark = f.mark), null) }));
    expect(seenMark).toBe(7);
  });
  it('NFLOG continues and reports; TCPMSS records its rewrite on SYNs and continues', () => {
    const { ruleset } = restore('*mangle\n:U - [0:0]\n-A U -j NFLOG --nflog-group 3 --nflog-prefix x\n-A U -p tcp -j TCPMSS --set-mss 1400\n-A U -j DROP\nCOMMIT\n');
    const r = evaluateChain(ruleset, 'mangle', 'U', pkt());
    expect(r.verdict.kind).toBe('drop');
    expect(r.events.map((e) => `${e.kind} ${e.prefix}`)).toEqual(['nflog group 3 prefix "x"', 'tcpmss MSS set to 1400 (TCP options are not modelled: recorded, not rewritten)']);
  });
});
