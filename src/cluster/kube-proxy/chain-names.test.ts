import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32, endpointChainName, endpointChainNames, isServiceChainName, portProtoHash, serviceChainNames } from './chain-names.js';

describe('chain names (portProtoHash, servicePortEndpointChainName)', () => {
  it('base32 is RFC 4648 with padding', () => {
    expect(base32(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI======');
    expect(base32(new TextEncoder().encode('f'))).toBe('MY======');
    expect(base32(createHash('sha256').update('ns1/svc1:p80tcp').digest())).toBe('XPGD46QRK7WJZT7ONRPOTZ5VR35MJ4TXQWCF6RBTQMVGOUHJFHOQ====');
  });

  it.each([
    ['ns1/svc1:p80', 'XPGD46QRK7WJZT7O'],
    ['ns2/svc2:p80', 'GNZBNJ2PO5MGZ6GT'],
    ['ns3/svc3:p80', 'X27LE4BHSL4DOUIK'],
    ['ns4/svc4:p80', '4SW47YFZTEDKD3PK'],
    ['ns5/svc5:p80', 'NUKIZ6OKUXPJNT4C'],
    ['ns2/svc2:p8080', '2VJB64SDSIJUP5T6'],
    ['ns1/svc1', 'AQI2S6QIMU7PVVRP'],
  ])('%s tcp -> %s (the reference\'s verified examples)', (name, hash) => {
    expect(portProtoHash(name, 'TCP')).toBe(hash);
  });

  it('SVC, SVL, EXT and FW share the hash', () => {
    expect(serviceChainNames('ns1/svc1:p80', 'tcp')).toEqual({
      svc: 'KUBE-SVC-XPGD46QRK7WJZT7O', svl: 'KUBE-SVL-XPGD46QRK7WJZT7O', ext: 'KUBE-EXT-XPGD46QRK7WJZT7O', fw: 'KUBE-FW-XPGD46QRK7WJZT7O',
    });
  });

  it.each([
    ['ns1/svc1:p80', '10.180.0.1:80', 'KUBE-SEP-SXIVWICOYRO3J4NJ'],
    ['ns2/svc2:p80', '10.180.0.2:80', 'KUBE-SEP-RS4RBKLTHTF2IUXJ'],
    ['ns3/svc3:p80', '10.180.0.3:80', 'KUBE-SEP-OYPFS5VJICHGATKP'],
    ['ns4/svc4:p80', '10.180.0.4:80', 'KUBE-SEP-UKSFD7AGPMPPLUHC'],
    ['ns4/svc4:p80', '10.180.0.5:80', 'KUBE-SEP-C6EBXVWJJZMIWKLZ'],
    ['ns5/svc5:p80', '10.180.0.3:80', 'KUBE-SEP-I77PXRDZVX7PMWMN'],
    ['ns1/svc1:p80', '10.0.1.1:80', 'KUBE-SEP-SNQ3ZNILQDEJNDQO'],
    ['ns1/svc1:p80', '10.0.0.0:80', 'KUBE-SEP-DKGQUZGBKLTPAR56'],
    ['ns1/svc1', '10.0.1.1:80', 'KUBE-SEP-3JOIVZTXZZRGORX4'],
  ])('%s tcp %s -> %s', (name, ep, chain) => {
    expect(endpointChainName(name, 'TCP', ep)).toBe(chain);
  });

  it('names stay within iptables\' 28 characters', () => {
    expect(serviceChainNames('a/b', 'udp').svc.length).toBe(25);
    expect(endpointChainName('a/b', 'udp', '[::1]:53').length).toBe(25);
  });

  it('only per-service chains are candidates for the stale-chain clean-up', () => {
    expect(['KUBE-SVC-X', 'KUBE-SVL-X', 'KUBE-EXT-X', 'KUBE-FW-X', 'KUBE-SEP-X'].every(isServiceChainName)).toBe(true);
    expect(['KUBE-SERVICES', 'KUBE-MARK-MASQ', 'KUBE-POSTROUTING', 'FLANNEL-POSTRTG', 'KUBE-NODEPORTS'].some(isServiceChainName)).toBe(false);
  });

  it('the hash is the first 16 characters of base32(sha256) for any name and endpoint', () => {
    for (let i = 0; i < 2000; i++) {
      const name = `ns${i % 7}/svc-${i * 7919}:p${i % 100}`;
      const ep = `10.${i % 256}.${(i * 31) % 256}.${i % 251}:${i}`;
      const want = base32(createHash('sha256').update(`${name}udp${ep}`).digest()).slice(0, 16);
      expect(endpointChainName(name, 'UDP', ep)).toBe(`KUBE-SEP-${want}`);
    }
  });

  it('names remembered across calls are what hashing again gives (the memo keys on every input)', () => {
    const plain = (s: string): string => base32(createHash('sha256').update(s).digest()).slice(0, 16);
    // A small domain, so that names repeat and differ by one input only.
    const call = fc.record({
      name: fc.constantFrom('ns1/svc1:p80', 'ns1/svc1', 'ns1/svc1:p8', 'ns1/svc1:p80t', 'ns/ä'),
      protocol: fc.constantFrom('TCP', 'UDP', 'SCTP', 'tcp'),
      endpoint: fc.constantFrom('10.0.0.1:80', '0.0.1:80', 'cp10.0.0.1:80', '[fd00::1]:80', ''),
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 30 }), (calls) => {
        for (const c of calls) {
          const p = c.protocol.toLowerCase();
          expect(endpointChainName(c.name, c.protocol, c.endpoint)).toBe(`KUBE-SEP-${plain(c.name + p + c.endpoint)}`);
          expect(endpointChainNames(c.name, c.protocol).name(c.endpoint)).toBe(`KUBE-SEP-${plain(c.name + p + c.endpoint)}`);
          expect(portProtoHash(c.name, c.protocol)).toBe(plain(c.name + p));
        }
      }),
      { numRuns: 300, seed: 4 },
    );
  });
});
