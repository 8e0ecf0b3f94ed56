import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitUdp, parseUdp, parseUdpTruncated, udpChecksumValid } from './udp.js';
import { IPPROTO_UDP, type UdpHeader } from './headers.js';
import { transportChecksum } from './checksum.js';

const SRC = 0x0af40002;
const DST = 0x0a60000a;
const dns: UdpHeader = { sport: 53000, dport: 53, length: 0, checksum: 0 };

describe('UDP (RFC 768)', () => {
  it('recomputes the length and computes a valid checksum', () => {
    const bytes = emitUdp({ ...dns, length: 999 }, new Uint8Array(12), SRC, DST);
    expect(Array.from(bytes.subarray(0, 6))).toEqual([0xcf, 0x08, 0, 53, 0, 20]);
    expect(udpChecksumValid(SRC, DST, bytes)).toBe(true);
    expect(udpChecksumValid(SRC + 1, DST, bytes)).toBe(false);
  });

  it('sends a computed checksum of 0 as 0xffff', () => {
    // Choose the payload word so that the sum complements to zero.
    const probe = new Uint8Array(10);
    probe.set([0xcf, 0x08, 0, 53, 0, 10]);
    const word = transportChecksum(SRC, DST, IPPROTO_UDP, probe);
    const payload = Uint8Array.of(word >>> 8, word & 0xff);
    const bytes = emitUdp(dns, payload, SRC, DST);
    expect((bytes[6] << 8) | bytes[7]).toBe(0xffff);
    expect(udpChecksumValid(SRC, DST, bytes)).toBe(true);
  });

  it('accepts a zero checksum as none', () => {
    const bytes = emitUdp(dns, new Uint8Array(4), SRC, DST);
    bytes[6] = 0;
    bytes[7] = 0;
    expect(udpChecksumValid(SRC, DST, bytes)).toBe(true);
  });

  it('round-trips generated datagrams', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(u16, u16, u32, u32, fc.uint8Array({ maxLength: 40 }), (sport, dport, src, dst, payload) => {
        const bytes = emitUdp({ sport, dport, length: 0, checksum: 0 }, payload, src, dst);
        expect(udpChecksumValid(src, dst, bytes)).toBe(true);
        const parsed = parseUdp(bytes);
        expect(parsed.header).toEqual({ sport, dport, length: 8 + payload.length, checksum: parsed.header.checksum });
        expect(parsed.header.checksum).not.toBe(0);
        expect(Array.from(parsed.payload)).toEqual(Array.from(payload));
      }),
      { seed: 768, numRuns: 500 },
    );
  });

  it('trims the payload to the UDP length', () => {
    const bytes = new Uint8Array(20);
    bytes.set(emitUdp(dns, new Uint8Array(4), SRC, DST));
    expect(parseUdp(bytes).payload.length).toBe(4);
  });

  it('rejects short datagrams and impossible lengths', () => {
    const bytes = emitUdp(dns, new Uint8Array(4), SRC, DST);
    expect(() => parseUdp(bytes.subarray(0, 7))).toThrow(expect.objectContaining({ field: 'udp.length' }));
    expect(() => parseUdp(bytes.subarray(0, 11))).toThrow(expect.objectContaining({ field: 'udp.length' }));
    bytes[5] = 7;
    expect(() => parseUdp(bytes)).toThrow(expect.objectContaining({ field: 'udp.length' }));
  });

  it('reads a truncated header with zeros for missing fields', () => {
    const bytes = emitUdp(dns, new Uint8Array(100), SRC, DST);
    expect(parseUdpTruncated(bytes.subarray(0, 4)).header).toEqual({ ...dns, length: 0, checksum: 0 });
    const cut = parseUdpTruncated(bytes.subarray(0, 20));
    expect(cut.header.length).toBe(108);
    expect(cut.payload.length).toBe(12);
  });
});
