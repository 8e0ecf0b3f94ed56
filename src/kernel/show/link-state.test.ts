// The states below were checked on Linux 6.18 (iproute2 6.1); the printers' tests compare whole dumps.

import { describe, expect, it } from 'vitest';
import { buildWorld } from '../index.js';
import type { NetDevice, WorldSpec } from '../index.js';
import { ns, veth } from '../../../test/support/specs.js';
import { carrierOk, linkFlags, operState } from './link-state.js';

function devices(spec: WorldSpec): (where: string) => NetDevice {
  const world = buildWorld(spec);
  return (where) => {
    const [n, d] = where.split('/');
    const dev = world.netns(n)?.device(d);
    if (!dev) throw new Error(`no ${where}`);
    return dev;
  };
}

describe('carrierOk on a bridge', () => {
  const dev = devices({
    name: 'bridges',
    namespaces: [ns('h', [
      { name: 'fwd', type: 'bridge', addresses: [] },
      { ...veth('p0', 'h/p1'), master: 'fwd' },
      veth('p1', 'h/p0'),
      { name: 'dead', type: 'bridge', addresses: [] },
      { ...veth('p2', 'h/p3'), master: 'dead' },
      { ...veth('p3', 'h/p2'), up: false },
      { name: 'pinned', type: 'bridge', addresses: [], mac: '02:00:00:00:00:01' },
      { name: 'fresh', type: 'bridge', addresses: [] },
    ])],
  });

  it('follows its forwarding ports once it has ports', () => {
    expect(carrierOk(dev('h/fwd'))).toBe(true);
    expect(carrierOk(dev('h/dead'))).toBe(false);
    expect([operState(dev('h/fwd')), operState(dev('h/dead'))]).toEqual(['UP', 'DOWN']);
  });

  it('has none without ports once its MAC was pinned, and keeps it, UNKNOWN, otherwise', () => {
    expect([carrierOk(dev('h/pinned')), operState(dev('h/pinned')), linkFlags(dev('h/pinned'))]).toEqual([false, 'DOWN', '<NO-CARRIER,BROADCAST,MULTICAST,UP>']);
    expect([carrierOk(dev('h/fresh')), operState(dev('h/fresh')), linkFlags(dev('h/fresh'))]).toEqual([true, 'UNKNOWN', '<BROADCAST,MULTICAST,UP,LOWER_UP>']);
  });
});

describe('operState of a veth without carrier', () => {
  it('is LOWERLAYERDOWN with its down peer in the same namespace, and flags M-DOWN', () => {
    const dev = devices({ name: 's', namespaces: [ns('h', [veth('a', 'h/b'), { ...veth('b', 'h/a'), up: false }])] });
    expect(operState(dev('h/a'))).toBe('LOWERLAYERDOWN');
    expect(linkFlags(dev('h/a'))).toBe('<NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>');
    expect([operState(dev('h/b')), linkFlags(dev('h/b'))]).toEqual(['DOWN', '<BROADCAST,MULTICAST>']);
  });

  it('is DOWN when its peer in another namespace has the same ifindex, without M-DOWN', () => {
    const dev = devices({ name: 'x', namespaces: [ns('p', [veth('e0', 'q/e0')]), ns('q', [{ ...veth('e0', 'p/e0'), up: false }])] });
    expect([operState(dev('p/e0')), linkFlags(dev('p/e0'))]).toEqual(['DOWN', '<NO-CARRIER,BROADCAST,MULTICAST,UP>']);
  });

  // Captured with brx's MAC pinned before the veth was created, so brx never had carrier when linkwatch looked:
  //   3: e0@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state LOWERLAYERDOWN ...
  it('looks the peer ifindex up in its own namespace: LOWERLAYERDOWN when that device has no carrier', () => {
    const spec: WorldSpec = {
      name: 'y',
      namespaces: [
        ns('p', [{ name: 'brx', type: 'bridge', addresses: [], mac: '02:00:00:00:0d:01' }, veth('e0', 'q/e0')]),
        ns('q', [{ ...veth('e0', 'p/e0'), up: false }]),
      ],
    };
    const dev = devices(spec);
    expect([dev('p/e0').ifindex, dev('q/e0').ifindex]).toEqual([3, 2]);
    expect(operState(dev('p/e0'))).toBe('LOWERLAYERDOWN');
  });
});

describe('linkFlags', () => {
  it('names loopback and dummy devices by their own flags', () => {
    const dev = devices({ name: 'd', namespaces: [ns('h', [{ name: 'd0', type: 'dummy', addresses: [] }])] });
    expect(linkFlags(dev('h/lo'))).toBe('<LOOPBACK,UP,LOWER_UP>');
    expect(linkFlags(dev('h/d0'))).toBe('<BROADCAST,NOARP,UP,LOWER_UP>');
    expect(operState(dev('h/d0'))).toBe('UNKNOWN');
  });
});
