// Traces through a Linux bridge: hosts a, b and c (10.5.0.1-3/24) plug into br0 in namespace `sw` through
// ports pa, pb and pc.
import { describe, expect, it } from 'vitest';
import type { LinkSpec, NeighSpec, WorldSpec } from '../netns/world-spec.js';
import { runTrace } from '../../trace/run-trace.js';
import type { Hop, Leg } from '../../trace/model.js';
import { addr, ip, ns } from '../../../test/support/specs.js';

const MAC = { a: '02:00:00:00:0a:01', b: '02:00:00:00:0b:01', c: '02:00:00:00:0c:01' } as const;
type Host = keyof typeof MAC;

function port(name: string, host: Host, extra: Partial<LinkSpec>): LinkSpec {
  return { name, type: 'veth', peer: { netns: host, dev: 'eth0' }, addresses: [], master: 'br0', ...extra };
}

interface Options {
  ports?: Partial<Record<Host, Partial<LinkSpec>>>;
  hosts?: Partial<Record<Host, Partial<LinkSpec>>>;
  neigh?: Partial<Record<Host, NeighSpec[]>>;
  ageingTime?: number;
}

function bridged(opts: Options = {}): WorldSpec {
  const hosts: Host[] = ['a', 'b', 'c'];
  const host = (h: Host, i: number) =>
    ns(h, [{ name: 'eth0', type: 'veth', peer: { netns: 'sw', dev: `p${h}` }, addresses: [addr(`10.5.0.${i + 1}/24`)], mac: MAC[h], ...opts.hosts?.[h] }], {
      neigh: opts.neigh?.[h] ?? [],
      listen: [{ proto: 'tcp', port: 80, addr: 0 }],
    });
  const br: LinkSpec = { name: 'br0', type: 'bridge', addresses: [], ...(opts.ageingTime !== undefined ? { ageingTime: opts.ageingTime } : {}) };
  return {
    name: 'bridged',
    namespaces: [ns('sw', [br, ...hosts.map((h) => port(`p${h}`, h, opts.ports?.[h] ?? {}))]), ...hosts.map(host)],
  };
}

function permanent(addrText: string, lladdr: string): NeighSpec {
  return { text: `${addrText} lladdr ${lladdr} dev eth0 nud permanent`, addr: ip(addrText), lladdr, dev: 'eth0', nud: 'permanent' };
}

/** Bridge hops of the exchange itself: b's unicast ARP probe 5 s later (STALE -> DELAY -> PROBE) is left out. */
const bridgeHops = (leg: Leg): string[] => leg.hops.filter((h: Hop) => h.stage === 'bridge' && (h.t ?? 0) < 5000).map((h) => h.detail);

describe('bridge learning and flooding', () => {
  it('floods the first broadcast (ARP) to every other port and up the stack, then forwards from the fdb', () => {
    const t = runTrace(bridged(), { from: 'a', dst: ip('10.5.0.2'), proto: 'icmp' });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo?.netns).toBe('b');
    const hops = bridgeHops(t);
    expect(hops[0]).toBe('br0: flood ff:ff:ff:ff:ff:ff to pb, pc and up the stack');
    // b's ARP reply taught the bridge where b is; a's MAC was learned from the request.
    expect(hops).toContain(`br0: forward ${MAC.a} via pa (fdb)`);
    expect(hops).toContain(`br0: forward ${MAC.b} via pb (fdb)`);
    expect(hops.filter((h) => h.includes('flood'))).toHaveLength(1);
    expect(t.reply?.disposition).toBe('DELIVERED');
    expect(bridgeHops(t.reply!)).toEqual([`br0: forward ${MAC.a} via pa (fdb)`]);
  });

  it('records what it learned, from the frame\'s source MAC on its ingress port', () => {
    const t = runTrace(bridged(), { from: 'a', dst: ip('10.5.0.2'), proto: 'icmp' });
    const flood = t.hops.find((h) => h.stage === 'bridge')!;
    expect(flood.facts).toContain(`fdb: learned ${MAC.a} on pa`);
  });

  it('floods unknown unicast to every other port but not up the stack; the other hosts ignore it', () => {
    // a knows b's MAC already (permanent neighbour), so no ARP teaches the bridge anything first.
    const t = runTrace(bridged({ neigh: { a: [permanent('10.5.0.2', MAC.b)] } }), { from: 'a', dst: ip('10.5.0.2'), proto: 'tcp', dport: 80 });
    expect(bridgeHops(t)[0]).toBe(`br0: flood ${MAC.b} to pb, pc`);
    expect(t.hops.find((h) => h.stage === 'bridge')!.facts).toContain(`fdb: ${MAC.b} unknown`);
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo?.netns).toBe('b');
    // c got the copy too and dropped it as not addressed to it.
    expect(t.hops.some((h) => h.netns === 'c' && h.stage === 'drop' && h.detail.includes('OTHERHOST'))).toBe(true);
  });

  it('does not learn on a port with learning off, so the answer is flooded', () => {
    const t = runTrace(bridged({ ports: { a: { learning: false } } }), { from: 'a', dst: ip('10.5.0.2'), proto: 'icmp' });
    expect(t.disposition).toBe('DELIVERED');
    expect(bridgeHops(t.reply!)).toEqual([`br0: flood ${MAC.a} to pa, pc`]);
  });
});

