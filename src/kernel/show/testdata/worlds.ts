// Worlds the show printers are checked on. Their MACs are pinned so the outputs captured from Linux 6.18
// (iproute2 6.1) for the same specs, realized by the oracle, compare byte for byte.

import { buildWorld } from '../../index.js';
import type { FdbSpec, LinkSpec, Netns, WorldSpec } from '../../index.js';
import { addr, ns, veth } from '../../../../test/support/specs.js';

export const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
export const mac = (l: LinkSpec, m: string, more: Partial<LinkSpec> = {}): LinkSpec => ({ ...l, mac: m, ...more });

/**
 * A bridge with two ports to other namespaces and a pinned MAC; one taking its lowest port's MAC; a pinned one
 * without ports; one whose only port has no carrier. `fdb` entries go to the host namespace.
 */
export function bridgesWorld(fdb: FdbSpec[] = []): WorldSpec {
  return {
    name: 'bridge',
    namespaces: [
      ns('host', [
        { name: 'br0', type: 'bridge', addresses: [addr('10.0.0.1/24')], mac: '02:00:00:00:01:00' },
        mac(veth('eth0', 'c1/eth0'), '02:00:00:00:01:01', { master: 'br0' }),
        mac(veth('eth1', 'c2/eth0'), '02:00:00:00:01:02', { master: 'br0' }),
        { name: 'br1', type: 'bridge', addresses: [] },
        mac(veth('eth2', 'host/eth3'), '02:00:00:00:01:05', { master: 'br1' }),
        mac(veth('eth3', 'host/eth2'), '02:00:00:00:01:04', { master: 'br1' }),
        { name: 'br2', type: 'bridge', addresses: [addr('10.0.12.1/24')], mac: '02:00:00:00:01:0b' },
        { name: 'br3', type: 'bridge', addresses: [addr('10.0.13.1/24')], mac: '02:00:00:00:01:0c' },
        mac(veth('eth4', 'host/eth5'), '02:00:00:00:01:06', { master: 'br3' }),
        mac(veth('eth5', 'host/eth4'), '02:00:00:00:01:07', { up: false }),
      ], { fdb }),
      ns('c1', [mac(veth('eth0', 'host/eth0', '10.0.0.2/24'), '02:00:00:00:0c:01')]),
      ns('c2', [mac(veth('eth0', 'host/eth1', '10.0.0.3/24'), '02:00:00:00:0c:02')]),
    ],
  };
}

/** A veth whose peer in another namespace is down, next to a pinned and an unpinned bridge without ports. */
export const portlessWorld: WorldSpec = {
  name: 'y',
  namespaces: [
    ns('p', [
      mac(veth('eth0', 'q/eth0'), '02:00:00:00:0d:02'),
      { name: 'brx', type: 'bridge', addresses: [], mac: '02:00:00:00:0d:01' },
      { name: 'bry', type: 'bridge', addresses: [addr('10.0.14.1/24')] },
    ]),
    ns('q', [mac(veth('eth0', 'p/eth0'), '02:00:00:00:0d:03', { up: false })]),
  ],
};

/** bry's MAC in the capture: Linux picks a random one (eth_hw_addr_random()), the model a hash of its place. */
export const CAPTURED_BRY_MAC = 'ae:73:dd:11:69:d3';

/** Two vxlan devices without an underlay device; `fdb` entries go to their namespace. */
export function vxlanWorld(fdb: FdbSpec[] = []): WorldSpec {
  return {
    name: 'vx',
    namespaces: [
      ns('v', [
        { name: 'vx1', type: 'vxlan', addresses: [], mac: '02:00:00:00:0e:02', vxlan: { id: 2, dstport: 4789, learning: true } },
        { name: 'vx2', type: 'vxlan', addresses: [], mac: '02:00:00:00:0e:03', vxlan: { id: 3, dstport: 4789, learning: false } },
      ], { fdb }),
    ],
  };
}

export function netnsOf(spec: WorldSpec, name: string): Netns {
  const n = buildWorld(spec).netns(name);
  if (!n) throw new Error(`no netns ${name}`);
  return n;
}
