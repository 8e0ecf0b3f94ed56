// The neighbour state machine on the virtual clock, with per-device parameters, on left (10.0.1.2) --
// router (10.0.1.1 | 10.0.2.1) -- right (10.0.2.2).
import { describe, expect, it } from 'vitest';
import { buildWorld, staticEnv } from '../netns/build-world.js';
import type { NeighSpec, WorldSpec } from '../netns/world-spec.js';
import { runTrace } from '../../trace/run-trace.js';
import { runProbe } from '../../sim/probe.js';
import type { Hop, Leg } from '../../trace/model.js';
import { ip, routerWorld } from '../../../test/support/specs.js';
import { neighParms, randReachTime } from './neigh-parms.js';
import { arpRcv } from './arp.js';
import { showNeigh } from '../show/ip-neigh.js';

const arpRequests = (leg: Leg, netns: string): Hop[] =>
  leg.hops.filter((h) => h.netns === netns && h.stage === 'xmit' && (h.packet ?? '').startsWith('ARP, Request'));

function withSysctls(spec: WorldSpec, netns: string, sysctls: Record<string, number>): WorldSpec {
  return { ...spec, namespaces: spec.namespaces.map((s) => (s.name === netns ? { ...s, sysctls: { ...s.sysctls, ...sysctls } } : s)) };
}

function withNeigh(spec: WorldSpec, netns: string, n: NeighSpec): WorldSpec {
  return { ...spec, namespaces: spec.namespaces.map((s) => (s.name === netns ? { ...s, neigh: [...s.neigh, n] } : s)) };
}

const routerMac = (): string => buildWorld(routerWorld()).netns('router')!.device('eth0')!.mac;

describe('a failed resolution follows the device parameters', () => {
  it('mcast_solicit=2, retrans_time_ms=500: broadcasts at 0 and 500 ms, FAILED and EHOSTUNREACH at 1 s', () => {
    const spec = withSysctls(routerWorld(), 'left', { 'net.ipv4.neigh.eth0.mcast_solicit': 2, 'net.ipv4.neigh.eth0.retrans_time_ms': 500 });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.9'), proto: 'tcp', dport: 80 });
    expect(arpRequests(t, 'left').map((h) => h.t)).toEqual([0, 500]);
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.hops.find((h) => h.stage === 'drop')?.t).toBe(1000);
    expect(t.hops.some((h) => h.detail.includes('FAILED after 1 s: no ARP reply to 2 probes 500 ms apart'))).toBe(true);
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.0.1.2' });
  });

  it('app_solicit probes come first and put nothing on the wire (measured: the only broadcast at 600 ms)', () => {
    const spec = withSysctls(routerWorld(), 'left', {
      'net.ipv4.neigh.eth0.mcast_solicit': 1, 'net.ipv4.neigh.eth0.app_solicit': 2, 'net.ipv4.neigh.eth0.retrans_time_ms': 300,
    });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.9'), proto: 'icmp' });
    expect(arpRequests(t, 'left').map((h) => h.t)).toEqual([600]);
    expect(t.hops.filter((h) => h.detail.includes('to arpd (app_solicit)') && h.detail.includes('probe')).map((h) => h.t)).toEqual([0, 300]);
    expect(t.hops.find((h) => h.stage === 'drop')?.t).toBe(900);
  });

  it('reads retrans_time in USER_HZ: 25 is 250 ms', () => {
    const spec = withSysctls(routerWorld(), 'left', { 'net.ipv4.neigh.eth0.retrans_time': 25 });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.9'), proto: 'icmp' });
    expect(arpRequests(t, 'left').map((h) => h.t)).toEqual([0, 250, 500]);
    expect(t.hops.find((h) => h.stage === 'drop')?.t).toBe(750);
  });

  it('waits at least 10 ms (HZ/100) between probes, even with retrans_time_ms=0', () => {
    const spec = withSysctls(routerWorld(), 'left', { 'net.ipv4.neigh.eth0.retrans_time_ms': 0 });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.9'), proto: 'icmp' });
    expect(arpRequests(t, 'left').map((h) => h.t)).toEqual([0, 10, 20]);
  });

  it('with mcast_solicit and app_solicit 0 fails at once, without a probe or an ICMP error', () => {
    const spec = withSysctls(routerWorld(), 'left', { 'net.ipv4.neigh.eth0.mcast_solicit': 0 });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.9'), proto: 'icmp' });
    expect(arpRequests(t, 'left')).toHaveLength(0);
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.icmp).toBeNull();
  });

  it('a forwarded packet fails on the router with the router\'s parameters, and its sender gets host unreachable then', () => {
    const spec = withSysctls(routerWorld(), 'router', { 'net.ipv4.neigh.eth1.mcast_solicit': 4, 'net.ipv4.neigh.eth1.retrans_time_ms': 200 });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.2.9'), proto: 'udp', dport: 53 });
    expect(arpRequests(t, 'router').map((h) => h.t)).toEqual([0, 200, 400, 600]);
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.0.1.1' });
    expect(t.reply?.hops[0].t).toBe(800);
  });
});

