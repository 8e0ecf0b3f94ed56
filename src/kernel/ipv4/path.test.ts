// The IPv4 packet path end to end: TTL, MTU, loops and the answers of the destination stack.
import { describe, expect, it } from 'vitest';
import type { LinkSpec, NetnsSpec, WorldSpec } from '../netns/world-spec.js';
import { runProbe } from '../../sim/probe.js';
import type { ProbeSpec } from '../../sim/probe.js';
import { runTrace } from '../../trace/run-trace.js';
import { parseRoute } from '../route/route-syntax.js';
import { ip, ns, route, routerWorld, veth } from '../../../test/support/specs.js';

/** The TTL of the first IPv4 frame of leg 0 each device sent, as "netns/dev ttl". */
function ttlsOnTheWire(spec: WorldSpec, probe: ProbeSpec): string[] {
  return runProbe(spec, probe)
    .recorder.captures.filter((c) => c.leg === 0 && c.frame.body.kind === 'ipv4')
    .map((c) => `${c.netns}/${c.dev} ttl ${c.frame.body.kind === 'ipv4' ? c.frame.body.packet.ip.ttl : '?'}`);
}

function port(name: string, peer: string, master: string): LinkSpec {
  const [netns, dev] = peer.split('/');
  return { name, type: 'veth', peer: { netns, dev }, addresses: [], master };
}

/** a (10.5.0.1) and b (10.5.0.2) on one bridge in `sw`. */
function bridged(): WorldSpec {
  return {
    name: 'bridged',
    namespaces: [
      ns('sw', [{ name: 'br0', type: 'bridge', addresses: [] }, port('pa', 'a/eth0', 'br0'), port('pb', 'b/eth0', 'br0')]),
      ns('a', [veth('eth0', 'sw/pa', '10.5.0.1/24')]),
      ns('b', [veth('eth0', 'sw/pb', '10.5.0.2/24')], { listen: [{ proto: 'udp', port: 53, addr: 0 }] }),
    ],
  };
}

/** routerWorld() with the router's eth1 (toward right) given `mtu`, and extra router routes. */
function narrowRouter(mtu: number, routes: string[] = []): WorldSpec {
  const spec = routerWorld();
  const router = spec.namespaces.find((n) => n.name === 'router')!;
  router.links[1] = { ...router.links[1], mtu };
  router.routes = routes.map((t) => {
    const p = parseRoute(t);
    if (!p.ok) throw new Error(p.error);
    return p.value;
  });
  return spec;
}

describe('TTL', () => {
  it('is not decremented between two namespaces on one bridge', () => {
    expect(ttlsOnTheWire(bridged(), { from: 'a', dst: ip('10.5.0.2'), proto: 'udp', dport: 53 })).toEqual(['a/eth0 ttl 64', 'sw/pb ttl 64']);
    const t = runTrace(bridged(), { from: 'a', dst: ip('10.5.0.2'), proto: 'udp', dport: 53, ttl: 1 });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.hops.some((h) => h.stage === 'forward')).toBe(false);
  });

  it('is decremented exactly once by a router', () => {
    expect(ttlsOnTheWire(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53 })).toEqual([
      'left/eth0 ttl 64',
      'router/eth1 ttl 63',
    ]);
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, ttl: 2 });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.hops.filter((h) => h.stage === 'forward').map((h) => h.detail)).toEqual(['forward eth0 -> eth1, ttl 2 -> 1']);
  });

  it('TTL 1 at a router: time exceeded from the router\'s address toward the sender', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, ttl: 1 });
    expect(t.disposition).toBe('TTL_EXCEEDED');
    expect(t.icmp).toMatchObject({ type: 'time-exceeded', icmpType: 11, code: 0, from: '10.0.1.1', to: '10.0.1.2' });
    expect(t.hops.some((h) => h.netns === 'right')).toBe(false);
  });

  it('a routing loop between two routers ends in time exceeded where the TTL runs out', () => {
    const r = (text: string) => route(text);
    const spec: WorldSpec = {
      name: 'loop',
      namespaces: [
        ns('left', [veth('eth0', 'r1/eth0', '10.0.1.2/24')], { routes: [r('default via 10.0.1.1')] }),
        ns('r1', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'r2/eth0', '10.0.12.1/24')], {
          sysctls: { 'net.ipv4.ip_forward': 1 },
          routes: [r('default via 10.0.12.2')],
        }),
        ns('r2', [veth('eth0', 'r1/eth1', '10.0.12.2/24')], {
          sysctls: { 'net.ipv4.ip_forward': 1 },
          routes: [r('default via 10.0.12.1')],
        }),
      ],
    };
    // TTL 4: r1 (4 -> 3), r2 (3 -> 2), r1 (2 -> 1), then r2 finds 1.
    const t = runTrace(spec, { from: 'left', dst: ip('192.0.2.1'), proto: 'icmp', ttl: 4 });
    expect(t.disposition).toBe('TTL_EXCEEDED');
    expect(t.hops.filter((h) => h.stage === 'forward').map((h) => h.netns)).toEqual(['r1', 'r2', 'r1', 'r2']);
    expect(t.icmp).toMatchObject({ type: 'time-exceeded', from: '10.0.12.2' });
  });
});

