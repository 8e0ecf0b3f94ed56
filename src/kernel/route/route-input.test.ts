// ip_route_input_slow() and fib_validate_source(), on the router between left (10.0.1.0/24, eth0) and right
// (10.0.2.0/24, eth1). The outcomes marked "measured" were checked with `ip route get ... iif` in real
// namespaces on kernel 6.18.
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { WorldSpec } from '../netns/world-spec.js';
import { runTrace } from '../../trace/run-trace.js';
import fc from 'fast-check';
import { ipRouteInput, mayRouteLocal } from './route-input.js';
import type { InputResult } from './route-input.js';
import { parseRoute } from './route-syntax.js';
import { ip, routerWorld } from '../../../test/support/specs.js';

/** routerWorld() with router sysctls and extra router routes. */
function router(sysctls: Record<string, number>, routes: string[] = []): WorldSpec {
  const spec = routerWorld(sysctls['net.ipv4.ip_forward'] ?? 1);
  return {
    ...spec,
    namespaces: spec.namespaces.map((n) =>
      n.name !== 'router'
        ? n
        : {
            ...n,
            sysctls: { ...n.sysctls, ...sysctls },
            routes: routes.map((t) => {
              const p = parseRoute(t);
              if (!p.ok) throw new Error(p.error);
              return p.value;
            }),
          },
    ),
  };
}

function input(spec: WorldSpec, src: string, dst: string, iif = 'eth0'): InputResult {
  const ns = buildWorld(spec).netns('router')!;
  return ipRouteInput(ns, { src: ip(src), dst: ip(dst), iif, mark: 0, tos: 0 });
}

