// Match modules evaluated against packet contexts (kernel semantics cited in each module).

import { describe, expect, it } from 'vitest';
import { evaluateChain } from '../evaluate.js';
import { restore } from '../restore-apply.js';
import { makeContext, makePacket, type ContextSpec } from '../testing.js';
import type { CtView } from '../../conntrack/tuple.js';
import type { NfPacketContext } from '../context.js';

/** True when the one-rule chain `-A U <spec> -j ACCEPT` accepts the context. */
function matches(spec: string, ctx: NfPacketContext): boolean {
  const { ruleset, errors } = restore(`*filter\n:U - [0:0]\n-A U ${spec} -j ACCEPT\nCOMMIT\n`);
  expect(errors).toEqual([]);
  return evaluateChain(ruleset, 'filter', 'U', ctx).verdict.kind === 'accept';
}

const tcp = (over: Partial<ContextSpec> = {}, dport = 80) => makeContext({ packet: makePacket({ proto: 'tcp', src: '10.0.0.2', dst: '10.96.0.1', dport }), ...over });

function ct(over: Partial<CtView> = {}): CtView {
  const t = { proto: 6, src: 0x0a000002, sport: 40000, dst: 0x0a600001, dport: 80 };
  return { state: 'ESTABLISHED', status: new Set(['CONFIRMED', 'DNAT']), direction: 'ORIGINAL', orig: t, reply: { ...t, src: t.dst, dst: t.src }, mark: 0, protoState: 'ESTABLISHED', timeout: 100, ...over };
}

