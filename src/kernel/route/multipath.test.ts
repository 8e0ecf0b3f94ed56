// ECMP routes: `ip route add ... nexthop ...` syntax, `ip route` output, and the nexthop `ip route get` picks,
// each compared with what Linux 6.18 (iproute2 6.1) printed for the same namespace.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { RouteSpec, WorldSpec } from '../netns/world-spec.js';
import { showRoute } from '../show/ip-route.js';
import { routeGet } from './route-get.js';
import { formatRoute, parseRoute } from './route-syntax.js';
import { ip, ns, veth } from '../../../test/support/specs.js';

const r = (t: string): RouteSpec => {
  const p = parseRoute(t);
  if (!p.ok) throw new Error(p.error);
  return p.value;
};

function world(sysctls: Record<string, number>): WorldSpec {
  return {
    name: 'ecmp',
    namespaces: [
      ns('a', [veth('e1', 'a/p1', '10.1.0.2/24'), veth('p1', 'a/e1'), veth('e2', 'a/p2', '10.2.0.2/24'), veth('p2', 'a/e2')], {
        sysctls,
        routes: [
          r('10.9.0.0/24 nexthop via 10.1.0.1 dev e1 weight 1 nexthop via 10.2.0.1 dev e2 weight 2'),
          r('10.7.0.0/24 table 100 src 10.1.0.2 nexthop via 10.1.0.1 dev e1 nexthop via 10.2.0.1 dev e2'),
          r('10.6.0.0/24 nexthop via 10.1.0.1 dev e1'),
        ],
      }),
    ],
  };
}

describe('parseRoute with nexthops', () => {
  it('reads the groups, and prints them back as ip route add input', () => {
    const spec = r('10.9.0.0/24 proto static metric 5 nexthop via 10.1.0.1 dev e1 weight 3 nexthop via 10.2.0.1 onlink');
    expect(spec.nexthops).toEqual([
      { via: ip('10.1.0.1'), dev: 'e1', weight: 3, onlink: false },
      { via: ip('10.2.0.1'), weight: 1, onlink: true },
    ]);
    expect(spec.scope).toBe('global');
    expect(formatRoute(spec)).toBe('10.9.0.0/24 proto static metric 5 nexthop via 10.1.0.1 dev e1 weight 3 nexthop via 10.2.0.1 weight 1 onlink');
  });
  it('folds a single nexthop into an ordinary route, as fib_create_info() does', () => {
    const spec = r('10.6.0.0/24 nexthop via 10.1.0.1 dev e1 weight 7');
    expect(spec.nexthops).toBeUndefined();
    expect([spec.via, spec.dev]).toEqual([ip('10.1.0.1'), 'e1']);
  });
  it.each([
    ['10.4.0.0/24 nexthop', 'unexpected end of line after "nexthop"', 13],
    ['10.4.0.0/24 nexthop foo 1', '"nexthop" or end of line is expected instead of "foo"', 21],
    ['10.4.0.0/24 nexthop via 10.1.0.1 weight 257', '"weight" is invalid', 41],
    ['10.4.0.0/24 nexthop via 10.1.0.1 weight 0', '"weight" is invalid', 41],
    ['10.4.0.0/24 nexthop via 10.2.0.1 dev e2 mtu 1400', '"nexthop" or end of line is expected instead of "mtu"', 41],
    ['blackhole 10.4.0.0/24 nexthop via 10.1.0.1 nexthop via 10.2.0.1', 'Gateway, device and multipath can not be specified for this route type', 23],
    ['10.5.0.0/24 via 10.1.0.1 nexthop via 10.2.0.1', 'Nexthop gateway does not match RTA_GATEWAY or RTA_VIA', 26],
    ['10.3.0.0/24 dev e1 nexthop via 10.2.0.1 dev e2', 'Nexthop device index does not match RTA_OIF', 20],
    ['10.3.0.0/24 nexthop dev e2 onlink', 'PERVASIVE and ONLINK can not be set', 13],
  ])('refuses %s', (text, message, column) => {
    const p = parseRoute(text);
    expect(p.ok).toBe(false);
    if (!p.ok) {
      expect(p.error).toContain(message);
      expect(p.column).toBe(column);
    }
  });
});

describe('ip route show of a multipath route', () => {
  it('prints each nexthop on a tabbed line, weight always', () => {
    const n = buildWorld(world({})).netns('a')!;
    expect(showRoute(n)).toBe([
      '10.1.0.0/24 dev e1 proto kernel scope link src 10.1.0.2 ',
      '10.2.0.0/24 dev e2 proto kernel scope link src 10.2.0.2 ',
      '10.6.0.0/24 via 10.1.0.1 dev e1 ',
      '10.9.0.0/24 ',
      '\tnexthop via 10.1.0.1 dev e1 weight 1 ',
      '\tnexthop via 10.2.0.1 dev e2 weight 2 ',
      '',
    ].join('\n'));
    expect(showRoute(n, 100)).toBe('10.7.0.0/24 src 10.1.0.2 \n\tnexthop via 10.1.0.1 dev e1 weight 1 \n\tnexthop via 10.2.0.1 dev e2 weight 1 \n');
  });
});

describe('ip route get on a multipath route against Linux 6.18', () => {
  const lines = readFileSync(new URL('./testdata/multipath-linux-6.18.txt', import.meta.url), 'utf8')
    .split('\n').filter((l) => l && !l.startsWith('#'));
  it('takes the nexthop the kernel took, for every recorded seed, policy and flow', () => {
    const wrong: string[] = [];
    for (const line of lines) {
      const [seed, policy, , dst, proto, sport, dport, dev] = line.split(' ');
      const w = world({ 'net.ipv4.fib_multipath_hash_seed': Number(seed), 'net.ipv4.fib_multipath_hash_policy': Number(policy) });
      const res = routeGet(buildWorld(w), 'a', ip(dst), { proto: Number(proto), sport: Number(sport), dport: Number(dport) });
      const gw = dev === 'e1' ? '10.1.0.1' : '10.2.0.1';
      const src = dev === 'e1' ? '10.1.0.2' : '10.2.0.2';
      if (!res.ok || res.text !== `${dst} via ${gw} dev ${dev} src ${src} uid 0\n    cache`) wrong.push(`${line}: ${res.ok ? res.text : res.error}`);
    }
    expect(wrong).toEqual([]);
  });
  it('with a source address, prefers the nexthop that source belongs to (fib_select_multipath(), 6.15+)', () => {
    // Linux 6.18 answered e1 for all 40 of 10.9.0.1-40 `from 10.1.0.2`, though the hash sends 25 of them to e2.
    const w = buildWorld(world({ 'net.ipv4.fib_multipath_hash_seed': 12345 }));
    const devs = new Set<string>();
    for (let i = 1; i <= 40; i++) {
      const res = routeGet(w, 'a', ip(`10.9.0.${i}`), { from: ip('10.1.0.2') });
      devs.add(res.ok ? res.text.split(' ')[6] : res.error);
    }
    expect([...devs]).toEqual(['e1']);
  });
});
