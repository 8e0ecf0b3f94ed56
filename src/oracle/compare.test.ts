import { describe, expect, it } from 'vitest';

import type { Hop, IcmpSeen, Leg, Stage, Trace } from '../trace/model.js';
import { TRACE_SCHEMA } from '../trace/model.js';
import { compareOutcomes, describeOutcome, emulatorOutcome } from './compare.js';
import type { KernelOutcome } from './probe.js';

function hop(netns: string, stage: Stage): Hop {
  return {
    seq: 0, node: null, netns, dev: null, stage, detail: '', table: null, chain: null, rule: null, verdict: null, before: null, after: null, t: 0,
  };
}

function leg(disposition: Leg['disposition'], kind: string): Leg & { kind: string } {
  return { disposition, reason: null, hops: [], deliveredTo: null, icmp: null, kind };
}

const TIME_EXCEEDED: IcmpSeen = { type: 'time-exceeded', icmpType: 11, code: 0, from: '10.0.1.1', to: '10.0.1.2' };
const PORT_UNREACH: IcmpSeen = { type: 'port-unreachable', icmpType: 3, code: 3, from: '10.0.2.2', to: '10.0.1.2' };
const HOST_UNREACH_SELF: IcmpSeen = { type: 'host-unreachable', icmpType: 3, code: 1, from: '10.0.1.2', to: '10.0.1.2' };
const HOST_UNREACH_ROUTER: IcmpSeen = { type: 'host-unreachable', icmpType: 3, code: 1, from: '10.0.1.1', to: '10.0.1.2' };

function trace(t: Partial<Trace> & Pick<Trace, 'disposition'>, proto = 'tcp'): Trace {
  return {
    schema: TRACE_SCHEMA, name: null, packet: { proto, src: '10.0.1.2:40000', dst: '10.0.2.2:80' },
    reason: null, hops: [hop('left', 'socket-send'), hop('router', 'forward'), hop('right', 'local-deliver')],
    deliveredTo: null, icmp: null, conntrack: [], reply: null, branches: [], ...t,
  };
}

const deliveredRight = { node: null, netns: 'right', pod: null, addr: '10.0.2.2:80', peerSeen: '10.0.1.2:40000' };
const kernel = (o: Omit<KernelOutcome, 'detail'>): KernelOutcome => ({ detail: '', ...o });