describe('forwarding', () => {
  it('with forwarding off drops a packet for another host without ICMP, counted as InAddrErrors', () => {
    expect(input(router({ 'net.ipv4.ip_forward': 0 }), '10.0.1.2', '10.0.2.2')).toMatchObject({
      kind: 'error', reason: 'IP_INADDRERRORS', icmpCode: null,
    });
  });

  it('with forwarding off also turns "no route" into EHOSTUNREACH, so it is InAddrErrors too (ip_error())', () => {
    expect(input(router({ 'net.ipv4.ip_forward': 0 }), '10.0.1.2', '10.0.9.9')).toMatchObject({
      kind: 'error', error: 'EHOSTUNREACH', reason: 'IP_INADDRERRORS', icmpCode: null,
    });
  });

  it('with forwarding off still delivers to the router\'s address on its other side', () => {
    expect(input(router({ 'net.ipv4.ip_forward': 0 }), '10.0.1.2', '10.0.2.1')).toMatchObject({ kind: 'local', broadcast: false });
  });

  it('reads forwarding from the input device, not from ip_forward', () => {
    const spec = router({ 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.eth0.forwarding': 0 });
    expect(input(spec, '10.0.1.2', '10.0.2.2', 'eth0')).toMatchObject({ kind: 'error', reason: 'IP_INADDRERRORS' });
    expect(input(spec, '10.0.2.2', '10.0.1.2', 'eth1')).toMatchObject({ kind: 'forward', dev: 'eth0' });
  });

  it('answers a packet it has no route for with ICMP net unreachable when forwarding', () => {
    expect(input(router({}), '10.0.1.2', '10.0.9.9')).toMatchObject({ kind: 'error', reason: 'IP_INNOROUTES', icmpCode: 0 });
    const t = runTrace(router({}), { from: 'left', dst: ip('10.0.9.9'), proto: 'icmp' });
    expect(t.disposition).toBe('NO_ROUTE');
    expect(t.reason).toBe('IP_INNOROUTES');
    expect(t.icmp).toMatchObject({ type: 'net-unreachable', from: '10.0.1.1', to: '10.0.1.2' });
  });

  it('drops silently on the trace when forwarding is off: no answer leg at all', () => {
    const t = runTrace(router({ 'net.ipv4.ip_forward': 0 }), { from: 'left', dst: ip('10.0.9.9'), proto: 'icmp' });
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('IP_INADDRERRORS');
    expect(t.reply).toBeNull();
  });
});

describe('martian addresses', () => {
  it.each([
    ['0.0.0.0', '10.0.2.2', 'IP_INVALID_SOURCE'],
    ['224.0.0.5', '10.0.2.2', 'IP_INVALID_SOURCE'],
    ['255.255.255.255', '10.0.2.2', 'IP_INVALID_SOURCE'],
    ['10.0.1.2', '0.0.0.0', 'IP_INVALID_DEST'],
    ['10.0.1.2', '127.0.0.1', 'IP_INVALID_DEST'],
    ['127.0.0.1', '10.0.2.1', 'IP_INVALID_SOURCE'],
  ])('drops %s -> %s as %s', (src, dst, reason) => {
    expect(input(router({}), src, dst)).toMatchObject({ kind: 'martian', reason });
  });

  it('accepts the rest of 0.0.0.0/8 since Linux 5.3 (measured: only 0.0.0.0 itself is a martian)', () => {
    expect(input(router({}), '0.1.2.3', '10.0.2.1')).toMatchObject({ kind: 'local' });
    expect(input(router({}), '0.1.2.3', '10.0.2.2')).toMatchObject({ kind: 'forward', dev: 'eth1' });
    expect(input(router({}), '10.0.1.2', '0.1.2.3')).toMatchObject({ kind: 'error', reason: 'IP_INNOROUTES' });
  });

  it('routes 127.0.0.0/8 destinations with route_localnet on the input device or on all (measured)', () => {
    for (const key of ['net.ipv4.conf.eth0.route_localnet', 'net.ipv4.conf.all.route_localnet']) {
      expect(input(router({ [key]: 1 }), '10.0.1.2', '127.0.0.1')).toMatchObject({ kind: 'local' });
    }
    expect(input(router({ 'net.ipv4.conf.eth1.route_localnet': 1 }), '10.0.1.2', '127.0.0.1', 'eth0')).toMatchObject({ kind: 'martian' });
  });

  it('with route_localnet takes 127.0.0.5 as a source, but never 127.0.0.1, which is ours (measured)', () => {
    const spec = router({ 'net.ipv4.conf.eth0.route_localnet': 1 });
    expect(input(spec, '127.0.0.5', '10.0.1.1')).toMatchObject({ kind: 'local' });
    expect(input(spec, '127.0.0.1', '10.0.1.1')).toMatchObject({ kind: 'martian', reason: 'IP_LOCAL_SOURCE' });
  });

  it('refuses one of its own addresses as the source unless accept_local (measured)', () => {
    expect(input(router({}), '10.0.2.1', '10.0.1.1')).toMatchObject({ kind: 'martian', reason: 'IP_LOCAL_SOURCE' });
    expect(input(router({}), '10.0.1.1', '10.0.2.2')).toMatchObject({ kind: 'martian', reason: 'IP_LOCAL_SOURCE' });
    expect(input(router({ 'net.ipv4.conf.eth0.accept_local': 1 }), '10.0.2.1', '10.0.1.1')).toMatchObject({ kind: 'local' });
  });

  it('refuses its own address as the source on the full check too, once a custom rule exists', () => {
    const spec = router({});
    const world = buildWorld(spec);
    const ns = world.netns('router')!;
    ns.fib.addRule({ not: false, src: 0, srcLen: 0, dst: ip('10.8.0.0'), dstLen: 16, iif: null, oif: null, mark: 0, markMask: 0, tos: 0, action: 'lookup', table: 100 });
    expect(ipRouteInput(ns, { src: ip('10.0.2.1'), dst: ip('10.0.1.1'), iif: 'eth0', mark: 0, tos: 0 })).toMatchObject({
      kind: 'martian', reason: 'IP_LOCAL_SOURCE',
    });
  });
});

describe('rp_filter', () => {
  // 10.0.77.0/24 lies behind right: the route back to such a source leaves by eth1.
  const behindRight = ['10.0.77.0/24 via 10.0.2.2'];

  it('strict (1) refuses a source whose route back leaves by another device', () => {
    const spec = router({ 'net.ipv4.conf.all.rp_filter': 1 }, behindRight);
    expect(input(spec, '10.0.77.1', '10.0.2.2', 'eth0')).toMatchObject({ kind: 'martian', reason: 'IP_RPFILTER' });
    expect(input(spec, '10.0.77.1', '10.0.1.1', 'eth0')).toMatchObject({ kind: 'martian', reason: 'IP_RPFILTER' });
    expect(input(spec, '10.0.77.1', '10.0.1.2', 'eth1')).toMatchObject({ kind: 'forward', dev: 'eth0' });
  });

  it('strict accepts a source on the input device even when its route there is host-scoped (measured)', () => {
    const spec = router({ 'net.ipv4.conf.all.rp_filter': 1 }, ['10.0.9.0/24 dev eth0 scope host']);
    expect(input(spec, '10.0.9.5', '10.0.2.2', 'eth0')).toMatchObject({ kind: 'forward', dev: 'eth1' });
  });

  it('loose (2) accepts any source with a route back, and refuses one without', () => {
    const spec = router({ 'net.ipv4.conf.all.rp_filter': 2 }, behindRight);
    expect(input(spec, '10.0.77.1', '10.0.2.2', 'eth0')).toMatchObject({ kind: 'forward' });
    expect(input(spec, '192.0.2.1', '10.0.2.2', 'eth0')).toMatchObject({ kind: 'martian', reason: 'IP_RPFILTER' });
  });

  it('off (0) accepts a source without any route back', () => {
    expect(input(router({}, behindRight), '192.0.2.1', '10.0.2.2', 'eth0')).toMatchObject({ kind: 'forward' });
  });

  it.each([
    [0, 1, 'IP_RPFILTER'],
    [1, 0, 'IP_RPFILTER'],
    [2, 1, null],
    [1, 2, null],
  ])('uses the maximum of all (%i) and the device (%i)', (all, dev, reason) => {
    const spec = router({ 'net.ipv4.conf.all.rp_filter': all, 'net.ipv4.conf.eth0.rp_filter': dev }, behindRight);
    const res = input(spec, '10.0.77.1', '10.0.2.2', 'eth0');
    if (reason === null) expect(res.kind).toBe('forward');
    else expect(res).toMatchObject({ kind: 'martian', reason });
  });

  it('drops the packet on the trace with IP_RPFILTER, without ICMP', () => {
    const spec = router({ 'net.ipv4.conf.all.rp_filter': 1 }, behindRight);
    // left also holds 10.0.77.1/32, an address the router routes toward right.
    const left = spec.namespaces[0];
    left.links[0] = { ...left.links[0], addresses: [...left.links[0].addresses, { addr: ip('10.0.77.1'), len: 32 }] };
    // ARP requests are rp_filtered too (arp_process routes them): with a cold cache the router would not even
    // answer "who-has 10.0.1.1 tell 10.0.77.1". A permanent neighbour lets the SYN itself meet the filter.
    const routerNs = spec.namespaces.find((n) => n.name === 'router');
    const eth0 = routerNs?.links.find((l) => l.name === 'eth0');
    if (!eth0) throw new Error('router/eth0 expected');
    eth0.mac = '02:00:0a:00:01:01';
    left.neigh = [{ text: '10.0.1.1 lladdr 02:00:0a:00:01:01 dev eth0', addr: ip('10.0.1.1'), lladdr: '02:00:0a:00:01:01', dev: 'eth0', nud: 'permanent' }];
    expect(runTrace(spec, { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 }).disposition).toBe('DELIVERED');
    const t = runTrace(spec, { from: 'left', src: ip('10.0.77.1'), dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('IP_RPFILTER');
    expect(t.reply).toBeNull();
  });

  it('leaves the ARP request from a filtered source unanswered (cold neighbour cache)', () => {
    const spec = router({ 'net.ipv4.conf.all.rp_filter': 1 }, behindRight);
    const left = spec.namespaces[0];
    left.links[0] = { ...left.links[0], addresses: [...left.links[0].addresses, { addr: ip('10.0.77.1'), len: 32 }] };
    const t = runTrace(spec, { from: 'left', src: ip('10.0.77.1'), dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.0.77.1' });
  });
});

describe('mayRouteLocal(): the FIB lookup arp_process() needs before the rest of ip_route_input_slow()', () => {
  const extra = ['local 10.0.5.0/24 dev lo', '10.0.9.0/24 nexthop via 10.0.1.2 dev eth0 nexthop via 10.0.2.2 dev eth1', 'blackhole 10.0.6.0/24'];
  const worlds = [0, 1].flatMap((forward) => [0, 1, 2].map((rpf) => router({ 'net.ipv4.ip_forward': forward, 'net.ipv4.conf.all.rp_filter': rpf }, extra)));
  const pool = ['10.0.1.1', '10.0.1.2', '10.0.1.255', '10.0.2.1', '10.0.2.2', '10.0.5.7', '10.0.6.1', '10.0.9.3', '127.0.0.1', '0.0.0.0', '255.255.255.255', '192.168.7.7'].map(ip);
  const addr = fc.oneof(fc.constantFrom(...pool), fc.integer({ min: 0, max: 0xffffffff }));

  it('is false only where the full route input would not deliver locally, and that input then draws no multipath seed', () => {
    const namespaces = worlds.map((spec) => buildWorld(spec).netns('router')!);
    fc.assert(fc.property(fc.nat(namespaces.length - 1), addr, addr, fc.constantFrom('eth0', 'eth1'), (w, src, dst, iif) => {
      const ns = namespaces[w];
      ns.fib.mpRandomSeed = null;
      const req = { src, dst, iif, mark: 0, tos: 0 };
      if (mayRouteLocal(ns, req)) return;
      const r = ipRouteInput(ns, req);
      expect(r.kind === 'local' && !r.broadcast).toBe(false);
      expect(ns.fib.mpRandomSeed).toBeNull();
    }), { numRuns: 2000, seed: 1101 });
  });

  it('answers true for an AnyIP local route no device holds the address of', () => {
    const ns = buildWorld(router({}, extra)).netns('router')!;
    expect(ns.ownsAddr(ip('10.0.5.7'))).toBeUndefined();
    expect(mayRouteLocal(ns, { src: ip('10.0.1.2'), dst: ip('10.0.5.7'), iif: 'eth0', mark: 0, tos: 0 })).toBe(true);
  });
});
