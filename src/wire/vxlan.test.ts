import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emitVxlan, looksLikeVxlan, parseVxlan } from './vxlan.js';
import { VXLAN_FLAGS_VNI } from './headers.js';

describe('VXLAN (RFC 7348)', () => {
  it('lays out flags and a 24-bit VNI around reserved bytes', () => {
    const bytes = emitVxlan({ flags: VXLAN_FLAGS_VNI, vni: 0xabcdef }, Uint8Array.of(7));
    expect(Array.from(bytes)).toEqual([0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0, 7]);
  });

  it('round-trips every VNI', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.uint8Array({ maxLength: 20 }), (vni, inner) => {
        const parsed = parseVxlan(emitVxlan({ flags: VXLAN_FLAGS_VNI, vni }, inner));
        expect(parsed.header).toEqual({ flags: VXLAN_FLAGS_VNI, vni });
        expect(Array.from(parsed.payload)).toEqual(Array.from(inner));
      }),
      { seed: 7348, numRuns: 500 },
    );
  });

  it('recognizes a header by its flags, as vxlan_rcv() does', () => {
    expect(looksLikeVxlan(emitVxlan({ flags: 0x08, vni: 1 }, new Uint8Array(0)))).toBe(true);
    expect(looksLikeVxlan(emitVxlan({ flags: 0x0c, vni: 1 }, new Uint8Array(0)))).toBe(false);
    expect(looksLikeVxlan(new Uint8Array(8))).toBe(false);
    expect(looksLikeVxlan(Uint8Array.of(8, 0, 0, 0, 0, 0, 1))).toBe(false);
  });

  it('rejects a short header and a VNI over 24 bits', () => {
    expect(() => parseVxlan(new Uint8Array(7))).toThrow(expect.objectContaining({ field: 'vxlan.length' }));
    expect(() => emitVxlan({ flags: 8, vni: 0x1000000 }, new Uint8Array(0))).toThrow(
      expect.objectContaining({ field: 'vxlan.vni' }),
    );
  });
});
