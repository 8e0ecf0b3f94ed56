import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitTcp, parseTcp, parseTcpTruncated, tcpFlagsFromByte, tcpFlagsToByte } from './tcp.js';
import { IPPROTO_TCP, type TcpFlags, type TcpHeader } from './headers.js';
import { transportChecksumValid } from './checksum.js';

const NONE: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false };
const SRC = 0x0af40002;
const DST = 0x0a60000b;

const syn: TcpHeader = {
  sport: 40000,
  dport: 80,
  seq: 0x01020304,
  ack: 0,
  flags: { ...NONE, syn: true },
  window: 64240,
  checksum: 0,
  urgent: 0,
};

describe('TCP (RFC 793)', () => {
  it('lays out ports, sequence numbers, data offset and flags', () => {
    const bytes = emitTcp(syn, new Uint8Array(0), SRC, DST);
    expect(bytes.length).toBe(20);
    expect(Array.from(bytes.subarray(0, 14))).toEqual([0x9c, 0x40, 0, 80, 1, 2, 3, 4, 0, 0, 0, 0, 0x50, 0x02]);
    expect(transportChecksumValid(SRC, DST, IPPROTO_TCP, bytes)).toBe(true);
  });

  it('maps each flag to its bit (RFC 793, RFC 3168)', () => {
    const bits: [keyof TcpFlags, number][] = [
      ['fin', 0x01], ['syn', 0x02], ['rst', 0x04], ['psh', 0x08], ['ack', 0x10], ['urg', 0x20], ['ece', 0x40], ['cwr', 0x80],
    ];
    for (const [name, bit] of bits) {
      expect(tcpFlagsToByte({ ...NONE, [name]: true })).toBe(bit);
      expect(tcpFlagsFromByte(bit)).toEqual({ ...NONE, [name]: true });
    }
  });

  it('binds the checksum to the pseudo-header addresses', () => {
    const bytes = emitTcp(syn, new Uint8Array(10), SRC, DST);
    expect(transportChecksumValid(SRC, DST, IPPROTO_TCP, bytes)).toBe(true);
    expect(transportChecksumValid(SRC, DST + 1, IPPROTO_TCP, bytes)).toBe(false);
  });

  it('round-trips generated segments', () => {
    const flags = fc.record({
      fin: fc.boolean(), syn: fc.boolean(), rst: fc.boolean(), psh: fc.boolean(),
      ack: fc.boolean(), urg: fc.boolean(), ece: fc.boolean(), cwr: fc.boolean(),
    });
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const header = fc.record({ sport: u16, dport: u16, seq: u32, ack: u32, flags, window: u16, urgent: u16 });
    fc.assert(
      fc.property(header, u32, u32, fc.uint8Array({ maxLength: 40 }), (h, src, dst, payload) => {
        const bytes = emitTcp({ ...h, checksum: 0 }, payload, src, dst);
        expect(transportChecksumValid(src, dst, IPPROTO_TCP, bytes)).toBe(true);
        const parsed = parseTcp(bytes);
        expect(parsed.header).toEqual({ ...h, checksum: parsed.header.checksum });
        expect(Array.from(parsed.payload)).toEqual(Array.from(payload));
      }),
      { seed: 793, numRuns: 500 },
    );
  });

  it('skips options by the data offset', () => {
    const bytes = new Uint8Array(28);
    bytes.set(emitTcp(syn, new Uint8Array(8), SRC, DST));
    bytes[12] = 0x60;
    expect(parseTcp(bytes).payload.length).toBe(4);
  });

  it('rejects short segments and bad data offsets', () => {
    const bytes = emitTcp(syn, new Uint8Array(0), SRC, DST);
    expect(() => parseTcp(bytes.subarray(0, 19))).toThrow(expect.objectContaining({ field: 'tcp.length' }));
    bytes[12] = 0x40;
    expect(() => parseTcp(bytes)).toThrow(expect.objectContaining({ field: 'tcp.dataOffset' }));
    bytes[12] = 0x60;
    expect(() => parseTcp(bytes)).toThrow(expect.objectContaining({ field: 'tcp.dataOffset' }));
  });

  it('reads the 8 bytes an ICMP error must quote, missing fields as 0', () => {
    const bytes = emitTcp({ ...syn, ack: 5, flags: { ...NONE, ack: true } }, new Uint8Array(0), SRC, DST);
    const { header, headerLength } = parseTcpTruncated(bytes.subarray(0, 8));
    expect(header).toEqual({ ...syn, ack: 0, flags: NONE, window: 0, checksum: 0, urgent: 0 });
    expect(headerLength).toBe(20);
  });

  it('names the field that does not fit', () => {
    expect(() => emitTcp({ ...syn, dport: 65536 }, new Uint8Array(0), SRC, DST)).toThrow(
      expect.objectContaining({ field: 'tcp.dport' }),
    );
  });
});
