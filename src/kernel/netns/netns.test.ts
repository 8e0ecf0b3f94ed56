// The routes an address brings and the sysctl side effects, as measured in real namespaces on kernel 6.18
// (`ip route show table all`, `sysctl`).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWorld } from './build-world.js';
import type { AddrSpec, LinkSpec, NetnsSpec } from './world-spec.js';
import { Sysctls } from './sysctls.js';
import type { Netns } from './netns.js';
import { describeRoute } from '../route/route-text.js';
import { routeGet } from '../route/route-get.js';
import { addr, ip, ns } from '../../../test/support/specs.js';

function link(name: string, peer: string, addresses: string[], extra: Partial<LinkSpec> = {}): LinkSpec {
  return { name, type: 'veth', peer: { netns: 'n', dev: peer }, addresses: addresses.map((a): AddrSpec => addr(a)), ...extra };
}

/** One namespace `n` holding `links` (their veth peers inside it too, without addresses). */
function world(links: LinkSpec[], extra: Partial<NetnsSpec> = {}) {
  const peers = links.filter((l) => l.type === 'veth').map((l) => link(l.peer!.dev, l.name, []));
  return buildWorld({ name: 'netns', namespaces: [ns('n', [...links, ...peers], extra)] });
}

/** The kernel routes of `dev`, as `ip route show table all` prints them, sorted. */
function routesOf(links: LinkSpec[], dev: string): string[] {
  const n = world(links).netns('n')!;
  return [...n.fib.tables.values()].flat().filter((r) => r.dev === dev).map((r) => describeRoute(r)).sort();
}

describe('routes an address brings (fib_add_ifaddr)', () => {
  it('a /24: the local route, the link route in main with src, the subnet broadcast', () => {
    expect(routesOf([link('eth0', 'p0', ['10.0.1.2/24'])], 'eth0')).toEqual([
      '10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2',
      'broadcast 10.0.1.255 dev eth0 table local proto kernel scope link src 10.0.1.2',
      'local 10.0.1.2 dev eth0 table local proto kernel scope host src 10.0.1.2',
    ].sort());
  });

  it('the network address itself: no broadcast route for it, only for the top of the subnet', () => {
    expect(routesOf([link('eth1', 'p1', ['10.0.36.0/24'])], 'eth1')).toEqual([
      '10.0.36.0/24 dev eth1 proto kernel scope link src 10.0.36.0',
      'broadcast 10.0.36.255 dev eth1 table local proto kernel scope link src 10.0.36.0',
      'local 10.0.36.0 dev eth1 table local proto kernel scope host src 10.0.36.0',
    ].sort());
  });

  it('a /30 still gets a broadcast route (here the address is the broadcast address too)', () => {
    expect(routesOf([link('eth1', 'p1', ['10.0.33.3/30'])], 'eth1')).toEqual([
      '10.0.33.0/30 dev eth1 proto kernel scope link src 10.0.33.3',
      'broadcast 10.0.33.3 dev eth1 table local proto kernel scope link src 10.0.33.3',
      'local 10.0.33.3 dev eth1 table local proto kernel scope host src 10.0.33.3',
    ].sort());
  });

  it('a /31 gets no broadcast route, a /32 not even a link route', () => {
    expect(routesOf([link('eth1', 'p1', ['10.0.34.3/31'])], 'eth1')).toEqual([
      '10.0.34.2/31 dev eth1 proto kernel scope link src 10.0.34.3',
      'local 10.0.34.3 dev eth1 table local proto kernel scope host src 10.0.34.3',
    ]);
    expect(routesOf([link('eth1', 'p1', ['10.0.35.3/32'])], 'eth1')).toEqual([
      'local 10.0.35.3 dev eth1 table local proto kernel scope host src 10.0.35.3',
    ]);
  });

  it('a secondary address: its local route with the primary as src, and nothing else', () => {
    expect(routesOf([link('eth1', 'p1', ['10.0.3.1/24', '10.0.3.2/24', '10.0.3.3/24'])], 'eth1')).toEqual([
      '10.0.3.0/24 dev eth1 proto kernel scope link src 10.0.3.1',
      'broadcast 10.0.3.255 dev eth1 table local proto kernel scope link src 10.0.3.1',
      'local 10.0.3.1 dev eth1 table local proto kernel scope host src 10.0.3.1',
      'local 10.0.3.2 dev eth1 table local proto kernel scope host src 10.0.3.1',
      'local 10.0.3.3 dev eth1 table local proto kernel scope host src 10.0.3.1',
    ].sort());
    const eth1 = world([link('eth1', 'p1', ['10.0.3.1/24', '10.0.3.2/24', '10.0.4.1/24'])]).netns('n')!.device('eth1')!;
    expect(eth1.addrs.map((a) => a.secondary)).toEqual([false, true, false]);
  });

  it('lo: 127.0.0.0/8 is a local route in table local, with 127.0.0.1 and its broadcast', () => {
    expect(routesOf([], 'lo')).toEqual([
      'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1',
      'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
      'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
    ]);
    const n = world([]);
    expect(routeGet(n, 'n', ip('127.3.4.5'))).toEqual({ ok: true, text: 'local 127.3.4.5 dev lo src 127.0.0.1 uid 0\n    cache <local>' });
  });

  it('a device that is down keeps only the local route, and its address stays reachable here', () => {
    const links = [link('d0', 'd1', ['10.55.0.1/24'], { up: false })];
    expect(routesOf(links, 'd0')).toEqual(['local 10.55.0.1 dev d0 table local proto kernel scope host src 10.55.0.1']);
    const w = world(links);
    expect(routeGet(w, 'n', ip('10.55.0.1'))).toEqual({ ok: true, text: 'local 10.55.0.1 dev lo src 10.55.0.1 uid 0\n    cache <local>' });
    expect(routeGet(w, 'n', ip('10.55.0.7'))).toEqual({ ok: false, error: 'RTNETLINK answers: Network is unreachable' });
  });
});

