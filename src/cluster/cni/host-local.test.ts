import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4 } from '../../wire/ipv4-addr.js';
import { HostLocalRange } from './host-local.js';
import { cniChainName, hostVethName, sandboxId } from './container-id.js';

describe('host-local', () => {
  it('hands out .2 upward, skipping the gateway and reserved addresses, until .254', () => {
    const r = new HostLocalRange({ addr: parseIpv4('10.244.1.0')!, len: 24 });
    expect(r.reserve(parseIpv4('10.244.1.3')!)).toBe(true);
    expect(r.reserve(parseIpv4('10.244.1.1')!)).toBe(false);
    expect(r.reserve(parseIpv4('10.244.2.3')!)).toBe(false);
    expect([r.allocate(), r.allocate()].map((a) => formatIpv4(a!))).toEqual(['10.244.1.2', '10.244.1.4']);
    let last = 0;
    for (let a = r.allocate(); a !== undefined; a = r.allocate()) last = a;
    expect(formatIpv4(last)).toBe('10.244.1.254');
  });
});

describe('CNI names', () => {
  it('shapes veth and chain names as the plugins do', () => {
    const id = sandboxId('default', 'web');
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(hostVethName(id)).toMatch(/^veth[0-9a-f]{8}$/);
    expect(cniChainName('cbr0', id, 'DN-')).toMatch(/^CNI-DN-[0-9a-f]{21}$/);
    expect(cniChainName('cbr0', id)).toMatch(/^CNI-[0-9a-f]{24}$/);
  });
});
