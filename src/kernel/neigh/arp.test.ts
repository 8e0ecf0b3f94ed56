// ARP through traces on left (10.0.1.2) -- router (10.0.1.1 | 10.0.2.1) -- right (10.0.2.2).
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { NeighSpec, WorldSpec } from '../netns/world-spec.js';
import { runTrace } from '../../trace/run-trace.js';
import type { Hop, Leg } from '../../trace/model.js';
import { ip, routerWorld } from '../../../test/support/specs.js';

const arpRequests = (leg: Leg, netns: string): Hop[] =>
  leg.hops.filter((h) => h.netns === netns && h.stage === 'xmit' && (h.packet ?? '').startsWith('ARP, Request'));

function withNeigh(spec: WorldSpec, netns: string, n: NeighSpec): WorldSpec {
  return { ...spec, namespaces: spec.namespaces.map((s) => (s.name === netns ? { ...s, neigh: [...s.neigh, n] } : s)) };
}

function permanent(addr: string, lladdr: string): NeighSpec {
  return { text: `${addr} lladdr ${lladdr} dev eth0 nud permanent`, addr: ip(addr), lladdr, dev: 'eth0', nud: 'permanent' };
}

describe('ARP resolution', () => {
  it('asks once, queues the packet, and sends it as soon as the reply arrives', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' });
    expect(t.disposition).toBe('DELIVERED');
    const left = t.hops.filter((h) => h.netns === 'left');
    const asked = left.findIndex((h) => h.stage === 'neigh' && h.detail.includes('unknown: ARP who-has, packet queued'));
    const answered = left.findIndex((h) => h.stage === 'arp' && h.detail.startsWith('ARP reply: 10.0.1.1 is-at'));
    const sent = left.findIndex((h) => h.stage === 'xmit' && (h.packet ?? '').includes('ICMP echo request'));
    expect(asked).toBeGreaterThanOrEqual(0);
    expect(answered).toBeGreaterThan(asked);
    expect(sent).toBeGreaterThan(answered);
    expect(arpRequests(t, 'left')).toHaveLength(1);
  });

  it('lets the answering host learn the asker, so its reply needs no ARP of its own, only a unicast probe 5 s later', () => {
    // settle: the probe is housekeeping after the reply went out, which a plain trace does not wait for.
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }, { settle: true });
    expect(runTrace(routerWorld(), { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' }).reply!.hops.every((h) => (h.t ?? 0) < 5000)).toBe(true);
    expect(t.reply?.disposition).toBe('DELIVERED');
    // STALE -> DELAY on use -> PROBE after delay_first_probe_time: one unicast request to the learned MAC.
    const leftMac = buildWorld(routerWorld()).netns('left')!.device('eth0')!.mac;
    const probes = arpRequests(t.reply!, 'router');
    expect(probes.map((h) => h.t)).toEqual([5000]);
    expect(probes[0].detail).toContain(`> ${leftMac}`);
    expect(t.reply!.hops.some((h) => h.stage === 'neigh' && h.detail.includes('STALE'))).toBe(true);
  });

  it('uses a permanent entry without asking', () => {
    const mac = buildWorld(routerWorld()).netns('router')!.device('eth0')!.mac;
    const t = runTrace(withNeigh(routerWorld(), 'left', permanent('10.0.1.1', mac)), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('DELIVERED');
    expect(arpRequests(t, 'left')).toHaveLength(0);
    expect(t.hops.some((h) => h.netns === 'left' && h.stage === 'neigh' && h.detail === `neigh 10.0.1.1 lladdr ${mac} PERMANENT`)).toBe(true);
  });

  it('uses a permanent entry as it is, even a wrong one: the frame goes to a MAC nobody has', () => {
    const t = runTrace(withNeigh(routerWorld(), 'left', permanent('10.0.1.1', '02:00:00:00:99:99')), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(arpRequests(t, 'left')).toHaveLength(0);
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('OTHERHOST');
  });
});

describe('ARP failure', () => {
  it('probes 3 times 1 s apart and fails the queued packet at +3 s with host unreachable from the sender itself', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.1.9'), proto: 'icmp' });
    expect(arpRequests(t, 'left').map((h) => h.t)).toEqual([0, 1000, 2000]);
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.reason).toBe('NEIGH_FAILED');
    expect(t.hops.find((h) => h.stage === 'drop')?.t).toBe(3000);
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', icmpType: 3, code: 1, from: '10.0.1.2', to: '10.0.1.2' });
  });

  it('when a router resolved, the host unreachable comes from the router\'s address toward the source', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.9'), proto: 'tcp', dport: 80 });
    expect(arpRequests(t, 'router').map((h) => h.t)).toEqual([0, 1000, 2000]);
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.0.1.1', to: '10.0.1.2' });
    expect(t.reply?.kind).toBe('icmp-error');
    expect(t.reply?.hops[0].t).toBe(3000);
  });

  it('fails the same way when the link has no carrier: the probes are lost, not the packet (measured)', () => {
    const spec = routerWorld();
    const router = spec.namespaces.find((n) => n.name === 'router')!;
    router.links[0] = { ...router.links[0], up: false };
    const t = runTrace(spec, { from: 'left', dst: ip('10.0.1.1'), proto: 'icmp' });
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.0.1.2' });
  });
});