describe('sysctl propagation', () => {
  const links = [link('eth0', 'p0', ['10.0.1.2/24']), link('eth1', 'p1', [])];
  const sysctl = (extra: Record<string, number>, key: string): number => world(links, { sysctls: extra }).netns('n')!.sysctls.get(key);

  it('net.ipv4.ip_forward=1 sets forwarding on all, default and every device, and clears all.accept_redirects', () => {
    const s = world(links, { sysctls: { 'net.ipv4.ip_forward': 1 } }).netns('n')!.sysctls;
    for (const dev of ['all', 'default', 'lo', 'eth0', 'eth1', 'p0', 'p1']) expect(s.get(`net.ipv4.conf.${dev}.forwarding`)).toBe(1);
    expect(s.forwarding('eth1')).toBe(true);
    expect(s.get('net.ipv4.conf.all.accept_redirects')).toBe(0);
    expect(s.get('net.ipv4.conf.eth0.accept_redirects')).toBe(1);
  });

  it('conf.all.forwarding is the same knob as ip_forward', () => {
    expect(sysctl({ 'net.ipv4.conf.all.forwarding': 1 }, 'net.ipv4.ip_forward')).toBe(1);
    expect(sysctl({ 'net.ipv4.conf.all.forwarding': 1 }, 'net.ipv4.conf.eth1.forwarding')).toBe(1);
  });

  it('a device\'s own forwarding changes only that device; default.forwarding changes no existing device', () => {
    const n = world(links, { sysctls: { 'net.ipv4.ip_forward': 1 } }).netns('n')!;
    n.sysctls.set('net.ipv4.conf.eth0.forwarding', 0, n.deviceNames());
    n.sysctls.set('net.ipv4.conf.default.forwarding', 0, n.deviceNames());
    expect([n.sysctls.forwarding('eth0'), n.sysctls.forwarding('eth1'), n.sysctls.get('net.ipv4.ip_forward')]).toEqual([false, true, 1]);
  });

  it('in a scenario, default.forwarding=0 after ip_forward=1 leaves the devices created later not forwarding', () => {
    const s = world(links, { sysctls: { 'net.ipv4.ip_forward': 1, 'net.ipv4.conf.default.forwarding': 0 } }).netns('n')!.sysctls;
    expect([s.get('net.ipv4.ip_forward'), s.forwarding('eth0'), s.forwarding('lo')]).toEqual([1, false, true]);
  });

  it('a scenario\'s conf.default.X is written before its devices exist: they all start from it, lo does not', () => {
    const s = world(links, { sysctls: { 'net.ipv4.conf.default.rp_filter': 2 } }).netns('n')!.sysctls;
    for (const dev of ['eth0', 'eth1', 'p0', 'p1']) expect(s.get(`net.ipv4.conf.${dev}.rp_filter`)).toBe(2);
    expect(s.get('net.ipv4.conf.lo.rp_filter')).toBe(0);
  });

  it('conf.default.X written later reaches only the devices that never had an address (measured)', () => {
    const n = world(links).netns('n')!;
    n.sysctls.set('net.ipv4.conf.default.rp_filter', 2, n.deviceNames());
    expect(n.sysctls.get('net.ipv4.conf.eth1.rp_filter')).toBe(2);
    expect(n.sysctls.get('net.ipv4.conf.p0.rp_filter')).toBe(2);
    expect(n.sysctls.get('net.ipv4.conf.eth0.rp_filter')).toBe(0);
    expect(n.sysctls.get('net.ipv4.conf.lo.rp_filter')).toBe(0);
  });

  it('conf.default.X spares a device that set X itself, and a device created later starts from it', () => {
    const s = new Sysctls();
    s.addDevice('eth0');
    s.addDevice('eth1');
    s.set('net.ipv4.conf.eth0.accept_local', 0, ['eth0', 'eth1']);
    s.set('net.ipv4.conf.default.accept_local', 1, ['eth0', 'eth1']);
    expect([s.get('net.ipv4.conf.eth0.accept_local'), s.get('net.ipv4.conf.eth1.accept_local')]).toEqual([0, 1]);
    s.addDevice('eth2');
    expect(s.get('net.ipv4.conf.eth2.accept_local')).toBe(1);
  });

  it('rp_filter is the maximum of all and the device; orConf is either', () => {
    const s = world(links, { sysctls: { 'net.ipv4.conf.all.rp_filter': 1, 'net.ipv4.conf.eth0.rp_filter': 2, 'net.ipv4.conf.eth0.accept_local': 1 } })
      .netns('n')!.sysctls;
    expect([s.rpFilter('eth0'), s.rpFilter('eth1')]).toEqual([2, 1]);
    expect([s.orConf('eth0', 'accept_local'), s.orConf('eth1', 'accept_local')]).toEqual([true, false]);
  });
});

