import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  emitIcmp,
  icmpChecksumValid,
  icmpEchoId,
  icmpEchoRest,
  icmpEchoSeq,
  icmpFragNeededRest,
  icmpNextHopMtu,
  isIcmpError,
  parseIcmp,
  parseIcmpTruncated,
} from './icmp.js';
import {
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_FRAG_NEEDED,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
} from './headers.js';

describe('ICMP (RFC 792)', () => {
  it('encodes an echo request as ping does, id and seq in rest', () => {
    const rest = icmpEchoRest(0x1234, 1);
    const bytes = emitIcmp({ type: ICMP_ECHO, code: 0, checksum: 0, rest }, new Uint8Array(4));
    expect(Array.from(bytes.subarray(0, 2))).toEqual([8, 0]);
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0x12, 0x34, 0x00, 0x01]);
    // ~(0x0800 + 0x1234 + 0x0001) = ~0x1a35
    expect((bytes[2] << 8) | bytes[3]).toBe(0xe5ca);
    expect(icmpChecksumValid(bytes)).toBe(true);
    const { header } = parseIcmp(bytes);
    expect([icmpEchoId(header.rest), icmpEchoSeq(header.rest)]).toEqual([0x1234, 1]);
  });

  it('carries the next-hop MTU of frag-needed in the low 16 bits (RFC 1191)', () => {
    const rest = icmpFragNeededRest(1450);
    const bytes = emitIcmp({ type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, checksum: 0, rest }, new Uint8Array(28));
    expect(Array.from(bytes.subarray(4, 8))).toEqual([0, 0, 0x05, 0xaa]);
    expect(icmpNextHopMtu(parseIcmp(bytes).header.rest)).toBe(1450);
  });

  it('knows which types are errors (icmp_pointers[].error)', () => {
    const errors = [ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB];
    for (let t = 0; t < 256; t++) expect(isIcmpError(t)).toBe(errors.includes(t));
  });

  it('round-trips generated messages with a valid checksum over header and body', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 64 }),
        (type, code, rest, body) => {
          const bytes = emitIcmp({ type, code, checksum: 0, rest }, body);
          expect(icmpChecksumValid(bytes)).toBe(true);
          const { header, payload } = parseIcmp(bytes);
          expect(header).toEqual({ type, code, rest, checksum: header.checksum });
          expect(Array.from(payload)).toEqual(Array.from(body));
        },
      ),
      { seed: 792, numRuns: 500 },
    );
  });

  it('detects a corrupted message', () => {
    const bytes = emitIcmp({ type: ICMP_ECHOREPLY, code: 0, checksum: 0, rest: 7 }, new Uint8Array(8));
    bytes[9] = 1;
    expect(icmpChecksumValid(bytes)).toBe(false);
  });

  it('rejects a message shorter than 8 bytes, but reads a truncated one with zeros', () => {
    const bytes = emitIcmp({ type: ICMP_ECHO, code: 0, checksum: 0, rest: 0xdeadbeef }, new Uint8Array(0));
    expect(() => parseIcmp(bytes.subarray(0, 7))).toThrow(expect.objectContaining({ field: 'icmp.length' }));
    expect(parseIcmpTruncated(bytes.subarray(0, 5)).header).toEqual({
      type: ICMP_ECHO,
      code: 0,
      checksum: (bytes[2] << 8) | bytes[3],
      rest: 0xde000000,
    });
  });

  it('names the field that does not fit', () => {
    expect(() => icmpEchoRest(0x10000, 0)).toThrow(expect.objectContaining({ field: 'icmp.echo.id' }));
    expect(() => emitIcmp({ type: 256, code: 0, checksum: 0, rest: 0 }, new Uint8Array(0))).toThrow(
      expect.objectContaining({ field: 'icmp.type' }),
    );
  });
});