describe('MTU', () => {
  it('a DF packet over the next hop\'s MTU draws frag needed carrying that MTU', () => {
    const t = runTrace(narrowRouter(1400), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, size: 1472 });
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('PKT_TOO_BIG');
    expect(t.icmp).toMatchObject({ type: 'frag-needed', icmpType: 3, code: 4, from: '10.0.1.1', mtu: 1400 });
  });

  it('a route\'s mtu wins over the device\'s', () => {
    const t = runTrace(narrowRouter(1500, ['10.0.2.2/32 dev eth1 mtu 1300']), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, size: 1400 });
    expect(t.reason).toBe('PKT_TOO_BIG');
    expect(t.icmp?.mtu).toBe(1300);
  });

  it('a packet that fits, or one without DF, goes through', () => {
    expect(runTrace(narrowRouter(1400), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, size: 1372 }).disposition).toBe('DELIVERED');
    const t = runTrace(narrowRouter(1400), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, size: 1472, df: false });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.icmp).toBeNull();
  });

  it('fails in the sender (EMSGSIZE) when its own device is too small for a DF packet: nothing leaves', () => {
    const spec = routerWorld();
    const left = spec.namespaces.find((n) => n.name === 'left')!;
    left.links[0] = { ...left.links[0], mtu: 1000 };
    const run = runProbe(spec, { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, size: 1400, df: true });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53, size: 1400, df: true });
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('PKT_TOO_BIG');
    expect(t.hops.find((h) => h.stage === 'drop')?.detail).toContain('EMSGSIZE');
    expect(run.recorder.captures.filter((c) => c.frame.body.kind === 'ipv4')).toHaveLength(0);
  });
});

describe('a bridge loop', () => {
  it('ends in LOOP when frames circle two bridges joined twice', () => {
    const sw: NetnsSpec = ns('sw', [
      { name: 'br0', type: 'bridge', addresses: [] },
      { name: 'br1', type: 'bridge', addresses: [] },
      port('pa', 'a/eth0', 'br0'),
      port('pb', 'b/eth0', 'br1'),
      port('x0', 'sw/y0', 'br0'),
      port('y0', 'sw/x0', 'br1'),
      port('x1', 'sw/y1', 'br0'),
      port('y1', 'sw/x1', 'br1'),
    ]);
    const spec: WorldSpec = {
      name: 'bridge-loop',
      namespaces: [sw, ns('a', [veth('eth0', 'sw/pa', '10.5.0.1/24')]), ns('b', [veth('eth0', 'sw/pb', '10.5.0.2/24')])],
    };
    const t = runTrace(spec, { from: 'a', dst: ip('10.5.0.2'), proto: 'icmp' });
    expect(t.disposition).toBe('LOOP');
    expect(t.reason).toBe('EMULATOR_HOP_BUDGET');
  });
});

describe('what the destination stack answers', () => {
  it('a UDP socket answers a datagram', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 53 });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo).toMatchObject({ netns: 'right', addr: '10.0.2.2:53', peerSeen: '10.0.1.2:40000' });
    expect(t.reply).toMatchObject({ kind: 'udp-answer', disposition: 'DELIVERED', deliveredTo: { netns: 'left', addr: '10.0.1.2:40000' } });
  });

  it('a closed UDP port is refused with ICMP port unreachable from the destination', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'udp', dport: 54 });
    expect(t.disposition).toBe('REFUSED');
    expect(t.reason).toBe('NO_SOCKET');
    expect(t.icmp).toMatchObject({ type: 'port-unreachable', icmpType: 3, code: 3, from: '10.0.2.2', to: '10.0.1.2' });
    expect(t.reply).toMatchObject({ kind: 'icmp-error', disposition: 'DELIVERED' });
  });

  it('a closed TCP port is refused with a RST that reaches the client', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 81 });
    expect(t.disposition).toBe('REFUSED');
    expect(t.reason).toBe('NO_SOCKET');
    expect(t.reply).toMatchObject({ kind: 'rst', disposition: 'DELIVERED', deliveredTo: { netns: 'left', peerSeen: '10.0.2.2:81' } });
    expect(t.reply!.hops.find((h) => h.stage === 'output-route')?.packet).toMatch(/^IP 10\.0\.2\.2\.81 > 10\.0\.1\.2\.40000: Flags \[R\.\]/);
  });

  it('an echo request is answered with an echo reply', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'icmp' });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo).toMatchObject({ netns: 'right', addr: '10.0.2.2', peerSeen: '10.0.1.2' });
    expect(t.reply).toMatchObject({ kind: 'echo-reply', disposition: 'DELIVERED', deliveredTo: { netns: 'left', peerSeen: '10.0.2.2' } });
  });

  it('the router answers for its far address itself, without forwarding', () => {
    const t = runTrace(routerWorld(0), { from: 'left', dst: ip('10.0.2.1'), proto: 'icmp' });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo?.netns).toBe('router');
    expect(t.hops.some((h) => h.stage === 'forward')).toBe(false);
  });
});