describe('STALE, DELAY, PROBE', () => {
  const stale = (lladdr: string): NeighSpec => ({ text: `10.0.1.1 lladdr ${lladdr} dev eth0 nud stale`, addr: ip('10.0.1.1'), lladdr, dev: 'eth0', nud: 'stale' });

  it('a STALE entry is used at once, then DELAY; after delay_first_probe_time a unicast probe confirms it (REACHABLE)', () => {
    const mac = routerMac();
    const run = runProbe(withNeigh(routerWorld(), 'left', stale(mac)), { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }, { settle: true });
    const t = runTrace(withNeigh(routerWorld(), 'left', stale(mac)), { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }, { settle: true });
    expect(t.disposition).toBe('DELIVERED');
    const probes = arpRequests(t, 'left');
    expect(probes.map((h) => h.t)).toEqual([5000]);
    expect(probes[0].detail).toContain(`> ${mac}`);
    expect(t.hops.some((h) => h.detail.includes('STALE -> DELAY'))).toBe(true);
    expect(showNeigh(run.world.netns('left')!)).toContain(`10.0.1.1 dev eth0 lladdr ${mac} REACHABLE`);
  });

  it('with a wrong address: ucast_solicit unicast probes 1 s apart from 5 s, then FAILED at 8 s', () => {
    const spec = withSysctls(withNeigh(routerWorld(), 'left', stale('02:00:00:00:99:99')), 'left', { 'net.ipv4.neigh.eth0.delay_first_probe_time': 2 });
    const run = runProbe(spec, { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }, { settle: true });
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }, { settle: true });
    expect(t.disposition).toBe('DROPPED');
    expect(arpRequests(t, 'left').map((h) => h.t)).toEqual([2000, 3000, 4000]);
    expect(t.hops.some((h) => h.detail.includes('DELAY -> PROBE') && h.t === 2000)).toBe(true);
    expect(t.hops.find((h) => h.detail.includes('FAILED after'))?.t).toBe(5000);
    expect(showNeigh(run.world.netns('left')!)).toBe('10.0.1.1 dev eth0 FAILED \n');
  });
});

