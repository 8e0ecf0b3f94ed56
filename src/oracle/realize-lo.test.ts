import { describe, expect, it } from 'vitest';
import { realizeCommands } from './realize.js';
import { addr, ns, veth } from '../../test/support/specs.js';

describe('realize: lo and neighbour parameters', () => {
  const spec = {
    name: 'lo',
    namespaces: [
      ns('a', [veth('eth0', 'b/eth0', '10.0.0.1/24'), { name: 'lo', type: 'loopback' as const, mtu: 16384, addresses: [{ ...addr('10.9.9.9/32'), scope: 'global' as const }] }], {
        sysctls: { 'net.ipv4.neigh.eth0.mcast_solicit': 2, 'net.ipv4.ip_forward': 1 },
      }),
      ns('b', [veth('eth0', 'a/eth0', '10.0.0.2/24')]),
    ],
  };
  const up = realizeCommands(spec, 'p-').up;

  it('adds lo\'s addresses after lo is up, never creates lo, and sets its MTU', () => {
    expect(up.some((c) => /link add lo\b/.test(c))).toBe(false);
    const loUp = up.indexOf('ip -n p-a link set lo up');
    const addrAdd = up.indexOf('ip -n p-a addr add 10.9.9.9/32 dev lo scope global');
    expect(loUp).toBeGreaterThanOrEqual(0);
    expect(addrAdd).toBeGreaterThan(loUp);
    expect(up).toContain('ip -n p-a link set dev lo mtu 16384');
  });

  it('writes a device\'s neigh settings once the device exists', () => {
    const create = up.findIndex((c) => c.startsWith('ip -n p-a link add eth0'));
    const sysctl = up.findIndex((c) => c.includes('net.ipv4.neigh.eth0.mcast_solicit=2'));
    expect(sysctl).toBeGreaterThan(create);
  });
});
