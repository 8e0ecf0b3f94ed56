// `ip route get` as iproute2 6.1 prints it on kernel 6.18. Every expected text below was measured in real
// namespaces built like these Worlds (trailing blanks, which ip prints after each line, are ignored).
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { NetnsSpec, RouteSpec, RuleSpec, WorldSpec } from '../netns/world-spec.js';
import { routeGet } from './route-get.js';
import type { RouteGetOptions } from './route-get.js';
import { parseRoute } from './route-syntax.js';
import { parseRule } from './rule-syntax.js';
import { ip, ns, veth } from '../../../test/support/specs.js';

function r(text: string): RouteSpec {
  const p = parseRoute(text);
  if (!p.ok) throw new Error(`${text}: ${p.error}`);
  return p.value;
}

function rule(text: string): RuleSpec {
  const p = parseRule(text);
  if (!p.ok) throw new Error(`${text}: ${p.error}`);
  return p.value;
}

/**
 * host (10.0.1.2/24, default via 10.0.1.1) -- gw; up (10.0.2.1) -- r (eth0 10.0.2.2/24, eth1 10.0.3.1/24) -- c.
 * r has table 100 behind `to 10.8.0.0/16 lookup 100` (so it has custom rules), an mtu route and the three
 * error route types; it has no default route.
 */
function lab(routerSysctls: Record<string, number> = {}): WorldSpec {
  const router: NetnsSpec = ns('r', [veth('eth0', 'up/eth0', '10.0.2.2/24'), veth('eth1', 'c/eth0', '10.0.3.1/24')], {
    sysctls: routerSysctls,
    routes: [
      r('10.8.0.0/16 via 10.0.2.1 table 100'),
      r('10.9.1.0/24 via 10.0.2.1 mtu 1400'),
      r('blackhole 10.66.0.0/16'),
      r('prohibit 10.67.0.0/16'),
      r('unreachable 10.68.0.0/16'),
      r('10.0.7.0/24 via 10.0.3.9'),
    ],
    rules: [rule('to 10.8.0.0/16 lookup 100')],
  });
  return {
    name: 'route-get',
    namespaces: [
      ns('host', [veth('eth0', 'gw/eth0', '10.0.1.2/24')], { routes: [r('default via 10.0.1.1')] }),
      ns('gw', [veth('eth0', 'host/eth0', '10.0.1.1/24')]),
      ns('up', [veth('eth0', 'r/eth0', '10.0.2.1/24')]),
      router,
      ns('c', [veth('eth0', 'r/eth1', '10.0.3.9/24')], { routes: [r('default via 10.0.3.1')] }),
    ],
  };
}

const trimLines = (s: string): string => s.split('\n').map((l) => l.trimEnd()).join('\n');

/** What `ip -n NS route get DST ...` printed, stdout or stderr. */
function get(spec: WorldSpec, netns: string, dst: string, opts: RouteGetOptions = {}): string {
  const res = routeGet(buildWorld(spec), netns, ip(dst), opts);
  return trimLines(res.ok ? res.text : res.error);
}

describe('ip route get for a locally generated packet', () => {
  it.each([
    ['10.0.2.2', {}, '10.0.2.2 via 10.0.1.1 dev eth0 src 10.0.1.2 uid 0 \n    cache '],
    ['10.0.1.3', {}, '10.0.1.3 dev eth0 src 10.0.1.2 uid 0 \n    cache '],
    ['10.0.1.2', {}, 'local 10.0.1.2 dev lo src 10.0.1.2 uid 0 \n    cache <local> '],
    ['127.0.0.1', {}, 'local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \n    cache <local> '],
    ['10.0.1.255', {}, 'broadcast 10.0.1.255 dev eth0 src 10.0.1.2 uid 0 \n    cache <local,brd> '],
    ['10.0.2.2', { from: ip('10.0.1.2') }, '10.0.2.2 from 10.0.1.2 via 10.0.1.1 dev eth0 uid 0 \n    cache '],
    ['10.0.2.2', { mark: 0x20 }, '10.0.2.2 via 10.0.1.1 dev eth0 src 10.0.1.2 mark 0x20 uid 0 \n    cache '],
    // iproute2 prints a mark below 16 in decimal.
    ['10.0.2.2', { mark: 7 }, '10.0.2.2 via 10.0.1.1 dev eth0 src 10.0.1.2 mark 7 uid 0 \n    cache '],
  ])('in a namespace without custom rules: %s %o', (dst, opts, text) => {
    expect(get(lab(), 'host', dst, opts)).toBe(trimLines(text));
  });

  it.each([
    // With a custom rule the local table is no longer merged into main, so its routes name it.
    ['10.0.2.255', 'broadcast 10.0.2.255 dev eth0 table local src 10.0.2.2 uid 0 \n    cache <local,brd> '],
    ['10.0.2.2', 'local 10.0.2.2 dev lo table local src 10.0.2.2 uid 0 \n    cache <local> '],
    ['10.8.0.1', '10.8.0.1 via 10.0.2.1 dev eth0 table 100 src 10.0.2.2 uid 0 \n    cache '],
    ['10.9.1.1', '10.9.1.1 via 10.0.2.1 dev eth0 src 10.0.2.2 uid 0 \n    cache mtu 1400 '],
  ])('in a namespace with custom rules: %s', (dst, text) => {
    expect(get(lab(), 'r', dst)).toBe(trimLines(text));
  });

  it.each([
    ['r', '10.1.1.1', {}, 'RTNETLINK answers: Network is unreachable'],
    ['r', '10.66.0.1', {}, 'RTNETLINK answers: Invalid argument'],
    ['r', '10.67.0.1', {}, 'RTNETLINK answers: Permission denied'],
    ['r', '10.68.0.1', {}, 'RTNETLINK answers: No route to host'],
    // A source that is not ours fails the route lookup with ENETUNREACH; a multicast one with EINVAL.
    ['host', '10.0.2.2', { from: ip('10.0.1.99') }, 'RTNETLINK answers: Network is unreachable'],
    ['host', '10.0.2.2', { from: ip('224.0.0.1') }, 'RTNETLINK answers: Invalid argument'],
    // 127.0.0.1 is ours, but a loopback source may not leave by eth0 (route_localnet=0).
    ['host', '10.0.2.2', { from: ip('127.0.0.1') }, 'RTNETLINK answers: Invalid argument'],
  ])('fails in %s for %s %o', (netns, dst, opts, text) => {
    expect(get(lab(), netns, dst, opts)).toBe(text);
  });
});

