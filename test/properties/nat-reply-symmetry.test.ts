// For random NAT set-ups on a router (DNAT to a host behind it or to itself, SNAT to an address or a port
// range, MASQUERADE, or none), a delivered SYN's SYN-ACK, after un-NAT, reaches the original sender carrying
// the original tuple reversed: from the address and port the client dialled, to the client's own port.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../../src/kernel/index.js';
import { runTrace } from '../../src/trace/index.js';
import { ip, ns, route, veth } from '../support/specs.js';

interface Setup {
  dnat: 'none' | 'router-address' | 'virtual-ip';
  vport: number;
  port: number;
  snat: 'none' | 'masquerade' | 'snat-address' | 'snat-range';
  rangeStart: number;
  sport: number;
}

function world(s: Setup): WorldSpec {
  const nat = ['*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
  if (s.dnat === 'router-address') nat.push(`-A PREROUTING -d 10.0.1.1/32 -p tcp -m tcp --dport ${s.vport} -j DNAT --to-destination 10.0.2.2:${s.port}`);
  if (s.dnat === 'virtual-ip') nat.push(`-A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport ${s.vport} -j DNAT --to-destination 10.0.2.2:${s.port}`);
  if (s.snat === 'masquerade') nat.push('-A POSTROUTING -o eth1 -j MASQUERADE');
  if (s.snat === 'snat-address') nat.push('-A POSTROUTING -o eth1 -j SNAT --to-source 10.0.2.1');
  if (s.snat === 'snat-range') nat.push(`-A POSTROUTING -o eth1 -p tcp -j SNAT --to-source 10.0.2.1:${s.rangeStart}-${s.rangeStart + 9}`);
  nat.push('COMMIT', '');
  return {
    name: 'nat-symmetry',
    namespaces: [
      ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
      ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
        sysctls: { 'net.ipv4.ip_forward': 1 },
        iptables: nat.join('\n'),
      }),
      ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')], {
        routes: [route('default via 10.0.2.1 dev eth0')],
        listen: [{ proto: 'tcp', port: s.port, addr: 0 }],
      }),
    ],
  };
}

const setups = fc.record<Setup>({
  dnat: fc.constantFrom('none', 'router-address', 'virtual-ip'),
  vport: fc.integer({ min: 1, max: 65535 }),
  port: fc.integer({ min: 1, max: 65535 }),
  snat: fc.constantFrom('none', 'masquerade', 'snat-address', 'snat-range'),
  rangeStart: fc.integer({ min: 1024, max: 60000 }),
  sport: fc.integer({ min: 1024, max: 65535 }),
});

describe('NAT reply symmetry through the packet path', () => {
  it('the reply reaches the sender with the original tuple reversed (1,000 cases)', () => {
    fc.assert(
      fc.property(setups, (s) => {
        const dst = s.dnat === 'none' ? '10.0.2.2' : s.dnat === 'router-address' ? '10.0.1.1' : '10.96.0.10';
        const dport = s.dnat === 'none' ? s.port : s.vport;
        const t = runTrace(world(s), { from: 'left', dst: ip(dst), proto: 'tcp', dport, sport: s.sport });
        expect(t.disposition).toBe('DELIVERED');
        expect(t.deliveredTo?.addr).toBe(`10.0.2.2:${s.port}`);
        expect(t.reply?.disposition).toBe('DELIVERED');
        expect(t.reply?.deliveredTo?.netns).toBe('left');
        expect(t.reply?.deliveredTo?.addr).toBe(`10.0.1.2:${s.sport}`);
        expect(t.reply?.deliveredTo?.peerSeen).toBe(`${dst}:${dport}`);
        const snatted = s.snat !== 'none';
        expect(t.deliveredTo?.peerSeen.split(':')[0]).toBe(snatted ? '10.0.2.1' : '10.0.1.2');
      }),
      { numRuns: 1000, seed: 4242 },
    );
  });
});