describe('hairpin', () => {
  // a sends to a neighbour whose MAC is its own: the bridge learned that MAC on pa from this very frame.
  const selfish = { neigh: { a: [permanent('10.5.0.99', MAC.a)] } };

  it('with hairpin off drops a frame that would go back out its ingress port (BRIDGE_NO_HAIRPIN)', () => {
    const t = runTrace(bridged(selfish), { from: 'a', dst: ip('10.5.0.99'), proto: 'icmp' });
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('BRIDGE_NO_HAIRPIN');
    expect(t.hops.some((h) => h.netns === 'a' && h.stage === 'rcv')).toBe(false);
  });

  it('with hairpin on sends it back out the same port, to the sender', () => {
    const t = runTrace(bridged({ ...selfish, ports: { a: { hairpin: true } } }), { from: 'a', dst: ip('10.5.0.99'), proto: 'icmp' });
    expect(bridgeHops(t)).toEqual([`br0: forward ${MAC.a} via pa (fdb) (hairpin)`]);
    expect(t.hops.some((h) => h.netns === 'a' && h.stage === 'rcv' && h.dev === 'eth0')).toBe(true);
    expect(t.reason).not.toBe('BRIDGE_NO_HAIRPIN');
  });
});

describe('a port whose peer is down', () => {
  const cDown = bridged({ hosts: { c: { up: false } } });

  it('does not spoil a flood that other ports answer: the port has no carrier and gets nothing', () => {
    const t = runTrace(cDown, { from: 'a', dst: ip('10.5.0.2'), proto: 'icmp' });
    expect(t.disposition).toBe('DELIVERED');
    expect(bridgeHops(t)[0]).toBe('br0: flood ff:ff:ff:ff:ff:ff to pb and up the stack');
  });

  it('leaves the host behind it unresolved: ARP fails after 3 s', () => {
    const t = runTrace(cDown, { from: 'a', dst: ip('10.5.0.3'), proto: 'icmp' });
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.5.0.1' });
  });

  it('drops a frame the fdb sends to that port', () => {
    const spec = bridged({ hosts: { c: { up: false } }, neigh: { a: [permanent('10.5.0.3', MAC.c)] } });
    spec.namespaces[0].fdb = [{ text: `${MAC.c} dev pc master static`, mac: MAC.c, dev: 'pc', self: false, permanent: false }];
    const t = runTrace(spec, { from: 'a', dst: ip('10.5.0.3'), proto: 'icmp' });
    expect(t.disposition).toBe('DROPPED');
    expect(t.hops.some((h) => h.netns === 'c')).toBe(false);
  });
});

describe('static fdb entries', () => {
  it('forwards to the port a static entry names, without flooding', () => {
    const spec = bridged({ neigh: { a: [permanent('10.5.0.2', MAC.b)] } });
    spec.namespaces[0].fdb = [{ text: `${MAC.b} dev pb master static`, mac: MAC.b, dev: 'pb', self: false, permanent: false }];
    const t = runTrace(spec, { from: 'a', dst: ip('10.5.0.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('DELIVERED');
    expect(bridgeHops(t)[0]).toBe(`br0: forward ${MAC.b} via pb (fdb)`);
  });

  it('keeps frames to a permanent entry\'s MAC on the bridge itself (measured: the host behind is cut off)', () => {
    const spec = bridged({ neigh: { a: [permanent('10.5.0.2', MAC.b)] } });
    spec.namespaces[0].fdb = [{ text: `${MAC.b} dev pb master permanent`, mac: MAC.b, dev: 'pb', self: false, permanent: true }];
    const t = runTrace(spec, { from: 'a', dst: ip('10.5.0.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).not.toBe('DELIVERED');
    expect(bridgeHops(t)[0]).toBe(`br0: ${MAC.b} is the bridge's own address: up the stack`);
    expect(t.hops.some((h) => h.netns === 'b')).toBe(false);
  });
});
