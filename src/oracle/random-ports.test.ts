import { describe, expect, it } from 'vitest';

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import { vxlanFlowSources } from './random-ports.js';

describe('vxlanFlowSources', () => {
  it('takes a vxlan device\'s local address, or else its underlay device\'s addresses', () => {
    const addr = (s: string) => ({ addr: parseIpv4(s), len: 24 });
    const spec = {
      name: 'w',
      namespaces: [
        { name: 'a', links: [{ name: 'vx', type: 'vxlan', addresses: [], vxlan: { id: 1, dstport: 8472, local: parseIpv4('192.168.56.11'), dev: 'eth0', learning: false } }] },
        {
          name: 'b',
          links: [
            { name: 'eth0', type: 'veth', addresses: [addr('192.168.56.12')] },
            { name: 'eth1', type: 'veth', addresses: [addr('10.9.9.9')] },
            { name: 'vx', type: 'vxlan', addresses: [], vxlan: { id: 1, dstport: 4789, dev: 'eth0', learning: true } },
          ],
        },
        { name: 'c', links: [{ name: 'eth0', type: 'veth', addresses: [addr('192.168.56.13')] }] },
      ],
    } as unknown as WorldSpec;
    expect(vxlanFlowSources(spec)).toEqual([{ src: '192.168.56.11', dport: 8472 }, { src: '192.168.56.12', dport: 4789 }]);
  });
});
