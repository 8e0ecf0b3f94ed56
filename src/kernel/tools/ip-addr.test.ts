// `ip addr add|del` and `ip link set up|down`: the routes, neighbours and fdb entries that come and go, as
// measured in real namespaces (kernel 6.18).
import { describe, expect, it } from 'vitest';
import { showAddr } from '../show/ip-addr.js';
import { showNeigh } from '../show/ip-neigh.js';
import { showRoute } from '../show/ip-route.js';
import { ns, veth } from '../../../test/support/specs.js';
import type { BridgeDevice } from '../link/bridge-device.js';
import { buildWorld } from '../netns/build-world.js';
import { parseError, run, toolNetns } from './testing.js';

const eth0Routes = (text: string): string[] => text.split('\n').filter((l) => / dev eth0 /.test(l));

describe('ip addr add|del', () => {
  it('adds the address with its routes; the same address twice is refused', () => {
    const n = toolNetns();
    expect(run(n, 'ip addr add 10.0.5.1/24 dev eth0')).toEqual([]);
    expect(showRoute(n, 'all')).toContain('10.0.5.0/24 dev eth0 proto kernel scope link src 10.0.5.1 \n');
    expect(showRoute(n, 'all')).toContain('local 10.0.5.1 dev eth0 table local proto kernel scope host src 10.0.5.1 \n');
    expect(run(n, 'ip addr add 10.0.5.1/24 dev eth0')).toEqual(['Error: ipv4: Address already assigned.']);
    expect(run(n, 'ip addr add 10.0.5.1/24 dev nosuch')).toEqual(['Cannot find device "nosuch"']);
  });

  it('removing a primary removes its secondaries and, with no address left, every route through the device', () => {
    const n = toolNetns();
    run(n, 'ip addr add 10.0.1.3/24 dev eth0');
    run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1');
    expect(run(n, 'ip addr del 10.0.1.2/24 dev eth0')).toEqual([]);
    expect(showAddr(n)).not.toContain('10.0.1.3');
    expect(eth0Routes(showRoute(n, 'all'))).toEqual([]);
    expect(run(n, 'ip addr del 10.0.1.2/24 dev eth0')).toEqual(['Error: ipv4: Address not found.']);
  });

  it('with promote_secondaries the secondary becomes primary and the subnet routes take it as source', () => {
    const n = toolNetns();
    run(n, 'ip addr add 10.0.1.3/24 dev eth0');
    run(n, 'sysctl -w net.ipv4.conf.eth0.promote_secondaries=1');
    expect(run(n, 'ip addr del 10.0.1.2/24 dev eth0')).toEqual([]);
    expect(showAddr(n)).toContain('inet 10.0.1.3/24 scope global eth0\n');
    expect(eth0Routes(showRoute(n, 'all'))).toEqual([
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.3 ',
      'local 10.0.1.3 dev eth0 table local proto kernel scope host src 10.0.1.3 ',
      'broadcast 10.0.1.255 dev eth0 table local proto kernel scope link src 10.0.1.3 ',
    ]);
  });

  it('locates parse errors', () => {
    expect(parseError('ip addr add 10.0.5.1/33 dev eth0')).toBe('13: "10.0.5.1/33" is not an IPv4 address (ADDR/LEN)');
    expect(parseError('ip addr add 10.0.5.1/24')).toBe('9: Not enough information: "dev" argument is required.');
  });
});

describe('ip link set DEV up|down', () => {
  it('down removes the routes through the device but its local ones, and flushes its neighbours', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1');
    run(n, 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0');
    expect(run(n, 'ip link set eth0 down')).toEqual([]);
    expect(eth0Routes(showRoute(n, 'all'))).toEqual(['local 10.0.1.2 dev eth0 table local proto kernel scope host src 10.0.1.2 ']);
    expect(showNeigh(n)).toBe('');
  });

  it('up brings back the prefix and broadcast routes, not the routes added by hand', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1');
    run(n, 'ip link set eth0 down');
    expect(run(n, 'ip link set dev eth0 up')).toEqual([]);
    expect(eth0Routes(showRoute(n, 'all'))).toEqual([
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 ',
      'local 10.0.1.2 dev eth0 table local proto kernel scope host src 10.0.1.2 ',
      'broadcast 10.0.1.255 dev eth0 table local proto kernel scope link src 10.0.1.2 ',
    ]);
  });

  it('the peer of a veth set down keeps its routes, marked linkdown, and loses its non-permanent neighbours', () => {
    const n = toolNetns();
    run(n, 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0');
    run(n, 'ip neigh replace 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0 nud stale');
    const peer = n.world.netns('peer')!;
    run(peer, 'ip link set p0 down');
    expect(showRoute(n)).toContain('10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 linkdown \n');
    expect(showNeigh(n)).toBe('10.0.1.9 dev eth0 lladdr 02:00:00:00:00:09 PERMANENT \n');
  });

  it('a bridge port going down loses its learned fdb entries, not its static or local ones (br_fdb_delete_by_port())', () => {
    const world = buildWorld({
      name: 'bridge',
      namespaces: [
        ns('n', [{ name: 'br0', type: 'bridge', addresses: [] }, { ...veth('p1', 'n/q1'), master: 'br0' }, veth('q1', 'n/p1')], {
          fdb: [{ text: '02:00:00:00:00:02 dev p1 master static', mac: '02:00:00:00:00:02', dev: 'p1', self: false, permanent: false }],
        }),
      ],
    });
    const n = world.netns('n')!;
    const br = n.device('br0') as BridgeDevice;
    br.fdb.learn('02:00:00:00:00:01', 'p1', 0);
    expect(run(n, 'ip link set p1 down')).toEqual([]);
    expect(br.fdb.entries(0).map((e) => e.mac)).toEqual([n.device('p1')!.mac, '02:00:00:00:00:02']);
  });

  it('refuses an unknown device and locates a missing state', () => {
    expect(run(toolNetns(), 'ip link set nosuch up')).toEqual(['Cannot find device "nosuch"']);
    expect(parseError('ip link set eth0')).toBe('13: expected "up" or "down" after the device (the modelled ip link set changes)');
  });
});
