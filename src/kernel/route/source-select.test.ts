// Source address selection. The expected sources were measured in a real namespace built like `world()`.
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { AddrSpec, LinkSpec, WorldSpec } from '../netns/world-spec.js';
import { RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../link/device.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import { inetSelectAddr } from './source-select.js';
import { routeGet } from './route-get.js';
import { parseRoute } from './route-syntax.js';
import { addr, ip, ns } from '../../../test/support/specs.js';

function a(text: string, scope?: AddrSpec['scope']): AddrSpec {
  return scope ? { ...addr(text), scope } : addr(text);
}

function link(name: string, peer: string, ...addresses: AddrSpec[]): LinkSpec {
  return { name, type: 'veth', peer: { netns: 's', dev: peer }, addresses };
}

/**
 * eth0: 169.254.7.7/16 (scope link), 10.0.1.2/24, 10.0.1.3/24 (secondary), 10.0.5.2/24; eth1: no address;
 * eth2: 10.0.6.2/24.
 */
function world(): WorldSpec {
  const routes = [
    '10.9.0.0/16 dev eth1',
    '10.10.0.0/16 via 10.0.5.1',
    '10.11.0.0/16 via 10.0.1.1 src 10.0.6.2',
    '10.12.0.0/16 dev eth0',
  ].map((t) => {
    const p = parseRoute(t);
    if (!p.ok) throw new Error(p.error);
    return p.value;
  });
  const links = [
    link('eth0', 'p0', a('169.254.7.7/16', 'link'), a('10.0.1.2/24'), a('10.0.1.3/24'), a('10.0.5.2/24')),
    link('eth1', 'p1'),
    link('eth2', 'p2', a('10.0.6.2/24')),
    link('p0', 'eth0'),
    link('p1', 'eth1'),
    link('p2', 'eth2'),
  ];
  return { name: 'source-select', namespaces: [ns('s', links, { routes })] };
}

function srcFor(dst: string): string {
  const res = routeGet(buildWorld(world()), 's', ip(dst));
  if (!res.ok) return res.error;
  return /src (\S+)/.exec(res.text)?.[1] ?? '(none)';
}

describe('source address of an output route (measured)', () => {
  it.each([
    ['10.0.1.9', '10.0.1.2', 'the primary address of the subnet the destination is on, not its secondary'],
    ['10.0.5.9', '10.0.5.2', 'the primary address of the second subnet'],
    ['10.10.0.1', '10.0.5.2', 'the address on the gateway\'s subnet, although the destination is on none'],
    ['10.11.0.1', '10.0.6.2', 'the route\'s `src`, even though it belongs to another device'],
    ['10.12.0.1', '169.254.7.7', 'for a device route the first primary address the route\'s link scope allows'],
    ['10.9.0.1', '10.0.1.2', 'from another device when the route\'s own device has no address, skipping link and host scope'],
  ])('%s gets %s: %s', (dst, src) => {
    expect(srcFor(dst)).toBe(src);
  });
});

describe('inet_select_addr', () => {
  const s = () => buildWorld(world()).netns('s')!;
  const pick = (dev: string, dst: string, scope: number): string => formatIpv4(inetSelectAddr(s(), dev, ip(dst), scope));

  it('prefers a primary address whose subnet holds the destination', () => {
    expect(pick('eth0', '10.0.5.77', RT_SCOPE_UNIVERSE)).toBe('10.0.5.2');
    expect(pick('eth0', '10.0.1.77', RT_SCOPE_UNIVERSE)).toBe('10.0.1.2');
  });

  it('takes the first primary address the scope allows when no subnet matches', () => {
    expect(pick('eth0', '192.0.2.1', RT_SCOPE_UNIVERSE)).toBe('10.0.1.2');
    expect(pick('eth0', '192.0.2.1', RT_SCOPE_LINK)).toBe('169.254.7.7');
    expect(pick('eth0', '0.0.0.0', RT_SCOPE_LINK)).toBe('169.254.7.7');
  });

  it('never returns a secondary address, even for a destination in its subnet', () => {
    const chosen = new Set(['10.0.1.1', '10.0.1.3', '10.0.1.200'].map((d) => pick('eth0', d, RT_SCOPE_UNIVERSE)));
    expect([...chosen]).toEqual(['10.0.1.2']);
  });

  it('falls back to a global address of another device, never to lo\'s host-scoped 127.0.0.1', () => {
    expect(pick('eth1', '10.9.0.1', RT_SCOPE_LINK)).toBe('10.0.1.2');
    expect(pick('eth1', '10.9.0.1', RT_SCOPE_UNIVERSE)).toBe('10.0.1.2');
  });

  it('answers 0.0.0.0 when no device has an address the scope allows', () => {
    const only = buildWorld({ name: 'lonely', namespaces: [ns('s', [link('eth1', 'p1'), link('p1', 'eth1')])] }).netns('s')!;
    expect(inetSelectAddr(only, 'eth1', ip('10.9.0.1'), RT_SCOPE_UNIVERSE)).toBe(0);
    // lo's 127.0.0.1 is host scope: only a host-scoped question may get it.
    expect(formatIpv4(inetSelectAddr(only, 'lo', ip('127.0.0.9'), RT_SCOPE_HOST))).toBe('127.0.0.1');
  });
});
