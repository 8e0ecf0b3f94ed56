// lo with more addresses, printed as Linux 6.18 prints them after `ip link set lo up` and
// `ip addr add 10.9.9.9/32 dev lo`, `10.8.0.1/24`, `127.0.0.2/8`, `192.168.7.1/24 scope link` (measured).
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import { addr, ns } from '../../../test/support/specs.js';
import { showAddr } from './ip-addr.js';
import { showRoute } from './ip-route.js';

const world = buildWorld({
  name: 'lo',
  namespaces: [ns('a', [{
    name: 'lo', type: 'loopback', addresses: [
      { ...addr('10.9.9.9/32'), scope: 'global' }, { ...addr('10.8.0.1/24'), scope: 'global' },
      { ...addr('127.0.0.2/8'), scope: 'host' }, { ...addr('192.168.7.1/24'), scope: 'link' },
    ],
  }])],
});
const a = world.netns('a')!;

describe('addresses on lo', () => {
  it('ip addr: host scope first, then link, then global, the secondary last', () => {
    expect(showAddr(a)).toBe([
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '    inet 127.0.0.1/8 scope host lo',
      '       valid_lft forever preferred_lft forever',
      '    inet 192.168.7.1/24 scope link lo',
      '       valid_lft forever preferred_lft forever',
      '    inet 10.9.9.9/32 scope global lo',
      '       valid_lft forever preferred_lft forever',
      '    inet 10.8.0.1/24 scope global lo',
      '       valid_lft forever preferred_lft forever',
      '    inet 127.0.0.2/8 scope host secondary lo',
      '       valid_lft forever preferred_lft forever',
      '',
    ].join('\n'));
  });

  it('ip route show table local: a subnet on lo is a local route, with its broadcast; nothing in main', () => {
    expect(showRoute(a, 'local')).toBe([
      'local 10.8.0.0/24 dev lo proto kernel scope host src 10.8.0.1 ',
      'local 10.8.0.1 dev lo proto kernel scope host src 10.8.0.1 ',
      'broadcast 10.8.0.255 dev lo proto kernel scope link src 10.8.0.1 ',
      'local 10.9.9.9 dev lo proto kernel scope host src 10.9.9.9 ',
      'local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 ',
      'local 127.0.0.2 dev lo proto kernel scope host src 127.0.0.1 ',
      'broadcast 127.255.255.255 dev lo proto kernel scope link src 127.0.0.1 ',
      'local 192.168.7.0/24 dev lo proto kernel scope host src 192.168.7.1 ',
      'local 192.168.7.1 dev lo proto kernel scope host src 192.168.7.1 ',
      'broadcast 192.168.7.255 dev lo proto kernel scope link src 192.168.7.1 ',
      '',
    ].join('\n'));
    expect(showRoute(a, 'main')).toBe('');
  });
});