describe('matches', () => {
  it('tcp ports, flags, fragments', () => {
    expect(matches('-p tcp --dport 80', tcp())).toBe(true);
    expect(matches('-p tcp ! --dport 80', tcp())).toBe(false);
    expect(matches('-p tcp --dport 70:90 --sport 40000', tcp())).toBe(true);
    expect(matches('-p tcp --syn', tcp())).toBe(true);
    expect(matches('-p tcp --dport 80', makeContext({ packet: makePacket({ proto: 'tcp', src: '1.1.1.1', dst: '2.2.2.2', dport: 80, fragOffset: 8 }) }))).toBe(false);
  });
  it('tcp/udp tests as iptables-nft stores them', () => {
    const frag = makeContext({ packet: makePacket({ proto: 'tcp', src: '1.1.1.1', dst: '2.2.2.2', dport: 80, fragOffset: 8 }) });
    expect(matches('-p tcp ! --dport 0:1000', tcp())).toBe(false);
    expect(matches('-p tcp ! --dport 0:1000', tcp({}, 2000))).toBe(true);
    // No flags test is stored for an empty mask, so the rule matches every TCP packet.
    expect(matches('-p tcp --tcp-flags NONE SYN', tcp())).toBe(true);
    // Kept as the kernel's tcp_mt() with --tcp-option: (flags & 0) == SYN never holds.
    expect(matches('-p tcp --tcp-flags NONE SYN ! --tcp-option 5', tcp())).toBe(false);
    // No tcp match is left at all: only `-p tcp`, which non-first fragments pass too.
    expect(matches('-p tcp ! --dport 0:65535', frag)).toBe(true);
    expect(matches('-p tcp --dport 0:65535', frag)).toBe(false);
  });
  it('-i + matches every packet, also with no input device', () => {
    expect(matches('-i +', tcp({ in: null }))).toBe(true);
    expect(matches('! -i +', tcp())).toBe(false);
  });
  it('conntrack addresses compare under the mask, host bits as written', () => {
    expect(matches('-m conntrack --ctorigdst 10.1.2.3/8', tcp({ ct: ct() }))).toBe(true);
    expect(matches('-m conntrack --ctorigdst 10.1.0.7/255.0.255.0', tcp({ ct: ct() }))).toBe(true);
    expect(matches('-m conntrack --ctorigdst 10.1.1.7/255.0.255.0', tcp({ ct: ct() }))).toBe(false);
  });
  it('icmp types', () => {
    const echo = () => makeContext({ packet: makePacket({ proto: 'icmp', src: '1.1.1.1', dst: '2.2.2.2', icmpType: 8 }) });
    expect(matches('-p icmp --icmp-type echo-request', echo())).toBe(true);
    expect(matches('-p icmp --icmp-type 3/3', echo())).toBe(false);
    expect(matches('-p icmp --icmp-type any', echo())).toBe(true);
  });
  it('multiport', () => {
    expect(matches('-p tcp -m multiport --dports 443,70:90', tcp())).toBe(true);
    expect(matches('-p tcp -m multiport --ports 40000', tcp())).toBe(true);
    expect(matches('-p tcp -m multiport ! --sports 40000', tcp())).toBe(false);
  });
  it('mark and connmark', () => {
    expect(matches('-m mark --mark 0x4000/0x4000', tcp({ mark: 0x4001 }))).toBe(true);
    expect(matches('-m mark ! --mark 0x4000/0x4000', tcp({ mark: 0x4001 }))).toBe(false);
    expect(matches('-m connmark --mark 0x1', tcp({ ct: ct({ mark: 1 }) }))).toBe(true);
    expect(matches('-m connmark --mark 0x1', tcp())).toBe(false);
  });
  it('conntrack and state', () => {
    expect(matches('-m conntrack --ctstate RELATED,ESTABLISHED', tcp({ ct: ct() }))).toBe(true);
    expect(matches('-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT', tcp({ ct: ct({ state: 'NEW' }) }))).toBe(false);
    expect(matches('-m conntrack --ctstate INVALID', tcp())).toBe(true);
    expect(matches('-m conntrack --ctstate NEW --ctorigdst 10.96.0.1 --ctorigdstport 80 --ctdir ORIGINAL', tcp({ ct: ct({ state: 'NEW' }) }))).toBe(true);
    expect(matches('-m conntrack --ctstatus ASSURED', tcp({ ct: ct() }))).toBe(false);
    expect(matches('-m conntrack --ctexpire 50:150', tcp({ ct: ct() }))).toBe(true);
    expect(matches('-m state --state NEW', tcp({ ct: ct({ state: 'NEW' }) }))).toBe(true);
    expect(matches('-m conntrack --ctstate UNTRACKED', tcp({ ct: ct({ state: 'UNTRACKED' }) }))).toBe(true);
  });
  it('addrtype with limit-iface', () => {
    expect(matches('-m addrtype --dst-type LOCAL', tcp({ local: ['10.96.0.1'] }))).toBe(true);
    expect(matches('-m addrtype ! --src-type LOCAL', tcp({ local: ['10.96.0.1'] }))).toBe(true);
    expect(matches('-m addrtype --dst-type UNICAST,LOCAL', tcp())).toBe(true);
  });
  it('statistic nth: every 3rd packet from packet 1', () => {
    const { ruleset } = restore('*filter\n:U - [0:0]\n-A U -m statistic --mode nth --every 3 --packet 1 -j ACCEPT\n-A U -j DROP\nCOMMIT\n');
    const got = Array.from({ length: 7 }, () => evaluateChain(ruleset, 'filter', 'U', tcp()).verdict.kind);
    expect(got).toEqual(['drop', 'accept', 'drop', 'drop', 'accept', 'drop', 'drop']);
  });
  it('statistic nth --packet 0 matches the first of every 2', () => {
    const { ruleset } = restore('*filter\n:U - [0:0]\n-A U -m statistic --mode nth --every 2 --packet 0 -j ACCEPT\n-A U -j DROP\nCOMMIT\n');
    const got = Array.from({ length: 4 }, () => evaluateChain(ruleset, 'filter', 'U', tcp()).verdict.kind);
    expect(got).toEqual(['accept', 'drop', 'accept', 'drop']);
  });
  it('recent --set / --rcheck --seconds / --reap on the virtual clock', () => {
    const { ruleset } = restore('*filter\n:U - [0:0]\n-A U -m recent --name A --rcheck --seconds 10 --reap -j ACCEPT\n-A U -m recent --name A --set -j DROP\nCOMMIT\n');
    const state = { recent: new Map(), ipsets: new Map(), nfacct: new Map() };
    const at = (now: number) => evaluateChain(ruleset, 'filter', 'U', tcp({ now, state })).verdict.kind;
    expect(at(0)).toBe('drop');
    expect(at(5000)).toBe('accept');
    expect(at(16000)).toBe('drop');
    expect(state.recent.get('A')!.get(0x0a000002)).toEqual([16000]);
  });
  it('recent --update --hitcount', () => {
    const { ruleset } = restore('*filter\n:U - [0:0]\n-A U -m recent --name B --update --hitcount 2 -j DROP\n-A U -m recent --name B --set -j ACCEPT\nCOMMIT\n');
    const state = { recent: new Map(), ipsets: new Map(), nfacct: new Map() };
    const go = () => evaluateChain(ruleset, 'filter', 'U', tcp({ state })).verdict.kind;
    expect([go(), go(), go()]).toEqual(['accept', 'accept', 'drop']);
  });
  it('physdev', () => {
    const bridged = (): NfPacketContext => ({ ...tcp(), physIn: 'veth1', physOut: 'veth2', bridged: true });
    expect(matches('-m physdev --physdev-in veth+ --physdev-is-bridged', bridged())).toBe(true);
    expect(matches('-m physdev ! --physdev-out veth2', bridged())).toBe(false);
    expect(matches('-m physdev --physdev-is-in', tcp())).toBe(false);
    expect(matches('-m physdev ! --physdev-is-bridged', tcp())).toBe(true);
  });
  it('set and nfacct', () => {
    const state = { recent: new Map(), ipsets: new Map([['S', { type: 'hash:net', members: new Set(['10.96.0.0/16']) }], ['P', { type: 'hash:ip,port', members: new Set(['10.96.0.1,tcp:80']) }]]), nfacct: new Map() };
    expect(matches('-m set --match-set S dst', tcp({ state }))).toBe(true);
    expect(matches('-m set ! --match-set S src', tcp({ state }))).toBe(true);
    expect(matches('-m set --match-set P dst,dst', tcp({ state }))).toBe(true);
    expect(matches('-m nfacct --nfacct-name c', tcp({ state }))).toBe(true);
    expect(state.nfacct.get('c')).toEqual({ packets: 1, bytes: 60 });
  });
  it('set: a hash:net nomatch member is an exception, the most specific prefix deciding', () => {
    const set = (members: string[]) => ({ recent: new Map(), ipsets: new Map([['N', { type: 'hash:net', members: new Set(members) }]]), nfacct: new Map() });
    expect(matches('-m set --match-set N dst', tcp({ state: set(['10.96.0.0/16', '10.96.0.0/24 nomatch']) }))).toBe(false);
    expect(matches('-m set --match-set N dst', tcp({ state: set(['10.96.0.0/16', '10.96.0.0/24 nomatch', '10.96.0.1/32']) }))).toBe(true);
    expect(matches('-m set --match-set N dst', tcp({ state: set(['10.96.1.0/24 nomatch', '10.96.0.0/16']) }))).toBe(true);
  });
});

