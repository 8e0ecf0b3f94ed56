import { describe, expect, it } from 'vitest';

import type { LinkSpec, NetnsSpec, WorldSpec } from '../kernel/netns/world-spec.js';
import { parseRoute } from '../kernel/route/route-syntax.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import { isPerDeviceSysctl, listenerCommands, listenerPidFile, realizeCommands, renderRealizeScript, shq } from './realize.js';

function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

function route(text: string) {
  const r = parseRoute(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function netns(name: string, links: LinkSpec[], more: Partial<NetnsSpec> = {}): NetnsSpec {
  return { name, sysctls: {}, links, routes: [], rules: [], neigh: [], fdb: [], listen: [], ...more };
}

const world: WorldSpec = {
  name: 'small',
  namespaces: [
    netns('left', [{ name: 'eth0', type: 'veth', peer: { netns: 'router', dev: 'eth0' }, addresses: [{ addr: ip('10.0.1.2'), len: 24 }] }], {
      routes: [route('default via 10.0.1.1 dev eth0')],
    }),
    netns('router', [
      { name: 'eth0', type: 'veth', peer: { netns: 'left', dev: 'eth0' }, addresses: [{ addr: ip('10.0.1.1'), len: 24 }], mtu: 1400 },
      { name: 'vx0', type: 'vxlan', addresses: [], vxlan: { id: 1, dstport: 8472, local: ip('10.0.1.1'), dev: 'eth0', learning: false } },
      { name: 'br0', type: 'bridge', addresses: [{ addr: ip('10.0.3.1'), len: 24 }], ageingTime: 30, mtu: 1300 },
      { name: 'p0', type: 'veth', peer: { netns: 'router', dev: 'p1' }, addresses: [], master: 'br0', hairpin: true, mac: '02:00:00:00:00:01' },
      { name: 'p1', type: 'veth', peer: { netns: 'router', dev: 'p0' }, addresses: [], up: false },
    ], {
      sysctls: { 'net.ipv4.conf.eth0.rp_filter': 1, 'net.ipv4.ip_forward': 1 },
      routes: [route('10.0.9.0/24 via 10.0.1.2 dev eth0 table 100'), { ...route('10.0.8.0/24 dev br0'), table: 200 }],
      rules: [{ text: 'from 10.0.3.0/24 lookup 100', not: false, action: 'lookup', table: 100 }],
      neigh: [{ text: '10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0 nud permanent', addr: ip('10.0.1.9'), lladdr: '02:00:00:00:00:09', dev: 'eth0', nud: 'permanent' }],
      fdb: [
        { text: '00:00:00:00:00:00 dev vx0 dst 10.0.1.9 self permanent', mac: '00:00:00:00:00:00', dev: 'vx0', dst: ip('10.0.1.9'), self: true, permanent: true },
        { text: '00:00:00:00:00:00 dev vx0 dst 10.0.1.8 self permanent', mac: '00:00:00:00:00:00', dev: 'vx0', dst: ip('10.0.1.8'), self: true, permanent: true },
        { text: '02:00:00:00:00:07 dev p0 static', mac: '02:00:00:00:00:07', dev: 'p0', self: false, permanent: false },
      ],
      iptables: '*nat\n-A POSTROUTING -s 10.0.1.0/24 -o eth1 -j MASQUERADE\nCOMMIT\n',
    }),
  ],
};

describe('realizeCommands', () => {
  it('builds the world in kernel order, every namespace prefixed', () => {
    const { up, down } = realizeCommands(world, 't1-', { baselineSysctls: { 'net.ipv4.conf.all.rp_filter': 0, 'net.ipv4.ip_forward': 0 } });
    expect(up).toEqual([
      'ip netns add t1-left',
      'ip netns add t1-router',
      'ip -n t1-left link set lo up',
      'ip netns exec t1-left sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.ip_forward=0',
      'ip -n t1-router link set lo up',
      // The namespace's own ip_forward replaces the baseline's; the per-device key waits for its device.
      'ip netns exec t1-router sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.ip_forward=1',
      'ip -n t1-left link add eth0 type veth peer name eth0 netns t1-router',
      'ip -n t1-router link add br0 type bridge ageing_time 3000',
      'ip -n t1-router link add p0 type veth peer name p1',
      'ip -n t1-router link set dev eth0 mtu 1400',
      'ip -n t1-router link set dev p0 address 02:00:00:00:00:01',
      // After its underlay's MTU, from which the kernel derives its own.
      'ip -n t1-router link add vx0 type vxlan id 1 dstport 8472 local 10.0.1.1 dev eth0 nolearning',
      'ip -n t1-router link set dev p0 master br0',
      'bridge -n t1-router link set dev p0 hairpin on',
      'ip -n t1-router link set dev br0 mtu 1300',
      'ip netns exec t1-router sysctl -qw net.ipv4.conf.eth0.rp_filter=1',
      'ip -n t1-left link set dev eth0 up',
      'ip -n t1-router link set dev eth0 up',
      'ip -n t1-router link set dev vx0 up',
      'ip -n t1-router link set dev br0 up',
      'ip -n t1-router link set dev p0 up',
      'ip -n t1-left addr add 10.0.1.2/24 dev eth0',
      'ip -n t1-router addr add 10.0.1.1/24 dev eth0',
      'ip -n t1-router addr add 10.0.3.1/24 dev br0',
      'ip -n t1-left route add default via 10.0.1.1 dev eth0',
      'ip -n t1-router route add 10.0.9.0/24 via 10.0.1.2 dev eth0 table 100',
      // A table the text does not say is added.
      'ip -n t1-router route add 10.0.8.0/24 dev br0 table 200',
      'ip -n t1-router rule add from 10.0.3.0/24 lookup 100',
      'ip -n t1-router neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0 nud permanent',
      'bridge -n t1-router fdb add 00:00:00:00:00:00 dev vx0 dst 10.0.1.9 self permanent',
      'bridge -n t1-router fdb append 00:00:00:00:00:00 dev vx0 dst 10.0.1.8 self permanent',
      'bridge -n t1-router fdb add 02:00:00:00:00:07 dev p0 static master',
      "ip netns exec t1-router iptables-restore -w 5 <<'PACKETWALK_IPTABLES_EOF'\n*nat\n-A POSTROUTING -s 10.0.1.0/24 -o eth1 -j MASQUERADE\nCOMMIT\nPACKETWALK_IPTABLES_EOF",
    ]);
    expect(down).toEqual(['ip netns del t1-left', 'ip netns del t1-router']);
  });

  it('creates each veth pair once, from the end listed first', () => {
    const { up } = realizeCommands(world, 'x-');
    expect(up.filter((c) => c.includes('type veth'))).toEqual([
      'ip -n x-left link add eth0 type veth peer name eth0 netns x-router',
      'ip -n x-router link add p0 type veth peer name p1',
    ]);
  });

  it('can stand a NOARP veth into a sink namespace in for a dummy', () => {
    const withDummy: WorldSpec = {
      name: 'd',
      namespaces: [netns('client', [{ name: 'dummy0', type: 'dummy', addresses: [{ addr: ip('10.9.9.9'), len: 32 }] }])],
    };
    expect(realizeCommands(withDummy, 'p-').up).toContain('ip -n p-client link add dummy0 type dummy');
    const { up, down } = realizeCommands(withDummy, 'p-', { dummyAsVeth: true });
    expect(up).toEqual([
      'ip netns add p-client',
      'ip netns add p-_sink',
      'ip -n p-client link set lo up',
      'ip -n p-client link add dummy0 type veth peer name d0 netns p-_sink',
      'ip -n p-client link set dev dummy0 arp off',
      'ip -n p-_sink link set dev d0 up',
      'ip -n p-client link set dev dummy0 up',
      'ip -n p-client addr add 10.9.9.9/32 dev dummy0',
    ]);
    expect(down).toEqual(['ip netns del p-client', 'ip netns del p-_sink']);
  });

  it('creates each namespace\'s ipsets inside it, before the iptables that name them', () => {
    const withSets: WorldSpec = {
      name: 's',
      namespaces: [netns('fw', [], {
        ipsets: [
          { name: 'blocked', type: 'hash:net', members: ['10.0.0.0/16', '192.168.1.7'] },
          { name: 'allowed', type: 'hash:ip,port', members: ['10.0.2.2,tcp:80'] },
          { name: 'empty', type: 'hash:ip', members: [] },
        ],
        iptables: '*filter\n-A FORWARD -m set --match-set blocked src -j DROP\nCOMMIT\n',
      })],
    };
    const { up } = realizeCommands(withSets, 'q-');
    expect(up.slice(2)).toEqual([
      'ip netns exec q-fw ipset create blocked hash:net',
      'ip netns exec q-fw ipset add blocked 10.0.0.0/16',
      'ip netns exec q-fw ipset add blocked 192.168.1.7',
      'ip netns exec q-fw ipset create allowed hash:ip,port',
      'ip netns exec q-fw ipset add allowed 10.0.2.2,tcp:80',
      'ip netns exec q-fw ipset create empty hash:ip',
      "ip netns exec q-fw iptables-restore -w 5 <<'PACKETWALK_IPTABLES_EOF'\n*filter\n-A FORWARD -m set --match-set blocked src -j DROP\nCOMMIT\nPACKETWALK_IPTABLES_EOF",
    ]);
  });

  it('quotes what the shell would otherwise split', () => {
    expect(shq('eth0')).toBe('eth0');
    expect(shq("a b'c")).toBe(`'a b'\\''c'`);
  });

  it('tells device sysctls from namespace-wide ones', () => {
    expect(isPerDeviceSysctl('net.ipv4.conf.eth0.rp_filter')).toBe(true);
    expect(isPerDeviceSysctl('net.ipv4.neigh.eth0.mcast_solicit')).toBe(true);
    expect(isPerDeviceSysctl('net.ipv4.conf.all.rp_filter')).toBe(false);
    expect(isPerDeviceSysctl('net.ipv4.conf.default.rp_filter')).toBe(false);
    expect(isPerDeviceSysctl('net.bridge.bridge-nf-call-iptables')).toBe(false);
  });
});

describe('renderRealizeScript', () => {
  it('wraps the commands in up and down functions that undo a failed up', () => {
    const script = renderRealizeScript(world, 't1-');
    expect(script.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(script).toContain('set -euo pipefail\n');
    expect(script).toContain('\ndown() {\n  ip netns del t1-left 2>/dev/null || true\n  ip netns del t1-router 2>/dev/null || true\n}\n');
    expect(script).toContain('\nup() {\n  ip netns add t1-left\n');
    expect(script).toMatch(/trap '.*down.*' ERR/);
    // The heredoc delimiter stays at the start of its line inside the indented function.
    expect(script).toContain('\nCOMMIT\nPACKETWALK_IPTABLES_EOF\n');
  });

  it('starts the listeners last and stops exactly them before deleting the namespaces', () => {
    const listening: WorldSpec = {
      name: 'l',
      namespaces: [netns('srv', [], {
        listen: [{ proto: 'tcp', port: 8080, addr: 0 }, { proto: 'udp', port: 53, addr: ip('10.0.0.1') }],
      })],
    };
    const pids = '/run/packetwalk/l1-listeners.pids';
    expect(listenerPidFile('l1-')).toBe(pids);
    const { up, down } = listenerCommands(listening, 'l1-');
    expect(up[0]).toBe('mkdir -p /run/packetwalk');
    expect(up.slice(1).map((c) => c.replace(/-c '[^']*'/, "-c 'PROGRAM'"))).toEqual([
      "ip netns exec l1-srv python3 -c 'PROGRAM' 0.0.0.0 8080 </dev/null >/dev/null 2>&1 &",
      `echo $! >>${pids}`,
      'await_listener l1-srv tcp 8080 $!',
      "ip netns exec l1-srv python3 -c 'PROGRAM' 10.0.0.1 53 </dev/null >/dev/null 2>&1 &",
      `echo $! >>${pids}`,
      'await_listener l1-srv udp 53 $!',
    ]);
    expect(up[1]).toContain('s.accept()[0].close()');
    expect(up[4]).toContain('s.sendto(data, peer)');
    expect(down).toEqual([`stop_listeners ${pids}`]);
    // The verify library opens its own sockets: realizeCommands() does not start any.
    expect(realizeCommands(listening, 'l1-').up.join('\n')).not.toContain('python3');

    const script = renderRealizeScript(listening, 'l1-');
    expect(script).toContain('python3 for the listeners');
    expect(script).toContain(`\ndown() {\n  stop_listeners ${pids} 2>/dev/null || true\n  ip netns del l1-srv 2>/dev/null || true\n}\n`);
    expect(script).toContain("\n  ip netns exec l1-srv python3 -c '\nimport socket, sys\n");
    expect(script).toContain('\nstop_listeners() {\n');
    expect(script).toContain('  for p in $pids; do kill "$p" 2>/dev/null || true; done\n');
    expect(script).toContain('kill -9 "$p"');
    expect(script).toContain('  rm -f "$1"\n');
    expect(renderRealizeScript(world, 't1-')).not.toContain('listener');
  });
});

describe('realize: multipath routes', () => {
  it('puts an implied table before the nexthops, where ip route add reads route options', () => {
    const r = { ...route('10.9.0.0/24 nexthop via 10.0.1.1 dev eth0 nexthop via 10.0.2.1 dev eth1'), table: 100 };
    const spec: WorldSpec = { name: 'mp', namespaces: [netns('r', [], { routes: [r] })] };
    const up = realizeCommands(spec, 'pw-t-').up.join('\n');
    expect(up).toContain('route add 10.9.0.0/24 table 100 nexthop via 10.0.1.1 dev eth0 nexthop via 10.0.2.1 dev eth1');
  });
});
