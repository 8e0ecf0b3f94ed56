import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checksumReplace16,
  checksumReplace32,
  finishChecksum,
  foldSum,
  internetChecksum,
  onesComplementSum,
  pseudoHeaderSum,
  transportChecksum,
  transportChecksumValid,
} from './checksum.js';

const SEED = 1071;

describe('internetChecksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    const bytes = Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    expect(foldSum(onesComplementSum(bytes))).toBe(0xddf2);
    expect(internetChecksum(bytes)).toBe(0x220d);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(Uint8Array.of(0x12, 0x34, 0x56))).toBe(internetChecksum(Uint8Array.of(0x12, 0x34, 0x56, 0)));
  });

  it('is 0xffff for an empty or all-zero message', () => {
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
    expect(internetChecksum(new Uint8Array(10))).toBe(0xffff);
  });

  it('verifies to zero once the checksum is stored in the message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 200 }), (data) => {
        const bytes = Uint8Array.from(data);
        bytes[0] = 0;
        bytes[1] = 0;
        const c = internetChecksum(bytes);
        bytes[0] = c >>> 8;
        bytes[1] = c & 0xff;
        expect(internetChecksum(bytes)).toBe(0);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('sums in even-offset pieces the same as in one go', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (bytes, cut) => {
        const split = Math.min(bytes.length, (cut % 151) * 2);
        const first = onesComplementSum(bytes, 0, 0, split);
        expect(finishChecksum(onesComplementSum(bytes, first, split))).toBe(internetChecksum(bytes));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('stays exact for long messages', () => {
    const bytes = new Uint8Array(200_000).fill(0xff);
    expect(internetChecksum(bytes)).toBe(0);
  });
});

describe('pseudo-header', () => {
  it('sums src, dst, protocol and length as 16-bit words', () => {
    expect(pseudoHeaderSum(0x0a000001, 0x0a000002, 6, 20)).toBe(0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 20);
  });

  it('a segment carrying its transport checksum verifies', () => {
    const seg = new Uint8Array(24);
    seg.set([0x30, 0x39, 0x00, 0x50]);
    const c = transportChecksum(0xc0a80001, 0xc0a800c7, 6, seg);
    seg[16] = c >>> 8;
    seg[17] = c & 0xff;
    expect(transportChecksumValid(0xc0a80001, 0xc0a800c7, 6, seg)).toBe(true);
    expect(transportChecksumValid(0xc0a80001, 0xc0a800c8, 6, seg)).toBe(false);
  });
});

describe('incremental update (RFC 1624)', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });

  it('checksumReplace32 equals recomputing after an address rewrite', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 40 }), u32, (data, to) => {
        const bytes = Uint8Array.from(data);
        const v = new DataView(bytes.buffer);
        const before = internetChecksum(bytes);
        const from = v.getUint32(4);
        v.setUint32(4, to);
        const after = internetChecksum(bytes);
        // One's complement has two zeros (0x0000, 0xffff); RFC 1624 §3 may yield either.
        expect(checksumReplace32(before, from, to) % 0xffff).toBe(after % 0xffff);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('checksumReplace16 equals recomputing after a port rewrite', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 40 }), fc.integer({ min: 0, max: 0xffff }), (data, to) => {
        const bytes = Uint8Array.from(data);
        const v = new DataView(bytes.buffer);
        const before = internetChecksum(bytes);
        const from = v.getUint16(2);
        v.setUint16(2, to);
        expect(checksumReplace16(before, from, to) % 0xffff).toBe(internetChecksum(bytes) % 0xffff);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