describe('ip route get iif: a packet arriving on a device', () => {
  const fwd = lab({ 'net.ipv4.ip_forward': 1 });
  const from = ip('10.0.3.9');

  it.each([
    ['10.8.0.1', from, '10.8.0.1 from 10.0.3.9 via 10.0.2.1 dev eth0 table 100 \n    cache iif eth1 '],
    ['10.0.2.2', from, 'local 10.0.2.2 from 10.0.3.9 dev lo table local \n    cache <local> iif eth1 '],
    ['10.0.3.255', from, 'broadcast 10.0.3.255 from 10.0.3.9 dev lo table local \n    cache <local,brd> iif eth1 '],
    ['10.0.3.5', from, '10.0.3.5 from 10.0.3.9 dev eth1 \n    cache <redirect> iif eth1 '],
    // Out the way it came, but the source is behind a gateway: no redirect.
    ['10.0.3.5', ip('10.0.7.7'), '10.0.3.5 from 10.0.7.7 dev eth1 \n    cache iif eth1 '],
    ['10.9.1.1', from, '10.9.1.1 from 10.0.3.9 via 10.0.2.1 dev eth0 \n    cache mtu 1400 iif eth1 '],
  ])('forwarding on: %s', (dst, src, text) => {
    expect(get(fwd, 'r', dst, { from: src, iif: 'eth1' })).toBe(trimLines(text));
  });

  it('prints no redirect when send_redirects is off', () => {
    const quiet = lab({ 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.all.send_redirects': 0, 'net.ipv4.conf.eth1.send_redirects': 0 });
    expect(get(quiet, 'r', '10.0.3.5', { from, iif: 'eth1' })).toBe('10.0.3.5 from 10.0.3.9 dev eth1\n    cache iif eth1');
  });

  it('names no table for a local input route when the local table is still merged into main', () => {
    expect(get(lab(), 'c', '10.0.3.9', { from: ip('10.0.3.1'), iif: 'eth0' })).toBe('local 10.0.3.9 from 10.0.3.1 dev lo\n    cache <local> iif eth0');
  });

  it.each([
    ['10.1.1.1', from, 'RTNETLINK answers: Network is unreachable'],
    ['10.66.0.1', from, 'RTNETLINK answers: Invalid argument'],
    ['10.67.0.1', from, 'RTNETLINK answers: Permission denied'],
    ['10.68.0.1', from, 'RTNETLINK answers: No route to host'],
    // Martian source (one of our own addresses): EINVAL.
    ['10.0.2.1', ip('10.0.3.1'), 'RTNETLINK answers: Invalid argument'],
  ])('forwarding on, fails for %s', (dst, src, text) => {
    expect(get(fwd, 'r', dst, { from: src, iif: 'eth1' })).toBe(text);
  });

  it('answers No route to host for a packet to forward when ip_forward=0, and still delivers locally', () => {
    expect(get(lab(), 'r', '10.8.0.1', { from, iif: 'eth1' })).toBe('RTNETLINK answers: No route to host');
    expect(get(lab(), 'r', '10.0.2.2', { from, iif: 'eth1' })).toBe('local 10.0.2.2 from 10.0.3.9 dev lo table local\n    cache <local> iif eth1');
  });

  it('answers Invalid argument (not EXDEV) when strict rp_filter refuses the source', () => {
    const strict = lab({ 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.all.rp_filter': 1 });
    expect(get(strict, 'r', '10.0.2.1', { from: ip('10.0.2.77'), iif: 'eth1' })).toBe('RTNETLINK answers: Invalid argument');
    expect(get(strict, 'r', '10.0.2.1', { from: ip('10.0.3.77'), iif: 'eth1' })).toBe('10.0.2.1 from 10.0.3.77 dev eth0\n    cache iif eth1');
  });

  it('names a missing input device the way ip does', () => {
    expect(get(fwd, 'r', '10.0.2.1', { from, iif: 'eth9' })).toBe('Cannot find device "eth9"');
  });
});
