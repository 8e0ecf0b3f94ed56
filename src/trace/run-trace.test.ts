import { describe, expect, it } from 'vitest';
import { runTrace } from './run-trace.js';
import { ip, routerWorld } from '../../test/support/specs.js';

describe('runTrace through a router', () => {
  it('delivers a SYN and brings the SYN-ACK back, TTL decremented once', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('DELIVERED');
    expect(t.deliveredTo).toMatchObject({ netns: 'right', addr: '10.0.2.2:80', peerSeen: '10.0.1.2:40000' });
    expect(t.reply?.kind).toBe('syn-ack');
    expect(t.reply?.disposition).toBe('DELIVERED');
    const fwd = t.hops.filter((h) => h.stage === 'forward');
    expect(fwd).toHaveLength(1);
    expect(fwd[0].detail).toContain('ttl 64 -> 63');
  });

  it('drops silently with ip_forward=0', () => {
    const t = runTrace(routerWorld(0), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 80 });
    expect(t.disposition).toBe('DROPPED');
    expect(t.reason).toBe('IP_INADDRERRORS');
    expect(t.reply).toBeNull();
  });

  it('refuses a closed TCP port with a RST traced back', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'tcp', dport: 81 });
    expect(t.disposition).toBe('REFUSED');
    expect(t.reply?.kind).toBe('rst');
    expect(t.reply?.disposition).toBe('DELIVERED');
  });

  it('answers TTL 1 with time exceeded from the router', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.2.2'), proto: 'icmp', ttl: 1 });
    expect(t.disposition).toBe('TTL_EXCEEDED');
    expect(t.icmp).toMatchObject({ type: 'time-exceeded', from: '10.0.1.1' });
  });

  it('fails ARP for an absent neighbour after 3 s', () => {
    const t = runTrace(routerWorld(), { from: 'left', dst: ip('10.0.1.9'), proto: 'icmp' });
    expect(t.disposition).toBe('NEIGH_FAILED');
    expect(t.icmp).toMatchObject({ type: 'host-unreachable', from: '10.0.1.2' });
  });
});