describe('targets', () => {
  it('CONNMARK save / restore', () => {
    const c = ct({ mark: 0 });
    const ctx = tcp({ ct: c, mark: 0x1234 });
    const { ruleset } = restore('*mangle\n:U - [0:0]\n-A U -j CONNMARK --save-mark --mask 0xff\n-A U -j MARK --set-mark 0\n-A U -j CONNMARK --restore-mark\nCOMMIT\n');
    evaluateChain(ruleset, 'mangle', 'U', ctx);
    expect(c.mark).toBe(0x34);
    expect(ctx.mark).toBe(0x34);
  });
  it('LOG reports an event and continues; NOTRACK continues and flags', () => {
    const { ruleset } = restore('*raw\n-A PREROUTING -j NOTRACK\n-A PREROUTING -j TRACE\nCOMMIT\n*filter\n:U - [0:0]\n-A U -j LOG --log-prefix "x: "\n-A U -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n');
    const raw = evaluateChain(ruleset, 'raw', 'PREROUTING', tcp());
    expect(raw.notrack).toBe(true);
    expect(raw.events).toEqual([{ kind: 'trace', prefix: '', level: 4 }]);
    const f = evaluateChain(ruleset, 'filter', 'U', tcp());
    expect(f.events).toEqual([{ kind: 'log', prefix: 'x: ', level: 4 }]);
    expect(f.verdict).toEqual({ kind: 'reject', with: 'icmp-host-prohibited' });
  });
  it('MASQUERADE and SNAT requests', () => {
    const { ruleset, errors } = restore('*nat\n:U - [0:0]\n-A U -s 10.0.0.0/8 -p tcp -j SNAT --to-source 1.2.3.4-1.2.3.5:1000-2000 --random-fully\n-A U -j MASQUERADE\nCOMMIT\n');
    expect(errors).toEqual([]);
    const v = evaluateChain(ruleset, 'nat', 'U', tcp()).verdict;
    expect(v).toEqual({ kind: 'nat', nat: { kind: 'snat', range: { minAddr: 0x01020304, maxAddr: 0x01020305, ports: { min: 1000, max: 2000 } }, flags: { random: false, randomFully: true, persistent: false } } });
  });
});