describe('REACHABLE ages', () => {
  it('with base_reachable_time_ms=0 a confirmed entry ages at once, its timer at least 10 ms apart (no loop)', () => {
    const mac = routerMac();
    const spec = withSysctls(withNeigh(routerWorld(), 'left', { text: '', addr: ip('10.0.1.1'), lladdr: mac, dev: 'eth0', nud: 'stale' }), 'left', { 'net.ipv4.neigh.eth0.base_reachable_time_ms': 0 });
    const run = runProbe(spec, { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }, { settle: true });
    // The last job is the PROBE timer due at 6 s, which finds the entry confirmed and does nothing.
    expect(run.endedAt).toBe(6000);
    expect(run.recorder.legs[0].outcome?.kind).toBe('delivered');
    expect(showNeigh(run.world.netns('left')!)).toBe(`10.0.1.1 dev eth0 lladdr ${mac} STALE \n`);
  });

  it('draws reachable_time in [base/2, 3*base/2), the same for the same device and base', () => {
    for (const dev of ['eth0', 'eth1', 'lo', 'vx0']) {
      const r = randReachTime('ns', dev, 30000);
      expect(r).toBeGreaterThanOrEqual(15000);
      expect(r).toBeLessThan(45000);
      expect(randReachTime('ns', dev, 30000)).toBe(r);
    }
    expect(randReachTime('ns', 'eth0', 0)).toBe(0);
  });

  it('turns STALE once reachable_time has passed without confirmation, as the next look finds it', () => {
    let now = 0;
    const env = { ...staticEnv(), timers: { now: () => now, after: () => {} } };
    const spec = withNeigh(routerWorld(), 'left', { text: '', addr: ip('10.0.1.1'), lladdr: '02:00:00:00:00:01', dev: 'eth0', nud: 'reachable' });
    const left = buildWorld(spec, env).netns('left')!;
    const r = neighParms(left, 'eth0').reachableMs;
    now = r;
    expect(showNeigh(left)).toContain('REACHABLE');
    now = r + 1;
    expect(showNeigh(left)).toContain('STALE');
  });

  it('keeps its address against a reply naming another within locktime, and takes it after', () => {
    let now = 0;
    const env = { ...staticEnv(), timers: { now: () => now, after: () => {} } };
    const spec = withNeigh(routerWorld(), 'left', { text: '', addr: ip('10.0.1.1'), lladdr: '02:00:00:00:00:01', dev: 'eth0', nud: 'reachable' });
    const left = buildWorld(spec, env).netns('left')!;
    const dev = left.device('eth0')!;
    const reply = (sha: string) => ({
      eth: { dst: dev.mac, src: sha, ethertype: 0x0806 }, kind: 'arp' as const,
      arp: { op: 2, sha, spa: ip('10.0.1.1'), tha: dev.mac, tpa: ip('10.0.1.2') }, leg: 0, hops: 0,
    });
    now = 500;
    arpRcv(dev, reply('02:00:00:00:00:02'), 'host');
    expect(left.neigh.get('eth0', ip('10.0.1.1'))?.lladdr).toBe('02:00:00:00:00:01');
    now = 1001;
    arpRcv(dev, reply('02:00:00:00:00:02'), 'host');
    expect(left.neigh.get('eth0', ip('10.0.1.1'))?.lladdr).toBe('02:00:00:00:00:02');
  });
});

describe('neighbour parms are read once and again after a sysctl write', () => {
  it('a cached neighParms() follows a later write to the device, to conf.default and to another device', () => {
    const world = buildWorld(routerWorld());
    const ns = world.netns('left')!;
    const first = neighParms(ns, 'eth0');
    expect(neighParms(ns, 'eth0')).toBe(first);
    expect(first.ucastSolicit).toBe(3);
    ns.sysctls.set('net.ipv4.neigh.eth0.ucast_solicit', 7, ns.deviceNames());
    const second = neighParms(ns, 'eth0');
    expect(second.ucastSolicit).toBe(7);
    ns.sysctls.set('net.ipv4.neigh.eth0.base_reachable_time_ms', 10_000, ns.deviceNames());
    expect(neighParms(ns, 'eth0').baseReachableMs).toBe(10_000);
    expect(neighParms(ns, 'eth0').reachableMs).toBe(randReachTime('left', 'eth0', 10_000));
    expect(Object.isFrozen(neighParms(ns, 'eth0'))).toBe(true);
  });
});
