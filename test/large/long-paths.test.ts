// The emulator's hop budget bounds what TTL cannot (bridge loops), never a path TTL allows: 64 routers in a
// row reached with ttl 255, and a routing loop ended by TTL, as Linux ends it. When the budget does stop a
// packet, the reason names the emulator's limit, not a fate of the packet.

import { describe, expect, it } from 'vitest';
import type { NetnsSpec, WorldSpec } from '../../src/kernel/index.js';
import { runTrace } from '../../src/trace/index.js';
import { ip, ns, route, veth } from '../support/specs.js';

/** host0 - r1 - r2 - ... - rN - host1, link i its own /24 (10.{i / 200}.{i % 200}.0/24): .1 on its left end. */
function chain(routers: number): WorldSpec {
  const net = (i: number) => `10.${Math.floor(i / 200)}.${i % 200}`;
  const namespaces: NetnsSpec[] = [];
  namespaces.push(ns('host0', [veth('eth0', 'r1/eth0', `${net(0)}.2/24`)], { routes: [route(`default via ${net(0)}.1 dev eth0`)] }));
  for (let i = 1; i <= routers; i++) {
    const prev = i === 1 ? 'host0/eth0' : `r${i - 1}/eth1`;
    const next = i === routers ? 'host1/eth0' : `r${i + 1}/eth0`;
    const routes = [route(`default via ${net(i)}.2 dev eth1`)];
    if (i > 1) routes.push(route(`${net(0)}.0/24 via ${net(i - 1)}.1 dev eth0`));
    namespaces.push(ns(`r${i}`, [veth('eth0', prev, `${net(i - 1)}.${i === 1 ? 1 : 2}/24`), veth('eth1', next, `${net(i)}.1/24`)], {
      sysctls: { 'net.ipv4.ip_forward': 1 },
      routes: i === routers ? routes.slice(1) : routes,
    }));
  }
  namespaces.push(ns('host1', [veth('eth0', `r${routers}/eth1`, `${net(routers)}.2/24`)], {
    routes: [route(`default via ${net(routers)}.1 dev eth0`)],
    listen: [{ proto: 'tcp', port: 80, addr: 0 }],
  }));
  return { name: `chain-${routers}`, namespaces };
}

describe('long paths', () => {
  it('64 routers in a row, ttl 255: delivered; the SYN-ACK, sent with the default ttl 64, expires on the way back', () => {
    const t = runTrace(chain(64), { from: 'host0', dst: ip('10.0.64.2'), proto: 'tcp', dport: 80, ttl: 255 });
    expect([t.disposition, t.reason]).toEqual(['DELIVERED', null]);
    expect(t.deliveredTo?.netns).toBe('host1');
    // ip_default_ttl 64 allows 63 routed hops: the 64th router answers time exceeded, as Linux would.
    expect(t.reply?.disposition).toBe('TTL_EXCEEDED');
    const back = runTrace(chain(62), { from: 'host0', dst: ip('10.0.62.2'), proto: 'tcp', dport: 80, ttl: 255 });
    expect([back.disposition, back.reply?.disposition]).toEqual(['DELIVERED', 'DELIVERED']);
  });

  it('a routing loop with ttl 255 ends in TTL_EXCEEDED, as in Linux, not in the emulator\'s budget', () => {
    const world: WorldSpec = {
      name: 'loop',
      namespaces: [
        ns('src', [veth('eth0', 'a/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
        ns('a', [veth('eth0', 'src/eth0', '10.0.1.1/24'), veth('eth1', 'b/eth0', '10.0.12.1/24')], {
          sysctls: { 'net.ipv4.ip_forward': 1 }, routes: [route('10.99.0.0/16 via 10.0.12.2 dev eth1')],
        }),
        ns('b', [veth('eth0', 'a/eth1', '10.0.12.2/24')], {
          sysctls: { 'net.ipv4.ip_forward': 1 }, routes: [route('10.99.0.0/16 via 10.0.12.1 dev eth0'), route('10.0.1.0/24 via 10.0.12.1 dev eth0')],
        }),
      ],
    };
    const t = runTrace(world, { from: 'src', dst: ip('10.99.0.1'), proto: 'icmp', ttl: 255 });
    expect([t.disposition, t.reason]).toEqual(['TTL_EXCEEDED', 'IP_INHDR']);
  });
});
