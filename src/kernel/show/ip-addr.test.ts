// Expected outputs are `ip addr` captured from Linux 6.18 with iproute2 6.1, after the oracle's
// realizeCommands() built the same spec in namespaces prefixed `pwshow-pair-` (the prefix is cut from
// `link-netns`), with net.ipv6.conf.{all,default}.disable_ipv6=1 as baseline so no inet6 lines appear.
// Same-namespace veth pairs were created from their second end, which gives the spec's ifindexes: the kernel
// registers the peer first (veth_newlink()), while the model numbers devices in spec order.

import { describe, expect, it } from 'vitest';
import { buildWorld } from '../index.js';
import type { LinkSpec, Netns, WorldSpec } from '../index.js';
import { parseRoute } from '../route/route-syntax.js';
import { addr, ip, ns, veth } from '../../../test/support/specs.js';
import { ifaList, showAddr } from './ip-addr.js';

const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const mac = (l: LinkSpec, m: string, more: Partial<LinkSpec> = {}): LinkSpec => ({ ...l, mac: m, ...more });

function route(line: string) {
  const r = parseRoute(line);
  if (!r.ok) throw new Error(line);
  return r.value;
}

/** Two namespaces on a veth pair, a vxlan device, same-namespace pairs with one end down, scoped addresses. */
const pair: WorldSpec = {
  name: 'pair',
  namespaces: [
    ns('a', [
      mac(veth('eth0', 'b/eth0', '10.0.1.2/24', '10.0.1.3/24', '10.0.9.2/16'), '02:00:00:00:0a:01'),
      mac(veth('eth1', 'b/eth9', '10.0.3.1/24'), '02:00:00:00:0a:02'),
      { name: 'vx0', type: 'vxlan', addresses: [], mac: '02:00:00:00:0a:0e', vxlan: { id: 42, dstport: 4789, local: ip('10.0.1.2'), dev: 'eth0', learning: false } },
    ], { routes: [route('default via 10.0.1.1 dev eth0')] }),
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

function netns(spec: WorldSpec, name: string): Netns {
  const n = buildWorld(spec).netns(name);
  if (!n) throw new Error(`no netns ${name}`);
  return n;
}

describe('showAddr', () => {
  it('prints a veth to another namespace with primary and secondary addresses, and a vxlan device', () => {
    expect(showAddr(netns(pair, 'a'))).toBe(text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    inet 127.0.0.1/8 scope host lo',
      '       valid_lft forever preferred_lft forever',
      '2: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
      '    link/ether 02:00:00:00:0a:01 brd ff:ff:ff:ff:ff:ff link-netns b',
      '    inet 10.0.1.2/24 scope global eth0',
      '       valid_lft forever preferred_lft forever',
      '    inet 10.0.9.2/16 scope global eth0',
      '       valid_lft forever preferred_lft forever',
      '    inet 10.0.1.3/24 scope global secondary eth0',
      '       valid_lft forever preferred_lft forever',
      '3: eth1@if3: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN group default qlen 1000',
      '    link/ether 02:00:00:00:0a:02 brd ff:ff:ff:ff:ff:ff link-netns b',
      '    inet 10.0.3.1/24 scope global eth1',
      '       valid_lft forever preferred_lft forever',
      '4: vx0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/ether 02:00:00:00:0a:0e brd ff:ff:ff:ff:ff:ff',
    ));
  });

  it('prints down ends, NO-CARRIER and M-DOWN, a /32 and addresses of every scope', () => {
    expect(showAddr(netns(pair, 'b'))).toBe(text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    inet 127.0.0.1/8 scope host lo',
      '       valid_lft forever preferred_lft forever',
      '2: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
      '    link/ether 02:00:00:00:0b:01 brd ff:ff:ff:ff:ff:ff link-netns a',
      '    inet 10.0.1.1/24 scope global eth0',
      '       valid_lft forever preferred_lft forever',
      '3: eth9@if3: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000',
      '    link/ether 02:00:00:00:0b:09 brd ff:ff:ff:ff:ff:ff link-netns a',
      '4: veth0@veth1: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default qlen 1000',
      '    link/ether 02:00:00:00:0b:02 brd ff:ff:ff:ff:ff:ff',
      '    inet 10.0.5.1/30 scope global veth0',
      '       valid_lft forever preferred_lft forever',
      '5: veth1@veth0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default qlen 1000',
      '    link/ether 02:00:00:00:0b:03 brd ff:ff:ff:ff:ff:ff',
      '    inet 10.0.5.2/30 scope global veth1',
      '       valid_lft forever preferred_lft forever',
      '6: veth2@veth3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP group default qlen 1000',
      '    link/ether 02:00:00:00:0b:04 brd ff:ff:ff:ff:ff:ff',
      '    inet 10.0.6.1/32 scope global veth2',
      '       valid_lft forever preferred_lft forever',
      '7: veth3@veth2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000',
      '    link/ether 02:00:00:00:0b:05 brd ff:ff:ff:ff:ff:ff',
      '    inet 10.0.9.1/24 scope host veth3',
      '       valid_lft forever preferred_lft forever',
      '    inet 10.0.7.1/24 scope link veth3',
      '       valid_lft forever preferred_lft forever',
      '    inet 10.0.8.1/24 scope global veth3',
      '       valid_lft forever preferred_lft forever',
    ));
  });
});

describe('ifaList', () => {
  it('orders primaries by scope, host first, and keeps secondaries last', () => {
    const dev = netns(pair, 'b').device('veth3');
    expect(dev && ifaList(dev).map((a) => a.scope)).toEqual([254, 253, 0]);
    const eth0 = netns(pair, 'a').device('eth0');
    expect(eth0 && ifaList(eth0).map((a) => a.secondary)).toEqual([false, false, true]);
  });
});
