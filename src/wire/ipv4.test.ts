import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitIpv4Datagram, parseIpv4Datagram, parseIpv4Truncated } from './ipv4.js';
import { IPPROTO_UDP, type Ipv4Header } from './headers.js';
import { internetChecksum } from './checksum.js';

const SEED = 791;

// A well-known header: 192.168.0.1 -> 192.168.0.199, UDP, DF, TTL 64, total length 0x73, checksum 0xb861.
const KNOWN = Uint8Array.from([
  0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
]);

const header: Ipv4Header = {
  tos: 0,
  totalLength: 0,
  id: 0,
  df: true,
  mf: false,
  fragOffset: 0,
  ttl: 64,
  protocol: IPPROTO_UDP,
  checksum: 0,
  src: 0xc0a80001,
  dst: 0xc0a800c7,
};

describe('IPv4 header (RFC 791)', () => {
  it('computes the header checksum and total length on emit', () => {
    const bytes = emitIpv4Datagram(header, new Uint8Array(0x73 - 20));
    expect(Array.from(bytes.subarray(0, 20))).toEqual(Array.from(KNOWN));
  });

  it('parses a known header', () => {
    const bytes = new Uint8Array(0x73);
    bytes.set(KNOWN);
    const { header: h, payload } = parseIpv4Datagram(bytes);
    expect(h).toEqual({ ...header, totalLength: 0x73, checksum: 0xb861 });
    expect(payload.length).toBe(0x73 - 20);
  });

  it('encodes DF, MF and the fragment offset in 8-byte units', () => {
    const bytes = emitIpv4Datagram({ ...header, df: false, mf: true, fragOffset: 0x1abc }, new Uint8Array(8));
    expect((bytes[6] << 8) | bytes[7]).toBe(0x2000 | 0x1abc);
    const { header: h } = parseIpv4Datagram(bytes);
    expect([h.df, h.mf, h.fragOffset]).toEqual([false, true, 0x1abc]);
  });

  it('ignores the header checksum and total length it is given', () => {
    const a = emitIpv4Datagram({ ...header, totalLength: 9999, checksum: 0x1234 }, new Uint8Array(4));
    const b = emitIpv4Datagram(header, new Uint8Array(4));
    expect(a).toEqual(b);
  });

  it('trims Ethernet padding after the total length', () => {
    const bytes = new Uint8Array(46);
    bytes.set(emitIpv4Datagram(header, Uint8Array.of(1, 2, 3, 4)));
    expect(Array.from(parseIpv4Datagram(bytes).payload)).toEqual([1, 2, 3, 4]);
  });

  it('skips options when ihl > 5', () => {
    const bytes = new Uint8Array(28);
    bytes.set(emitIpv4Datagram(header, new Uint8Array(8)).subarray(0, 20));
    bytes[0] = 0x46;
    bytes[3] = 28;
    bytes[20] = 1; // NOP option
    bytes[24] = 0xaa;
    bytes[10] = 0;
    bytes[11] = 0;
    const c = internetChecksum(bytes.subarray(0, 24));
    bytes[10] = c >>> 8;
    bytes[11] = c & 0xff;
    expect(Array.from(parseIpv4Datagram(bytes).payload)).toEqual([0xaa, 0, 0, 0]);
  });

  it('round-trips generated headers', () => {
    const arb = fc.record({
      tos: fc.integer({ min: 0, max: 255 }),
      id: fc.integer({ min: 0, max: 0xffff }),
      df: fc.boolean(),
      mf: fc.boolean(),
      fragOffset: fc.integer({ min: 0, max: 0x1fff }),
      ttl: fc.integer({ min: 0, max: 255 }),
      protocol: fc.integer({ min: 0, max: 255 }),
      src: fc.integer({ min: 0, max: 0xffffffff }),
      dst: fc.integer({ min: 0, max: 0xffffffff }),
    });
    fc.assert(
      fc.property(arb, fc.uint8Array({ maxLength: 100 }), (h, payload) => {
        const bytes = emitIpv4Datagram({ ...h, totalLength: 0, checksum: 0 }, payload);
        const parsed = parseIpv4Datagram(bytes);
        expect(parsed.header).toEqual({ ...h, totalLength: 20 + payload.length, checksum: parsed.header.checksum });
        expect(internetChecksum(bytes.subarray(0, 20))).toBe(0);
        expect(Array.from(parsed.payload)).toEqual(Array.from(payload));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  describe('rejects malformed headers, naming the field', () => {
    const good = () => emitIpv4Datagram(header, new Uint8Array(8));
    it.each([
      ['ipv4.length', () => good().subarray(0, 19)],
      ['ipv4.version', () => { const b = good(); b[0] = 0x65; return b; }],
      ['ipv4.ihl', () => { const b = good(); b[0] = 0x44; return b; }],
      ['ipv4.ihl', () => { const b = good(); b[0] = 0x4f; return b; }],
      ['ipv4.totalLength', () => { const b = good(); b[3] = 29; return b; }],
      ['ipv4.totalLength', () => { const b = good(); b[3] = 19; return b; }],
      ['ipv4.checksum', () => { const b = good(); b[8] = 63; return b; }],
    ])('%s', (field, bytes) => {
      expect(() => parseIpv4Datagram(bytes())).toThrow(expect.objectContaining({ field }));
    });

    it.each([
      ['ipv4.ttl', { ...header, ttl: 256 }],
      ['ipv4.fragOffset', { ...header, fragOffset: 0x2000 }],
      ['ipv4.src', { ...header, src: -1 }],
    ])('on emit: %s', (field, h) => {
      expect(() => emitIpv4Datagram(h, new Uint8Array(0))).toThrow(expect.objectContaining({ field }));
    });

    it('on emit: a datagram over 65535 bytes', () => {
      expect(() => emitIpv4Datagram(header, new Uint8Array(65516))).toThrow(
        expect.objectContaining({ field: 'ipv4.totalLength' }),
      );
    });
  });

  it('parses a truncated quote without verifying its checksum', () => {
    const bytes = emitIpv4Datagram(header, new Uint8Array(100)).subarray(0, 28);
    bytes[10] ^= 0xff;
    const { header: h, payload } = parseIpv4Truncated(bytes);
    expect(h.totalLength).toBe(120);
    expect(payload.length).toBe(8);
    expect(() => parseIpv4Datagram(bytes)).toThrow(expect.objectContaining({ field: 'ipv4.totalLength' }));
  });
});
