import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c, emitSctp, parseSctp, parseSctpTruncated, sctpChecksumValid, sctpLength } from './sctp.js';
import { SCTP_CID_INIT, type SctpHeader } from './headers.js';

describe('SCTP (RFC 9260)', () => {
  it('computes CRC32c as RFC 3720 B.4 gives it', () => {
    // 32 bytes of zeros -> 0x8a9136aa; the ASCII digits 123456789 -> 0xe3069283 (the CRC catalogue's check value).
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('emits one chunk, padded, with a checksum that verifies', () => {
    const h: SctpHeader = { sport: 40000, dport: 53, vtag: 0, checksum: 0, chunk: SCTP_CID_INIT };
    const bytes = emitSctp(h, new Uint8Array(17));
    expect(bytes.length).toBe(sctpLength(17));
    expect(bytes.length).toBe(36);
    expect(Array.from(bytes.subarray(12, 16))).toEqual([1, 0, 0, 21]);
    expect(sctpChecksumValid(bytes)).toBe(true);
    bytes[20] ^= 1;
    expect(sctpChecksumValid(bytes)).toBe(false);
  });

  it('round-trips generated packets', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(u16, u16, fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 64 }), (sport, dport, vtag, chunk, n) => {
        const bytes = emitSctp({ sport, dport, vtag, checksum: 0, chunk }, new Uint8Array(n));
        const { header, value } = parseSctp(bytes);
        expect({ ...header, checksum: 0 }).toEqual({ sport, dport, vtag, checksum: 0, chunk });
        expect(value.length).toBe(n);
        expect(parseSctpTruncated(bytes.subarray(0, 8))).toEqual({ sport, dport, vtag, checksum: 0, chunk: 0 });
      }),
    );
  });

  it('refuses a chunk longer than the bytes', () => {
    const bytes = emitSctp({ sport: 1, dport: 2, vtag: 0, checksum: 0, chunk: 0 }, new Uint8Array(4));
    bytes[15] = 200;
    expect(() => parseSctp(bytes)).toThrow(/chunk length 200/);
  });
});
