// What a namespace keeps over its own state (the FIB's dst cache and prefix indexes, the address index behind
// ownsAddr(), the input route's sysctl records) must follow every way that state is written: route add, del,
// replace, change and flush, rule add and del, link up and down, a device attached, address add and del, sysctl
// writes. (No device moves between namespaces: NetDevice.netns is fixed, `ip link set DEV netns` is not modelled.)
// The oracle is a namespace that lived through the same writes with nothing asked in between (so nothing was
// kept before the last write), asked the same questions once at the end.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NetDevice } from '../link/device.js';
import { routeGet } from '../route/route-get.js';
import { run, toolNetns } from '../tools/testing.js';
import type { Netns } from './netns.js';
import { ip } from '../../../test/support/specs.js';

/** A device that is not in the spec: attached to a live namespace, as register_netdevice() would. */
const ATTACH = 'attach eth9';

const OPS = [
  'ip route add 10.9.0.0/16 via 10.0.1.1',
  'ip route add 10.9.3.0/24 dev eth1',
  'ip route replace 10.9.0.0/16 via 10.0.2.1',
  'ip route change 10.9.0.0/16 dev eth0',
  'ip route del 10.9.0.0/16',
  'ip route del 10.9.3.0/24',
  'ip route add blackhole 10.9.4.0/24',
  'ip route add default via 10.0.2.1 table 100',
  'ip route del 10.0.1.0/24',
  'ip route flush dev eth1',
  'ip rule add pref 50 lookup 100',
  'ip rule add pref 60 fwmark 1 lookup 100',
  'ip rule del pref 50',
  'ip rule del pref 60',
  'ip link set eth0 down',
  'ip link set eth0 up',
  'ip link set eth1 down',
  'ip link set eth1 up',
  'ip addr add 10.0.1.3/24 dev eth0',
  'ip addr add 10.0.5.1/24 dev eth1',
  'ip addr del 10.0.1.2/24 dev eth0',
  'ip addr del 10.0.5.1/24 dev eth1',
  'ip addr add 10.0.9.1/24 dev eth9',
  'ip link set eth9 up',
  'sysctl -w net.ipv4.ip_forward=1',
  'sysctl -w net.ipv4.conf.all.rp_filter=1',
  'sysctl -w net.ipv4.conf.eth0.rp_filter=2',
  'sysctl -w net.ipv4.conf.default.rp_filter=1',
  'sysctl -w net.ipv4.conf.eth1.accept_local=1',
  'sysctl -w net.ipv4.conf.all.route_localnet=1',
  ATTACH,
];

const DSTS = ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.2.1', '10.0.2.2', '10.0.5.1', '10.0.5.9', '10.0.9.1', '10.0.9.5', '10.9.3.7',
  '10.9.4.1', '10.9.200.1', '8.8.8.8', '127.0.0.1'];
const INPUTS = [{ iif: 'eth0', from: '10.0.1.1' }, { iif: 'eth1', from: '10.0.2.1' }, { iif: 'eth1', from: '10.0.1.1' }, { iif: 'eth9', from: '10.0.9.5' }];
const DEVICES = ['lo', 'eth0', 'eth1', 'eth9'];

/** Applies one write; a command that fails (a route already gone, a device not attached yet) fails alike in both. */
function apply(n: Netns, op: string): string[] {
  if (op !== ATTACH) return run(n, op);
  if (n.device('eth9') !== undefined) return ['exists'];
  // Created down, as `ip link add` makes it.
  n.attach(new NetDevice(n, 'eth9', n.nextIfindex(), 'dummy', '02:00:00:00:00:99', 1500), false);
  return [];
}

/** Everything the kept answers serve: output and input routes, the address index, the input route's conf. */
function answers(n: Netns): unknown {
  const out = DSTS.flatMap((d) => [0, 1].map((mark) => routeGet(n.world, n.name, ip(d), { mark })));
  const input = DSTS.flatMap((d) => INPUTS.map((i) => routeGet(n.world, n.name, ip(d), { iif: i.iif, from: ip(i.from) })));
  const owners = DSTS.map((d) => n.ownsAddr(ip(d))?.name ?? null);
  const conf = DEVICES.map((d) => n.sysctls.inputConf(d));
  return { out, input, owners, conf };
}

describe('what a namespace keeps follows every writer', () => {
  it('answers as a namespace that was asked nothing before the last write', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 14 }), (ops) => {
      const warm = toolNetns();
      answers(warm);
      for (let i = 0; i < ops.length; i++) {
        const said = apply(warm, ops[i]);
        const cold = toolNetns();
        const coldSaid = ops.slice(0, i + 1).map((op) => apply(cold, op));
        expect(said).toEqual(coldSaid[i]);
        expect(answers(warm)).toEqual(answers(cold));
      }
    }), { numRuns: 150, seed: 1111 });
  });

  it('each kind of write changes what is asked, so a cache that missed it would show', () => {
    const n = toolNetns();
    const script = [
      'ip route add 10.9.0.0/16 via 10.0.1.1', 'ip route add 10.9.3.0/24 dev eth1', 'ip route replace 10.9.0.0/16 via 10.0.2.1',
      'ip route change 10.9.0.0/16 dev eth0', 'ip route del 10.9.3.0/24', 'ip route add blackhole 10.9.4.0/24', 'ip route del 10.9.0.0/16',
      'ip rule add pref 50 lookup 100', 'ip route add default via 10.0.2.1 table 100', 'ip rule del pref 50',
      'ip rule add pref 60 fwmark 1 lookup 100', 'ip rule del pref 60',
      'ip link set eth0 down', 'ip link set eth0 up', 'ip route del 10.0.1.0/24', 'ip link set eth1 down', 'ip link set eth1 up',
      'ip route flush dev eth1',
      'ip addr add 10.0.1.3/24 dev eth0', 'ip addr add 10.0.5.1/24 dev eth1', 'ip addr del 10.0.1.2/24 dev eth0', 'ip addr del 10.0.5.1/24 dev eth1',
      ATTACH, 'ip addr add 10.0.9.1/24 dev eth9', 'ip link set eth9 up',
      'sysctl -w net.ipv4.ip_forward=1', 'sysctl -w net.ipv4.conf.all.rp_filter=1', 'sysctl -w net.ipv4.conf.eth0.rp_filter=2',
      'sysctl -w net.ipv4.conf.eth1.accept_local=1', 'sysctl -w net.ipv4.conf.all.route_localnet=1',
    ];
    let before = answers(n);
    for (const op of script) {
      expect(apply(n, op), op).toEqual([]);
      const now = answers(n);
      expect(now, op).not.toEqual(before);
      before = now;
    }
  });
});
