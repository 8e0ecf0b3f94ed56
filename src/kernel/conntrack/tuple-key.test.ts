import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tupleKey, zonedKey } from './tuple-key.js';
import { headerKey, headerTuple, invertTuple, invertedKey } from './tuple-of.js';
import { echo, tcp, udp } from '../../../test/conntrack/packets.js';
import type { IpPacket } from '../../packet/frame.js';
import type { Tuple } from './tuple.js';

const printed = (t: Tuple, zone: number): string => `${t.proto}/${t.src}/${t.sport}/${t.dst}/${t.dport}${zone === 0 ? '' : `%${zone}`}`;

// Valid fields most of the time, and now and then a value no packet has (a port over 16 bits, a negative or
// fractional number, an address beyond 32 bits), which must take the printed form.
const field = (bits: number) => fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 2 ** bits - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 0.5, 2 ** bits, 2 ** 32 + 1, -0) },
);
const tuple = fc.record({ proto: field(8), src: field(32), sport: field(16), dst: field(32), dport: field(16) });

describe('tupleKey', () => {
  it('two tuples get the same key exactly when their printed forms are equal', () => {
    fc.assert(fc.property(tuple, tuple, fc.constantFrom(0, 1, 7), fc.constantFrom(0, 1), (a, b, za, zb) => {
      expect(zonedKey(a, za) === zonedKey(b, zb)).toBe(printed(a, za) === printed(b, zb));
    }), { numRuns: 2000 });
  });

  it('keys of tuples that differ in one field differ', () => {
    const t: Tuple = { proto: 17, src: 0x0a800002, sport: 31000, dst: 0xac100065, dport: 53 };
    const keys = new Set([tupleKey(t), tupleKey({ ...t, sport: 31001 }), tupleKey({ ...t, dst: t.dst + 1 }), tupleKey({ ...t, proto: 6 }), tupleKey({ ...t, src: t.src ^ 0x10000 })]);
    expect(keys.size).toBe(5);
    expect(tupleKey({ ...t, sport: 70000 })).toBe('17/176160770/70000/2886729829/53');
  });
});

describe('invertedKey', () => {
  it('is the key of the inverted tuple, for every protocol (ICMP types included) and zone', () => {
    const anyProto = fc.record({ proto: fc.constantFrom(1, 6, 17, 132, 47), src: field(32), sport: field(16), dst: field(32), dport: field(16) });
    const icmp = fc.record({ proto: fc.constant(1), src: field(32), sport: field(16), dst: field(32), dport: fc.integer({ min: 0, max: 0xffff }) });
    fc.assert(fc.property(fc.oneof(tuple, anyProto, icmp), fc.constantFrom(0, 1, 7), (t, zone) => {
      expect(invertedKey(t, zone)).toBe(zonedKey(invertTuple(t), zone));
    }), { numRuns: 3000 });
  });
});

describe('headerKey', () => {
  it("is the key of the packet's header tuple, for every protocol", () => {
    const sctp = (src: number, sport: number, dst: number, dport: number): IpPacket => ({
      ...udp(src, sport, dst, dport),
      l4: { proto: 'sctp', sctp: { sport, dport, vtag: 0, checksum: 0, chunk: 1 } },
    });
    const other = (src: number, dst: number): IpPacket => ({ ...udp(src, 1, dst, 2), l4: { proto: 'other', number: 47 } });
    const packet = fc.tuple(field(32), field(16), field(32), field(16), fc.constantFrom('tcp', 'udp', 'sctp', 'icmp', 'other')).map(([s, sp, d, dp, kind]) =>
      kind === 'tcp' ? tcp(s, sp, d, dp, 'S') : kind === 'udp' ? udp(s, sp, d, dp) : kind === 'sctp' ? sctp(s, sp, d, dp) : kind === 'icmp' ? echo(s, d, sp & 0xffff) : other(s, d));
    fc.assert(fc.property(packet, (p) => {
      expect(headerKey(p)).toBe(tupleKey(headerTuple(p)));
    }), { numRuns: 3000 });
  });
});
