import { describe, expect, it } from 'vitest';

import { compareConntrack, emulatorConntrackKeys, hasVxlanWildcard, kernelConntrackKeys, kernelConntrackKeysOf, parseConntrackLine } from './conntrack-compare.js';

const MASQ = 'tcp      6 117 TIME_WAIT src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=80 src=10.0.2.2 dst=10.0.2.1 sport=80 dport=40000 [ASSURED] mark=0 use=1';

describe('conntrack -L against the emulator', () => {
  it('reads the original and the reply tuple of a line', () => {
    const e = parseConntrackLine(MASQ);
    expect(e?.proto).toBe('tcp');
    expect(Object.fromEntries(e?.orig ?? [])).toEqual({ src: '10.0.1.2', dst: '10.0.2.2', sport: '40000', dport: '80' });
    expect(Object.fromEntries(e?.reply ?? [])).toEqual({ src: '10.0.2.2', dst: '10.0.2.1', sport: '80', dport: '40000' });
  });

  it('ignores state, timeout, flags, mark and use', () => {
    const emu = emulatorConntrackKeys([{
      netns: 'router', orig: 'src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=80', reply: 'src=10.0.2.2 dst=10.0.2.1 sport=80 dport=40000',
      state: 'SYN_RECV', status: ['SNAT'],
      line: 'tcp      6 59 SYN_RECV src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=80 src=10.0.2.2 dst=10.0.2.1 sport=80 dport=40000 mark=0 use=1',
    }], new Set(['router']));
    expect(compareConntrack(emu, kernelConntrackKeys('router', `${MASQ}\n`)).agree).toBe(true);
  });

  it('tells a kept source port from a remapped one, but not one pick from another', () => {
    const line = (port: number) => `udp 17 29 src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=53 src=10.0.2.2 dst=10.0.2.1 sport=53 dport=${port} mark=0 use=1`;
    expect(compareConntrack(kernelConntrackKeys('r', line(40001)), kernelConntrackKeys('r', line(40077))).agree).toBe(true);
    expect(compareConntrack(kernelConntrackKeys('r', line(40000)), kernelConntrackKeys('r', line(40077))).agree).toBe(false);
  });

  it('does not compare ping ids and names what only one side has', () => {
    const ping = (id: number) => `icmp 1 29 src=10.0.1.2 dst=10.0.2.2 type=8 code=0 id=${id} src=10.0.2.2 dst=10.0.1.2 type=0 code=0 id=${id} mark=0 use=1`;
    expect(compareConntrack(kernelConntrackKeys('r', ping(7)), kernelConntrackKeys('r', ping(4242))).agree).toBe(true);
    const c = compareConntrack([], kernelConntrackKeys('r', `${MASQ}\nunknown 2 599 src=10.0.1.1 dst=224.0.0.22 mark=0 use=1\n`));
    expect(c.agree).toBe(false);
    expect(c.kernelOnly).toEqual(['r tcp src=10.0.1.2 dst=10.0.2.2 sport=40000 dport=80 | src=10.0.2.2 dst=10.0.2.1 sport=80 dport=40000']);
  });

  it('leaves out namespaces without iptables rules', () => {
    const entries = [{ netns: 'left', orig: 'src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2', reply: 'src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1', state: 'NEW', status: [] }];
    expect(emulatorConntrackKeys(entries, new Set(['router']))).toEqual([]);
  });

  it('compares a VXLAN outer flow\'s source port as *, and only that port of only that flow', () => {
    const vxlan = [{ src: '192.168.56.11', dport: 8472 }, { src: '192.168.56.12', dport: 8472 }];
    const flows = { vxlan };
    const outer = (sport: number, dport = 8472, src = '192.168.56.11') =>
      `udp 17 29 src=${src} dst=192.168.56.12 sport=${sport} dport=${dport} src=192.168.56.12 dst=${src} sport=${dport} dport=${sport} mark=0 use=1`;
    const a = kernelConntrackKeys('node-a', outer(53605), flows);
    expect(a).toEqual(['node-a udp src=192.168.56.11 dst=192.168.56.12 sport=* dport=8472 | src=192.168.56.12 dst=192.168.56.11 sport=8472 dport=*']);
    expect(hasVxlanWildcard(a, vxlan)).toBe(true);
    expect(compareConntrack(a, kernelConntrackKeys('node-a', outer(42841), flows)).agree).toBe(true);
    // Without the world's VTEPs, or to another port, or from an address that is no VTEP: the port counts.
    expect(compareConntrack(kernelConntrackKeys('node-a', outer(53605)), kernelConntrackKeys('node-a', outer(42841))).agree).toBe(false);
    expect(compareConntrack(kernelConntrackKeys('node-a', outer(53605, 53), flows), kernelConntrackKeys('node-a', outer(42841, 53), flows)).agree).toBe(false);
    expect(compareConntrack(kernelConntrackKeys('node-a', outer(53605, 8472, '192.168.56.99'), flows), kernelConntrackKeys('node-a', outer(42841, 8472, '192.168.56.99'), flows)).agree).toBe(false);
    expect(hasVxlanWildcard(kernelConntrackKeys('node-a', outer(53605, 53), flows), vxlan)).toBe(false);
    // Two connections with one inner tuple may or may not share an outer flow (sk_txhash is per socket): once each.
    expect(compareConntrack(a, kernelConntrackKeys('node-a', `${outer(53605)}\n${outer(40001)}\n`, flows)).agree).toBe(true);
    const udp = (sport: number) => `udp 17 29 src=10.0.1.2 dst=10.0.2.2 sport=${sport} dport=53 src=10.0.2.2 dst=10.0.1.2 sport=53 dport=${sport} mark=0 use=1`;
    expect(kernelConntrackKeys('r', `${udp(40000)}\n${udp(40000)}\n`, flows)).toHaveLength(2);
  });

  it('a port a --random-fully NAT picked is * downstream too, and only where that NAT acted', () => {
    const listings = (port: number) => ({
      'node-b': `tcp 6 117 SYN_RECV src=192.168.56.100 dst=192.168.56.12 sport=40000 dport=30080 src=10.244.0.2 dst=10.244.1.0 sport=8080 dport=${port} mark=0 use=1`,
      'node-a': `tcp 6 117 SYN_RECV src=10.244.1.0 dst=10.244.0.2 sport=${port} dport=8080 src=10.244.0.2 dst=10.244.1.0 sport=8080 dport=${port} mark=0 use=1`,
    });
    const random = { randomNat: new Set(['node-b']) };
    expect(compareConntrack(kernelConntrackKeysOf(listings(1203), random), kernelConntrackKeysOf(listings(49635), random)).agree).toBe(true);
    expect(kernelConntrackKeysOf(listings(1203), random)).toContain('node-a tcp src=10.244.1.0 dst=10.244.0.2 sport=* dport=8080 | src=10.244.0.2 dst=10.244.1.0 sport=8080 dport=*');
    // Without a random NAT in node-b, node-a's port is compared.
    expect(compareConntrack(kernelConntrackKeysOf(listings(1203)), kernelConntrackKeysOf(listings(49635))).agree).toBe(false);
    expect(compareConntrack(kernelConntrackKeysOf(listings(1203), { randomNat: new Set(['node-a']) }), kernelConntrackKeysOf(listings(49635), { randomNat: new Set(['node-a']) })).agree).toBe(false);
  });
});
