import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitEthernet, isBroadcastMac, isMulticastMac, macFromBytes, macToBytes, parseEthernet } from './ethernet.js';
import { ETH_P_ARP, ETH_P_IP, type EthernetHeader } from './headers.js';
import { WireError } from './errors.js';

const SEED = 802;

describe('MAC helpers', () => {
  it('converts between text and octets', () => {
    expect(Array.from(macToBytes('02:42:ac:11:00:02'))).toEqual([0x02, 0x42, 0xac, 0x11, 0x00, 0x02]);
    expect(macFromBytes(Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff))).toBe('aa:bb:cc:dd:ee:ff');
    expect(macFromBytes(Uint8Array.of(9, 0, 1, 2, 3, 4, 5), 1)).toBe('00:01:02:03:04:05');
  });

  it('accepts upper case when encoding', () => {
    expect(Array.from(macToBytes('AA:BB:CC:00:00:01'))).toEqual([0xaa, 0xbb, 0xcc, 0, 0, 1]);
  });

  it('rejects a malformed MAC with a WireError', () => {
    expect(() => macToBytes('02:42:ac:11:00')).toThrow(WireError);
  });

  it('round-trips every 6-byte value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        expect(Array.from(macToBytes(macFromBytes(b)))).toEqual(Array.from(b));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('classifies broadcast and multicast by the I/G bit', () => {
    expect(isBroadcastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isBroadcastMac('ff:ff:ff:ff:ff:fe')).toBe(false);
    expect(isMulticastMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isMulticastMac('01:00:5e:00:00:01')).toBe(true);
    expect(isMulticastMac('33:33:00:00:00:01')).toBe(true);
    expect(isMulticastMac('02:42:ac:11:00:02')).toBe(false);
  });
});

describe('Ethernet II', () => {
  const header: EthernetHeader = { dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:00:01', ethertype: ETH_P_ARP };

  it('lays out dst, src and EtherType', () => {
    const bytes = emitEthernet(header, Uint8Array.of(1, 2, 3));
    expect(Array.from(bytes)).toEqual([255, 255, 255, 255, 255, 255, 2, 0, 0, 0, 0, 1, 0x08, 0x06, 1, 2, 3]);
  });

  it('round-trips header and payload', () => {
    const { header: h, payload } = parseEthernet(emitEthernet(header, Uint8Array.of(9, 8)));
    expect(h).toEqual(header);
    expect(Array.from(payload)).toEqual([9, 8]);
  });

  it('round-trips generated frames', () => {
    const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => macFromBytes(b));
    fc.assert(
      fc.property(mac, mac, fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 64 }), (dst, src, ethertype, p) => {
        const parsed = parseEthernet(emitEthernet({ dst, src, ethertype }, p));
        expect(parsed.header).toEqual({ dst, src, ethertype });
        expect(Array.from(parsed.payload)).toEqual(Array.from(p));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('rejects a frame shorter than its header', () => {
    expect(() => parseEthernet(new Uint8Array(13))).toThrow(expect.objectContaining({ field: 'ethernet.length' }));
  });

  it('names the MAC field that does not encode', () => {
    expect(() => emitEthernet({ ...header, src: 'nope' }, new Uint8Array(0))).toThrow(
      expect.objectContaining({ field: 'ethernet.src' }),
    );
    expect(() => emitEthernet({ ...header, ethertype: 0x10000 }, new Uint8Array(0))).toThrow(
      expect.objectContaining({ field: 'ethernet.ethertype' }),
    );
    expect(ETH_P_IP).toBe(0x0800);
  });
});