describe('emulatorOutcome', () => {
  it('a delivered SYN whose SYN-ACK comes back is a connection in that namespace', () => {
    const emu = emulatorOutcome(trace({ disposition: 'DELIVERED', deliveredTo: deliveredRight, reply: leg('DELIVERED', 'syn-ack') }));
    expect(emu).toMatchObject({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.1.2:40000' });
    expect(emu.replied).toBeUndefined();
  });

  it('a delivered SYN whose SYN-ACK is lost is a timeout for the client', () => {
    const emu = emulatorOutcome(trace({ disposition: 'DELIVERED', deliveredTo: deliveredRight, reply: leg('DROPPED', 'syn-ack') }));
    expect(emu.kind).toBe('timeout');
  });

  it('a delivered datagram stays delivered when its answer is lost, with the answer reported apart', () => {
    const emu = emulatorOutcome(trace({ disposition: 'DELIVERED', deliveredTo: deliveredRight, reply: leg('DROPPED', 'udp-answer') }, 'udp'));
    expect(emu).toMatchObject({ kind: 'delivered', deliveredNetns: 'right', replied: false });
  });

  it('a refusal by RST has no ICMP; by port unreachable it names the sender', () => {
    expect(emulatorOutcome(trace({ disposition: 'REFUSED', reply: leg('DELIVERED', 'rst') }))).toMatchObject({ kind: 'refused' });
    expect(emulatorOutcome(trace({ disposition: 'REFUSED', reply: leg('DELIVERED', 'rst') })).icmp).toBeUndefined();
    const udp = emulatorOutcome(trace({ disposition: 'REFUSED', icmp: PORT_UNREACH }, 'udp'));
    expect(udp).toMatchObject({ kind: 'refused', icmp: { type: 'port-unreachable', from: '10.0.2.2' }, errno: 'ECONNREFUSED' });
  });

  it('a REJECT with tcp-reset is a refusal; with another ICMP type an ICMP error', () => {
    const rst = emulatorOutcome(trace({ disposition: 'REJECTED', icmp: { ...PORT_UNREACH, type: 'tcp-reset' } }));
    expect(rst.kind).toBe('refused');
    const prohibited = emulatorOutcome(trace({
      disposition: 'REJECTED', hops: [hop('left', 'socket-send'), hop('router', 'netfilter'), hop('router', 'icmp-send')],
      icmp: { type: 'admin-prohibited', icmpType: 3, code: 13, from: '10.0.1.1', to: '10.0.1.2' },
    }, 'udp'));
    expect(prohibited).toMatchObject({ kind: 'icmp-error', icmp: { type: 'admin-prohibited', from: '10.0.1.1' }, errno: 'EHOSTUNREACH' });
  });

  it('an expired TTL is an ICMP error from the router', () => {
    const emu = emulatorOutcome(trace({
      disposition: 'TTL_EXCEEDED', hops: [hop('left', 'socket-send'), hop('router', 'forward'), hop('router', 'icmp-send')], icmp: TIME_EXCEEDED,
    }));
    expect(emu).toMatchObject({ kind: 'icmp-error', icmp: { type: 'time-exceeded', from: '10.0.1.1', icmpType: 11, code: 0 } });
  });

  it('an ICMP error lost on its way back is silence', () => {
    const emu = emulatorOutcome(trace({ disposition: 'TTL_EXCEEDED', icmp: TIME_EXCEEDED, reply: leg('DROPPED', 'icmp-error') }));
    expect(emu.kind).toBe('timeout');
  });

  it("the sender's own failures are local errors with the errno connect() or sendmsg() returns", () => {
    const senderOnly = [hop('left', 'socket-send'), hop('left', 'output-route')];
    expect(emulatorOutcome(trace({ disposition: 'NO_ROUTE', hops: senderOnly, reason: 'IP_OUTNOROUTES' }))).toMatchObject({ kind: 'local-error', errno: 'ENETUNREACH' });
    expect(emulatorOutcome(trace({ disposition: 'NO_ROUTE', hops: senderOnly, reason: 'UNREACHABLE_ROUTE' }))).toMatchObject({ errno: 'EHOSTUNREACH' });
    expect(emulatorOutcome(trace({ disposition: 'NO_ROUTE', hops: senderOnly, reason: 'PROHIBIT_ROUTE' }))).toMatchObject({ errno: 'EACCES' });
    expect(emulatorOutcome(trace({ disposition: 'DROPPED', hops: senderOnly, reason: 'BLACKHOLE_ROUTE' }))).toMatchObject({ errno: 'EINVAL' });
    expect(emulatorOutcome(trace({ disposition: 'DROPPED', hops: senderOnly, reason: 'PKT_TOO_BIG' }, 'icmp'))).toMatchObject({ errno: 'EMSGSIZE' });
    expect(emulatorOutcome(trace({ disposition: 'NEIGH_FAILED', hops: senderOnly }))).toMatchObject({ kind: 'local-error', errno: 'EHOSTUNREACH' });
  });

  it('a neighbour failure is local on-link and an ICMP error from the router beyond it', () => {
    const onLink = emulatorOutcome(trace({ disposition: 'NEIGH_FAILED', hops: [hop('left', 'neigh'), hop('left', 'icmp-send')], icmp: HOST_UNREACH_SELF }));
    expect(onLink).toMatchObject({ kind: 'local-error', errno: 'EHOSTUNREACH', icmp: { from: '10.0.1.2' } });
    const routed = emulatorOutcome(trace({ disposition: 'NEIGH_FAILED', hops: [hop('left', 'xmit'), hop('router', 'neigh'), hop('router', 'icmp-send')], icmp: HOST_UNREACH_ROUTER }));
    expect(routed).toMatchObject({ kind: 'icmp-error', icmp: { type: 'host-unreachable', from: '10.0.1.1' } });
  });

  it("an OUTPUT drop in the sender fails sendmsg() with EPERM but leaves a SYN to time out", () => {
    const hops = [hop('left', 'socket-send'), hop('left', 'netfilter')];
    expect(emulatorOutcome(trace({ disposition: 'DROPPED', reason: 'NETFILTER_DROP', hops }, 'udp'))).toMatchObject({ kind: 'local-error', errno: 'EPERM' });
    expect(emulatorOutcome(trace({ disposition: 'DROPPED', reason: 'NETFILTER_DROP', hops }, 'tcp')).kind).toBe('timeout');
  });

  it('a drop beyond the sender, a loop and an exit are silence to the sender', () => {
    expect(emulatorOutcome(trace({ disposition: 'DROPPED', reason: 'IP_INADDRERRORS' })).kind).toBe('timeout');
    expect(emulatorOutcome(trace({ disposition: 'LOOP', reason: 'EMULATOR_HOP_BUDGET' })).kind).toBe('timeout');
    expect(emulatorOutcome(trace({ disposition: 'EXITS_NETWORK' })).kind).toBe('exits-network');
  });
});

describe('compareOutcomes', () => {
  const delivered = emulatorOutcome(trace({ disposition: 'DELIVERED', deliveredTo: deliveredRight, reply: leg('DELIVERED', 'syn-ack') }));

  it('agrees on the same namespace and peer', () => {
    const c = compareOutcomes(delivered, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.1.2:40000' }));
    expect(c).toEqual({ agree: true, emulator: 'delivered right peer 10.0.1.2:40000', kernel: 'delivered right peer 10.0.1.2:40000' });
  });

  it('names the first field that differs', () => {
    expect(compareOutcomes(delivered, kernel({ kind: 'timeout' }))).toMatchObject({ agree: false, field: 'kind', kernel: 'timeout' });
    expect(compareOutcomes(delivered, kernel({ kind: 'delivered', deliveredNetns: 'router' })).field).toBe('deliveredNetns');
    expect(compareOutcomes(delivered, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.2.1:40000' })).field).toBe('peerSeen');
  });

  it('compares a peer without a port by address', () => {
    const emu = { ...delivered, peerSeen: '10.0.1.2' };
    expect(compareOutcomes(emu, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.1.2:40000' })).agree).toBe(true);
  });

  it('tells an answered datagram from an unanswered one', () => {
    const emu = emulatorOutcome(trace({ disposition: 'DELIVERED', deliveredTo: deliveredRight, reply: leg('DROPPED', 'udp-answer') }, 'udp'));
    const c = compareOutcomes(emu, kernel({ kind: 'delivered', deliveredNetns: 'right', replied: true }));
    expect(c).toMatchObject({ agree: false, field: 'replied' });
  });

  it('tells a RST from a port unreachable, and one port unreachable sender from another', () => {
    const rst = emulatorOutcome(trace({ disposition: 'REFUSED', reply: leg('DELIVERED', 'rst') }));
    expect(compareOutcomes(rst, kernel({ kind: 'refused', errno: 'ECONNREFUSED' })).agree).toBe(true);
    const byIcmp = kernel({ kind: 'refused', icmp: { type: 'port-unreachable', from: '10.0.2.2', icmpType: 3, code: 3 } });
    expect(compareOutcomes(rst, byIcmp)).toMatchObject({ agree: false, field: 'icmp', kernel: 'refused (port-unreachable from 10.0.2.2)' });
    const udp = emulatorOutcome(trace({ disposition: 'REFUSED', icmp: PORT_UNREACH }, 'udp'));
    expect(compareOutcomes(udp, byIcmp).agree).toBe(true);
    expect(compareOutcomes(udp, { ...byIcmp, icmp: { ...byIcmp.icmp!, from: '10.0.1.1' } }).field).toBe('icmp.from');
  });

  it('compares ICMP errors by type and code, sender and MTU', () => {
    const emu = emulatorOutcome(trace({
      disposition: 'DROPPED', reason: 'PKT_TOO_BIG', hops: [hop('left', 'xmit'), hop('router', 'icmp-send')],
      icmp: { type: 'frag-needed', icmpType: 3, code: 4, from: '10.0.1.1', to: '10.0.1.2', mtu: 1400 },
    }, 'icmp'));
    const k = kernel({ kind: 'icmp-error', icmp: { type: 'frag-needed', from: '10.0.1.1', icmpType: 3, code: 4, mtu: 1400 } });
    expect(compareOutcomes(emu, k).agree).toBe(true);
    expect(compareOutcomes(emu, { ...k, icmp: { ...k.icmp!, mtu: 1450 } }).field).toBe('icmp.mtu');
    expect(compareOutcomes(emu, { ...k, icmp: { ...k.icmp!, type: 'host-unreachable', code: 1 } }).field).toBe('icmp.type');
    expect(describeOutcome(k)).toBe('icmp-error frag-needed mtu 1400 from 10.0.1.1');
  });

  it('compares local errors by errno', () => {
    const emu = emulatorOutcome(trace({ disposition: 'NO_ROUTE', hops: [hop('left', 'output-route')] }));
    expect(compareOutcomes(emu, kernel({ kind: 'local-error', errno: 'ENETUNREACH' })).agree).toBe(true);
    expect(compareOutcomes(emu, kernel({ kind: 'local-error', errno: 'EHOSTUNREACH' })).field).toBe('errno');
  });

  it('takes a packet leaving the world for silence or a missing gateway', () => {
    const emu = emulatorOutcome(trace({ disposition: 'EXITS_NETWORK' }));
    expect(compareOutcomes(emu, kernel({ kind: 'timeout' })).agree).toBe(true);
    expect(compareOutcomes(emu, kernel({ kind: 'icmp-error', icmp: { type: 'host-unreachable', from: '10.0.1.1' } })).agree).toBe(true);
    expect(compareOutcomes(emu, kernel({ kind: 'delivered' })).agree).toBe(false);
  });

  it('does not compare the namespace of an echo reply after DNAT', () => {
    const emu = emulatorOutcome(trace({
      disposition: 'DELIVERED', deliveredTo: deliveredRight, reply: leg('DELIVERED', 'echo-reply'),
      conntrack: [{ netns: 'router', orig: '', reply: '', state: 'NEW', status: ['DNAT'] }],
    }, 'icmp'));
    expect(compareOutcomes(emu, kernel({ kind: 'delivered', deliveredNetns: 'router' })).agree).toBe(true);
  });

  it('compares only the address of a peer a --random-fully source NAT made, and says so', () => {
    const natHop = (rule: string): Hop => ({ ...hop('router', 'netfilter'), table: 'nat', chain: 'POSTROUTING', verdict: 'NAT', rule });
    const masq = (rule: string) => emulatorOutcome(trace({
      disposition: 'DELIVERED', hops: [hop('left', 'socket-send'), natHop(rule), hop('right', 'local-deliver')],
      deliveredTo: { ...deliveredRight, peerSeen: '10.0.2.1:1203' }, reply: leg('DELIVERED', 'syn-ack'),
    }));
    const random = masq('-A POSTROUTING -s 10.0.1.0/24 -j MASQUERADE --random-fully');
    expect(random.peerPortRandom).toBe('router');
    expect(describeOutcome(random)).toBe('delivered right peer 10.0.2.1:*');
    expect(compareOutcomes(random, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.2.1:29950' })).agree).toBe(true);
    // The address still counts.
    expect(compareOutcomes(random, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.2.9:29950' })).field).toBe('peerSeen');
    // A NAT that does not randomize: a different port is a difference.
    const kept = masq('-A POSTROUTING -s 10.0.1.0/24 -j MASQUERADE');
    expect(kept.peerPortRandom).toBeUndefined();
    expect(compareOutcomes(kept, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.2.1:29950' })).field).toBe('peerSeen');
    // Nor does a non-random port elsewhere become a wildcard: no NAT, another port, a difference.
    expect(compareOutcomes(delivered, kernel({ kind: 'delivered', deliveredNetns: 'right', peerSeen: '10.0.1.2:40001' })).field).toBe('peerSeen');
  });
});
