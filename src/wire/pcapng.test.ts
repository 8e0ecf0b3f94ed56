import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET, writePcapng } from './pcapng.js';

interface Block {
  type: number;
  length: number;
  body: DataView;
}

/** Walks the blocks, checking that each leading length equals its trailing copy and is a multiple of 4. */
function blocks(file: Uint8Array): Block[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Block[] = [];
  let at = 0;
  while (at < file.length) {
    const type = v.getUint32(at, true);
    const length = v.getUint32(at + 4, true);
    expect(length % 4).toBe(0);
    expect(v.getUint32(at + length - 4, true)).toBe(length);
    out.push({ type, length, body: new DataView(file.buffer, file.byteOffset + at + 8, length - 12) });
    at += length;
  }
  expect(at).toBe(file.length);
  return out;
}

/** Options as [code, text] pairs, up to opt_endofopt. */
function options(body: DataView, from: number): [number, string][] {
  const out: [number, string][] = [];
  let at = from;
  while (at < body.byteLength) {
    const code = body.getUint16(at, true);
    const len = body.getUint16(at + 2, true);
    if (code === 0) break;
    const text = new TextDecoder().decode(new Uint8Array(body.buffer, body.byteOffset + at + 4, len));
    out.push([code, text]);
    at += 4 + ((len + 3) & ~3);
  }
  return out;
}

describe('pcapng writer', () => {
  const frame = Uint8Array.from({ length: 42 }, (_, i) => i);

  it('writes an SHB, one Ethernet IDB and an EPB per packet', () => {
    const file = writePcapng([
      { timestampMicros: 0, data: frame },
      { timestampMicros: 1_700_000_000_123_456, data: frame.subarray(0, 15), comment: 'DNAT to 10.244.1.2:8080' },
    ]);
    const [shb, idb, epb1, epb2, ...rest] = blocks(file);
    expect(rest).toEqual([]);

    expect(shb.type).toBe(0x0a0d0d0a);
    expect(shb.length).toBe(28);
    expect(shb.body.getUint32(0, true)).toBe(0x1a2b3c4d);
    expect([shb.body.getUint16(4, true), shb.body.getUint16(6, true)]).toEqual([1, 0]);
    expect(shb.body.getBigInt64(8, true)).toBe(-1n);

    expect(idb.type).toBe(1);
    expect(idb.length).toBe(20);
    expect(idb.body.getUint16(0, true)).toBe(LINKTYPE_ETHERNET);

    expect(epb1.type).toBe(6);
    expect(epb1.length).toBe(32 + 44);
    expect(epb1.body.getUint32(0, true)).toBe(0);
    expect([epb1.body.getUint32(12, true), epb1.body.getUint32(16, true)]).toEqual([42, 42]);
    expect(Array.from(new Uint8Array(epb1.body.buffer, epb1.body.byteOffset + 20, 42))).toEqual(Array.from(frame));

    const ts = (BigInt(epb2.body.getUint32(4, true)) << 32n) | BigInt(epb2.body.getUint32(8, true));
    expect(ts).toBe(1_700_000_000_123_456n);
    expect([epb2.body.getUint32(12, true), epb2.body.getUint32(16, true)]).toEqual([15, 15]);
    // 15 bytes padded to 16, then a 23-byte comment padded to 24, then opt_endofopt.
    expect(epb2.length).toBe(32 + 16 + 4 + 24 + 4);
    expect(options(epb2.body, 20 + 16)).toEqual([[1, 'DNAT to 10.244.1.2:8080']]);
  });

  it('writes interface name, application and snaplen when given', () => {
    const file = writePcapng([], { ifName: 'node-a/eth0', application: 'packetwalk', snaplen: 262144 });
    const [shb, idb] = blocks(file);
    expect(options(shb.body, 16)).toEqual([[4, 'packetwalk']]);
    expect(idb.body.getUint32(4, true)).toBe(262144);
    expect(options(idb.body, 8)).toEqual([[2, 'node-a/eth0']]);
  });

  it('records an original length beyond the captured bytes', () => {
    const [, , epb] = blocks(writePcapng([{ timestampMicros: 5n, data: frame, originalLength: 1514 }]));
    expect(epb.body.getUint32(16, true)).toBe(1514);
  });

  it('rejects timestamps that are not whole non-negative microseconds', () => {
    for (const t of [-1, 1.5, -1n]) {
      expect(() => writePcapng([{ timestampMicros: t, data: frame }])).toThrow(
        expect.objectContaining({ field: 'pcapng.timestamp' }),
      );
    }
  });
});

describe('writePcapng with several interfaces', () => {
  it('writes one IDB per interface, in order, and each EPB names its own', () => {
    const file = writePcapng(
      [
        { timestampMicros: 5, data: new Uint8Array(14), interfaceId: 1 },
        { timestampMicros: 6, data: new Uint8Array(14), interfaceId: 0 },
      ],
      { interfaces: [{ name: 'a/eth0' }, { name: 'b/br0', description: 'bridge' }] },
    );
    const bs = blocks(file);
    expect(bs.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 1, 6, 6]);
    expect(options(bs[1].body, 8)).toEqual([[2, 'a/eth0']]);
    expect(options(bs[2].body, 8)).toEqual([[2, 'b/br0'], [3, 'bridge']]);
    expect([bs[3].body.getUint32(0, true), bs[4].body.getUint32(0, true)]).toEqual([1, 0]);
  });
  it('refuses an EPB naming an interface that was not described', () => {
    expect(() => writePcapng([{ timestampMicros: 0, data: new Uint8Array(14), interfaceId: 2 }], { interfaces: [{ name: 'x' }] })).toThrow(/interface 2/);
  });
});