describe('sysctl reads by device and setting', () => {
  it('conf() and neigh() read what get() reads, and follow writes after a first read', () => {
    const s = new Sysctls();
    s.addDevice('eth0');
    expect(s.conf('eth0', 'rp_filter')).toBe(s.get('net.ipv4.conf.eth0.rp_filter'));
    expect(s.forwarding('eth0')).toBe(false);
    s.set('net.ipv4.ip_forward', 1, ['eth0']);
    expect(s.forwarding('eth0')).toBe(true);
    expect(s.conf('eth0', 'forwarding')).toBe(1);
    s.set('net.ipv4.conf.all.rp_filter', 2, ['eth0']);
    expect(s.rpFilter('eth0')).toBe(2);
    s.set('net.ipv4.neigh.eth0.retrans_time_ms', 250, ['eth0']);
    expect(s.neigh('eth0', 'retrans_time_ms')).toBe(250);
    expect(s.neigh('eth0', 'retrans_time')).toBe(s.get('net.ipv4.neigh.eth0.retrans_time'));
  });

  it('derived() values are dropped by any write', () => {
    const s = new Sysctls();
    s.addDevice('eth0');
    let n = 0;
    const read = (): number => s.derived('probe', 'eth0', () => ++n, null);
    expect(read()).toBe(1);
    expect(read()).toBe(1);
    s.set('net.ipv4.conf.default.arp_ignore', 1, ['eth0']);
    expect(read()).toBe(2);
    s.addDevice('eth1');
    expect(read()).toBe(3);
  });
});

describe('inputConf(): the input route\'s reads, kept per device', () => {
  it('reads what forwarding(), rpFilter() and orConf() read, after any sequence of writes', () => {
    const keys = ['net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.default.accept_local',
      'net.ipv4.conf.all.route_localnet', 'net.ipv4.conf.eth0.send_redirects', 'net.ipv4.conf.all.send_redirects', 'net.ipv4.conf.eth0.forwarding'];
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...keys), fc.nat(2)), { maxLength: 12 }), (writes) => {
      const s = new Sysctls();
      s.addDevice('eth0');
      const same = (): void => expect(s.inputConf('eth0')).toEqual({
        forwarding: s.forwarding('eth0'), rpFilter: s.rpFilter('eth0'), acceptLocal: s.orConf('eth0', 'accept_local'),
        routeLocalnet: s.orConf('eth0', 'route_localnet'), sendRedirects: s.orConf('eth0', 'send_redirects'),
      });
      same();
      for (const [k, v] of writes) {
        s.set(k, k.endsWith('rp_filter') ? v : Math.min(v, 1), ['eth0']);
        same();
      }
    }), { numRuns: 200, seed: 1104 });
  });
});

describe('ownsAddr(): the address index', () => {
  /** The walk the index stands for: the first device, in device order, holding the address. */
  const walk = (n: Netns, a: number) => [...n.devices.values()].find((d) => d.addrs.some((x) => x.addr === a));

  it('answers as a walk over the devices after any sequence of address additions and removals', () => {
    const pool = [ip('10.0.0.1'), ip('10.0.0.2'), ip('10.0.1.1'), ip('192.168.9.200'), ip('10.0.0.129')];
    const op = fc.record({ add: fc.boolean(), dev: fc.constantFrom('a', 'b', 'c'), addr: fc.constantFrom(...pool), len: fc.constantFrom(24, 25, 32) });
    fc.assert(fc.property(fc.array(op, { maxLength: 30 }), fc.boolean(), (ops, promote) => {
      const n = world([link('a', 'pa', []), link('b', 'pb', []), link('c', 'pc', [])], { sysctls: { 'net.ipv4.conf.all.promote_secondaries': promote ? 1 : 0 } }).netns('n')!;
      for (const o of ops) {
        const dev = n.device(o.dev)!;
        if (o.add) n.addAddress(dev, o.addr, o.len, 0);
        else n.removeAddress(dev, o.addr, null);
        for (const a of pool) expect(n.ownsAddr(a)).toBe(walk(n, a));
      }
    }), { numRuns: 300, seed: 1102 });
  });
});
