// Expected outputs are `ip link` captured from Linux 6.18 with iproute2 6.1, after the oracle's
// realizeCommands() built the same spec in namespaces prefixed `pwshow-<world>-` (the prefix is cut from
// `link-netns`). Same-namespace veth pairs were created from their second end, which gives the spec's
// ifindexes: the kernel registers the peer first (veth_newlink()), while the model numbers in spec order.

import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../index.js';
import { ns } from '../../../test/support/specs.js';
import { CAPTURED_BRY_MAC, bridgesWorld, netnsOf, portlessWorld, text, vxlanWorld } from './testdata/worlds.js';
import { devicesByIfindex, showLink } from './ip-link.js';

const bridges = bridgesWorld();
const portless = portlessWorld;
const vxlans = vxlanWorld();
const netns = netnsOf;

describe('showLink', () => {
  it('prints bridges in every carrier state, their ports with master, and same-namespace pairs', () => {
    expect(showLink(netns(bridges, 'host'))).toBe(text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:00 brd ff:ff:ff:ff:ff:ff',
      '3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff link-netns c1',
      '4: eth1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:02 brd ff:ff:ff:ff:ff:ff link-netns c2',
      '5: br1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:04 brd ff:ff:ff:ff:ff:ff',
      '6: eth2@eth3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br1 state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:05 brd ff:ff:ff:ff:ff:ff',
      '7: eth3@eth2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br1 state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:04 brd ff:ff:ff:ff:ff:ff',
      '8: br2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:0b brd ff:ff:ff:ff:ff:ff',
      '9: br3: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:0c brd ff:ff:ff:ff:ff:ff',
      '10: eth4@eth5: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue master br3 state LOWERLAYERDOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:06 brd ff:ff:ff:ff:ff:ff',
      '11: eth5@eth4: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:01:07 brd ff:ff:ff:ff:ff:ff',
    ));
  });

  it('prints the other side of a bridge port with its peer ifindex and namespace', () => {
    expect(showLink(netns(bridges, 'c1'))).toBe(text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: eth0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0c:01 brd ff:ff:ff:ff:ff:ff link-netns host',
    ));
  });

  it('says DOWN for a veth without carrier whose peer has its ifindex, and UNKNOWN for a bridge never without carrier', () => {
    const p = netns(portless, 'p');
    const expected = text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: eth0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0d:02 brd ff:ff:ff:ff:ff:ff link-netns q',
      '3: brx: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0d:01 brd ff:ff:ff:ff:ff:ff',
      '4: bry: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/ether ae:73:dd:11:69:d3 brd ff:ff:ff:ff:ff:ff',
    );
    expect(showLink(p)).toBe(expected.replace(CAPTURED_BRY_MAC, p.world.macFor('p', 'bry')));
    expect(showLink(netns(portless, 'q'))).toBe(text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: eth0@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0d:03 brd ff:ff:ff:ff:ff:ff link-netns p',
    ));
  });

  // Model difference: build-world gives every vxlan device 1450 unless `mtu` is set; Linux derives 1450
  // from the underlay (`dev`) only, and uses 1500 without one (vxlan_config_apply()).
  it('gives a vxlan device without an underlay the Ethernet MTU', () => {
    expect(showLink(netns(vxlans, 'v'))).toBe(text(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: vx1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0e:02 brd ff:ff:ff:ff:ff:ff',
      '3: vx2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0e:03 brd ff:ff:ff:ff:ff:ff',
    ));
  });

  it('prints a dummy device as dummy_setup() flags it (not captured: no dummy driver on the capture host)', () => {
    const spec: WorldSpec = {
      name: 'dummy',
      namespaces: [ns('d', [
        { name: 'dummy0', type: 'dummy', addresses: [], mac: '02:00:00:00:0f:01' },
        { name: 'dummy1', type: 'dummy', addresses: [], mac: '02:00:00:00:0f:02', up: false },
      ])],
    };
    expect(showLink(netns(spec, 'd')).split('\n').slice(2, 6)).toEqual([
      '2: dummy0: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0f:01 brd ff:ff:ff:ff:ff:ff',
      '3: dummy1: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether 02:00:00:00:0f:02 brd ff:ff:ff:ff:ff:ff',
    ]);
  });
});

describe('devicesByIfindex', () => {
  it('lists devices by ifindex, loopback first', () => {
    expect(devicesByIfindex(netns(bridges, 'host')).map((d) => d.ifindex)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });
});
