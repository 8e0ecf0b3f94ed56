// Expected outputs are `ip route show [table X]` captured from Linux 6.18 with iproute2 6.1, after the oracle's
// realizeCommands() built the same spec in namespaces prefixed `pwshow-<world>-`, with
// net.ipv6.conf.{all,default}.disable_ipv6=1 as baseline. Every line ends in the space print_route() leaves.

import { describe, expect, it } from 'vitest';
import { buildWorld } from '../index.js';
import type { LinkSpec, Netns, WorldSpec } from '../index.js';
import type { FibRoute } from '../route/fib.js';
import { parseRoute } from '../route/route-syntax.js';
import { addr, ns, veth } from '../../../test/support/specs.js';
import { routeTableExists, showRoute, tableDumpOrder } from './ip-route.js';

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const mac = (l: LinkSpec, m: string, more: Partial<LinkSpec> = {}): LinkSpec => ({ ...l, mac: m, ...more });

function route(line: string) {
  const r = parseRoute(line);
  if (!r.ok) throw new Error(line);
  return r.value;
}

/** left -- router -- right, with table 100, every route type, metrics, onlink, proto, src and mtu. */
const router: WorldSpec = {
  name: 'router',
  namespaces: [
    ns('left', [mac(veth('eth0', 'router/eth0', '10.0.1.2/24'), '02:00:00:00:00:11')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
    ns('router', [
      mac(veth('eth0', 'left/eth0', '10.0.1.1/24'), '02:00:00:00:00:01'),
      mac(veth('eth1', 'right/eth0', '10.0.2.1/24'), '02:00:00:00:00:02'),
    ], {
      sysctls: { 'net.ipv4.ip_forward': 1 },
      routes: [
        '10.9.0.0/16 via 10.0.2.2 dev eth1 table 100',
        'default via 10.0.2.2 table 100',
        'unreachable 10.67.0.0/16 table 100',
        'throw 10.54.0.0/16 table 100',
        '10.8.0.0/16 via 10.0.1.2 metric 50',
        '10.8.0.0/16 via 10.0.2.2',
        '10.8.0.0/24 via 10.0.2.2',
        'blackhole 10.66.0.0/16',
        'prohibit 10.53.0.0/16',
        '10.7.0.0/16 dev eth0 src 10.0.1.1 mtu 1400',
        '10.50.0.0/16 via 10.99.0.1 dev eth0 onlink',
        '10.55.0.0/16 dev eth1 proto static',
        'local 10.200.0.1 dev eth0',
        'broadcast 10.56.0.255 dev eth1',
      ].map(route),
    }),
    ns('right', [mac(veth('eth0', 'router/eth1', '10.0.2.2/24'), '02:00:00:00:00:22')], { routes: [route('default via 10.0.2.1 dev eth0')] }),
  ],
};

/**
 * A secondary address and a /16 next to a /24, a veth without carrier and a route through it; a down end with
 * an address; a /30 and a /32; addresses of every scope. `gateway` is the route through the veth without
 * carrier: the capture gave no `dev` and the kernel picked eth1.
 */
function pair(gateway = '10.0.4.0/24 via 10.0.3.9 dev eth1'): WorldSpec {
  return {
    name: 'pair',
    namespaces: [
      ns('a', [
        mac(veth('eth0', 'b/eth0', '10.0.1.2/24', '10.0.1.3/24', '10.0.9.2/16'), '02:00:00:00:0a:01'),
        mac(veth('eth1', 'b/eth9', '10.0.3.1/24'), '02:00:00:00:0a:02'),
      ], { routes: [route('default via 10.0.1.1 dev eth0'), route(gateway)] }),
      ns('b', [
        mac(veth('eth0', 'a/eth0', '10.0.1.1/24'), '02:00:00:00:0b:01'),
        mac(veth('eth9', 'a/eth1'), '02:00:00:00:0b:09', { up: false }),
        mac(veth('veth0', 'b/veth1', '10.0.5.1/30'), '02:00:00:00:0b:02'),
        mac(veth('veth1', 'b/veth0', '10.0.5.2/30'), '02:00:00:00:0b:03', { up: false }),
        mac(veth('veth2', 'b/veth3', '10.0.6.1/32'), '02:00:00:00:0b:04', { mtu: 9000 }),
        mac(veth('veth3', 'b/veth2'), '02:00:00:00:0b:05', {
          addresses: [{ ...addr('10.0.7.1/24'), scope: 'link' }, addr('10.0.8.1/24'), { ...addr('10.0.9.1/24'), scope: 'host' }],
        }),
      ]),
    ],
  };
}

/** Bridges with and without forwarding ports: routes through the ones without carrier are linkdown. */
const bridges: WorldSpec = {
  name: 'bridge',
  namespaces: [
    ns('host', [
      { name: 'br0', type: 'bridge', addresses: [addr('10.0.0.1/24')], mac: '02:00:00:00:01:00' },
      mac(veth('eth0', 'c1/eth0'), '02:00:00:00:01:01', { master: 'br0' }),
      { name: 'br2', type: 'bridge', addresses: [addr('10.0.12.1/24')], mac: '02:00:00:00:01:0b' },
      { name: 'br3', type: 'bridge', addresses: [addr('10.0.13.1/24')], mac: '02:00:00:00:01:0c' },
      mac(veth('eth4', 'host/eth5'), '02:00:00:00:01:06', { master: 'br3' }),
      mac(veth('eth5', 'host/eth4'), '02:00:00:00:01:07', { up: false }),
    ]),
    ns('c1', [mac(veth('eth0', 'host/eth0', '10.0.0.2/24'), '02:00:00:00:0c:01')]),
  ],
};

function netns(spec: WorldSpec, name: string): Netns {
  const n = buildWorld(spec).netns(name);
  if (!n) throw new Error(`no netns ${name}`);
  return n;
}

describe('showRoute on a router', () => {
  const r = netns(router, 'router');

  it('prints table main by prefix, longest first, then by metric', () => {
    expect(showRoute(r)).toBe(text(
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.1 ',
      '10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.1 ',
      '10.7.0.0/16 dev eth0 scope link src 10.0.1.1 mtu 1400 ',
      '10.8.0.0/24 via 10.0.2.2 dev eth1 ',
      '10.8.0.0/16 via 10.0.2.2 dev eth1 ',
      '10.8.0.0/16 via 10.0.1.2 dev eth0 metric 50 ',
      '10.50.0.0/16 via 10.99.0.1 dev eth0 onlink ',
      'prohibit 10.53.0.0/16 ',
      '10.55.0.0/16 dev eth1 proto static scope link ',
      'blackhole 10.66.0.0/16 ',
    ));
  });

  it('prints table 100 without naming it', () => {
    expect(showRoute(r, 100)).toBe(text(
      'default via 10.0.2.2 dev eth1 ',
      '10.9.0.0/16 via 10.0.2.2 dev eth1 ',
      'throw 10.54.0.0/16 ',
      'unreachable 10.67.0.0/16 ',
    ));
  });

  it('prints table local, user routes without proto or src', () => {
    expect(showRoute(r, 'local')).toBe(text(
      'local 10.0.1.1 dev eth0 proto kernel scope host src 10.0.1.1 ',
      'broadcast 10.0.1.255 dev eth0 proto kernel scope link src 10.0.1.1 ',
      'local 10.0.2.1 dev eth1 proto kernel scope host src 10.0.2.1 ',
      'broadcast 10.0.2.255 dev eth1 proto kernel scope link src 10.0.2.1 ',
      'broadcast 10.56.0.255 dev eth1 scope link ',
      'local 10.200.0.1 dev eth0 scope host ',
      'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
    ));
  });

  it('prints table all table by table, 100 before main before local, naming all but main', () => {
    expect(showRoute(r, 'all')).toBe(text(
      'default via 10.0.2.2 dev eth1 table 100 ',
      '10.9.0.0/16 via 10.0.2.2 dev eth1 table 100 ',
      'throw 10.54.0.0/16 table 100 ',
      'unreachable 10.67.0.0/16 table 100 ',
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.1 ',
      '10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.1 ',
      '10.7.0.0/16 dev eth0 scope link src 10.0.1.1 mtu 1400 ',
      '10.8.0.0/24 via 10.0.2.2 dev eth1 ',
      '10.8.0.0/16 via 10.0.2.2 dev eth1 ',
      '10.8.0.0/16 via 10.0.1.2 dev eth0 metric 50 ',
      '10.50.0.0/16 via 10.99.0.1 dev eth0 onlink ',
      'prohibit 10.53.0.0/16 ',
      '10.55.0.0/16 dev eth1 proto static scope link ',
      'blackhole 10.66.0.0/16 ',
      'local 10.0.1.1 dev eth0 table local proto kernel scope host src 10.0.1.1 ',
      'broadcast 10.0.1.255 dev eth0 table local proto kernel scope link src 10.0.1.1 ',
      'local 10.0.2.1 dev eth1 table local proto kernel scope host src 10.0.2.1 ',
      'broadcast 10.0.2.255 dev eth1 table local proto kernel scope link src 10.0.2.1 ',
      'broadcast 10.56.0.255 dev eth1 table local scope link ',
      'local 10.200.0.1 dev eth0 table local scope host ',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ',
    ));
  });

  it('orders tables by hash bucket (id mod 256), a newer table first within one', () => {
    // Captured on the router above after adding these tables in this order; local and the other tables omitted.
    const spec: WorldSpec = {
      name: 'tables',
      namespaces: [
        ns('r', [veth('eth1', 'x/eth0', '10.0.2.1/24')], {
          routes: [
            '10.9.0.0/16 via 10.0.2.2 dev eth1 table 100',
            '10.206.1.0/24 dev eth1 table 356',
            '10.50.1.0/24 dev eth1 table 1000',
            '10.160.1.0/24 dev eth1 table 510',
            '10.52.1.0/24 dev eth1 table 2',
          ].map(route),
        }),
        ns('x', [veth('eth0', 'r/eth1', '10.0.2.2/24')]),
      ],
    };
    const lines = showRoute(netns(spec, 'r'), 'all').split('\n').filter((l) => l !== '' && !l.includes(' table local '));
    expect(lines).toEqual([
      '10.52.1.0/24 dev eth1 table 2 scope link ',
      '10.206.1.0/24 dev eth1 table 356 scope link ',
      '10.9.0.0/16 via 10.0.2.2 dev eth1 table 100 ',
      '10.50.1.0/24 dev eth1 table 1000 scope link ',
      '10.160.1.0/24 dev eth1 table 510 scope link ',
      '10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.1 ',
    ]);
  });

  it('prints a host with a default route', () => {
    expect(showRoute(netns(router, 'left'), 'all')).toBe(text(
      'default via 10.0.1.1 dev eth0 ',
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 ',
      'local 10.0.1.2 dev eth0 table local proto kernel scope host src 10.0.1.2 ',
      'broadcast 10.0.1.255 dev eth0 table local proto kernel scope link src 10.0.1.2 ',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ',
    ));
  });
});

describe('showRoute on addresses', () => {
  it('marks routes through a veth without carrier linkdown', () => {
    expect(showRoute(netns(pair(), 'a'))).toBe(text(
      'default via 10.0.1.1 dev eth0 ',
      '10.0.0.0/16 dev eth0 proto kernel scope link src 10.0.9.2 ',
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 ',
      '10.0.3.0/24 dev eth1 proto kernel scope link src 10.0.3.1 linkdown ',
      '10.0.4.0/24 via 10.0.3.9 dev eth1 linkdown ',
    ));
  });

  it('adds one local route per address and one broadcast route per primary subnet', () => {
    expect(showRoute(netns(pair(), 'a'), 'local')).toBe(text(
      'local 10.0.1.2 dev eth0 proto kernel scope host src 10.0.1.2 ',
      'local 10.0.1.3 dev eth0 proto kernel scope host src 10.0.1.2 ',
      'broadcast 10.0.1.255 dev eth0 proto kernel scope link src 10.0.1.2 ',
      'local 10.0.3.1 dev eth1 proto kernel scope host src 10.0.3.1 ',
      'broadcast 10.0.3.255 dev eth1 proto kernel scope link src 10.0.3.1 linkdown ',
      'local 10.0.9.2 dev eth0 proto kernel scope host src 10.0.9.2 ',
      'broadcast 10.0.255.255 dev eth0 proto kernel scope link src 10.0.9.2 ',
      'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
    ));
  });

  it('keeps the local route of an address on a down device, and no other', () => {
    expect(showRoute(netns(pair(), 'b'), 'all')).toBe(text(
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.1 ',
      '10.0.5.0/30 dev veth0 proto kernel scope link src 10.0.5.1 linkdown ',
      '10.0.7.0/24 dev veth3 proto kernel scope link src 10.0.7.1 ',
      '10.0.8.0/24 dev veth3 proto kernel scope link src 10.0.8.1 ',
      '10.0.9.0/24 dev veth3 proto kernel scope link src 10.0.9.1 ',
      'local 10.0.1.1 dev eth0 table local proto kernel scope host src 10.0.1.1 ',
      'broadcast 10.0.1.255 dev eth0 table local proto kernel scope link src 10.0.1.1 ',
      'local 10.0.5.1 dev veth0 table local proto kernel scope host src 10.0.5.1 ',
      'local 10.0.5.2 dev veth1 table local proto kernel scope host src 10.0.5.2 ',
      'broadcast 10.0.5.3 dev veth0 table local proto kernel scope link src 10.0.5.1 linkdown ',
      'local 10.0.6.1 dev veth2 table local proto kernel scope host src 10.0.6.1 ',
      'local 10.0.7.1 dev veth3 table local proto kernel scope host src 10.0.7.1 ',
      'broadcast 10.0.7.255 dev veth3 table local proto kernel scope link src 10.0.7.1 ',
      'local 10.0.8.1 dev veth3 table local proto kernel scope host src 10.0.8.1 ',
      'broadcast 10.0.8.255 dev veth3 table local proto kernel scope link src 10.0.8.1 ',
      'local 10.0.9.1 dev veth3 table local proto kernel scope host src 10.0.9.1 ',
      'broadcast 10.0.9.255 dev veth3 table local proto kernel scope link src 10.0.9.1 ',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ',
    ));
  });

  it('marks routes through a bridge without a forwarding port linkdown', () => {
    expect(showRoute(netns(bridges, 'host'), 'all')).toBe(text(
      '10.0.0.0/24 dev br0 proto kernel scope link src 10.0.0.1 ',
      '10.0.12.0/24 dev br2 proto kernel scope link src 10.0.12.1 linkdown ',
      '10.0.13.0/24 dev br3 proto kernel scope link src 10.0.13.1 linkdown ',
      'local 10.0.0.1 dev br0 table local proto kernel scope host src 10.0.0.1 ',
      'broadcast 10.0.0.255 dev br0 table local proto kernel scope link src 10.0.0.1 ',
      'local 10.0.12.1 dev br2 table local proto kernel scope host src 10.0.12.1 ',
      'broadcast 10.0.12.255 dev br2 table local proto kernel scope link src 10.0.12.1 linkdown ',
      'local 10.0.13.1 dev br3 table local proto kernel scope host src 10.0.13.1 ',
      'broadcast 10.0.13.255 dev br3 table local proto kernel scope link src 10.0.13.1 linkdown ',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1 ',
    ));
  });

  // Model difference: build-world's connectedDevFor() takes the first device with an address whose subnet
  // holds the gateway (eth0's 10.0.9.2/16); fib_check_nh_v4_gw() looks the gateway up, so the longest prefix
  // (eth1's 10.0.3.0/24) decides.
  it('resolves a gateway without dev through the longest matching prefix', () => {
    expect(showRoute(netns(pair('10.0.4.0/24 via 10.0.3.9'), 'a'))).toContain('10.0.4.0/24 via 10.0.3.9 dev eth1 linkdown \n');
  });
});

describe('routeTableExists', () => {
  it('knows main and local always, other tables once a route went in', () => {
    const r = netns(router, 'router');
    expect([254, 255, 100, 200, 253].map((id) => routeTableExists(r, id))).toEqual([true, true, true, false, false]);
  });
});

describe('tableDumpOrder', () => {
  it('sorts by prefix, longest first, then metric, keeping insertion order for ties', () => {
    const base = { type: 'unicast' as const, table: 254, dev: 'eth0', gw: null, prefsrc: null, scope: 0, proto: 'boot', onlink: false, mtu: null };
    const routes: FibRoute[] = [
      { ...base, dst: 0x0a080000, len: 16, metric: 50 },
      { ...base, dst: 0x0a080000, len: 16, metric: 0, dev: 'eth1' },
      { ...base, dst: 0x0a080000, len: 16, metric: 0, dev: 'eth2' },
      { ...base, dst: 0x0a080000, len: 24, metric: 0 },
      { ...base, dst: 0xc0a80000, len: 16, metric: 0 },
      { ...base, dst: 0, len: 0, metric: 0 },
    ];
    const order = tableDumpOrder(routes).map((r) => routes.indexOf(r));
    expect(order).toEqual([5, 3, 1, 2, 0, 4]);
  });
});
