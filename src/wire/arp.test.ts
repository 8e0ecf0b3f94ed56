import { describe, expect, it } from 'vitest';
import { emitArp, parseArp } from './arp.js';
import { ARPOP_REPLY, ARPOP_REQUEST, type ArpPacket } from './headers.js';

describe('ARP (RFC 826)', () => {
  const request: ArpPacket = {
    op: ARPOP_REQUEST,
    sha: '02:00:00:00:00:01',
    spa: 0x0a000101,
    tha: '00:00:00:00:00:00',
    tpa: 0x0a000102,
  };

  it('encodes the Ethernet/IPv4 layout', () => {
    const bytes = emitArp(request);
    expect(bytes.length).toBe(28);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    expect(Array.from(bytes.subarray(14, 18))).toEqual([10, 0, 1, 1]);
    expect(Array.from(bytes.subarray(24, 28))).toEqual([10, 0, 1, 2]);
  });

  it('round-trips requests and replies', () => {
    expect(parseArp(emitArp(request))).toEqual(request);
    const reply: ArpPacket = { op: ARPOP_REPLY, sha: 'aa:bb:cc:dd:ee:ff', spa: 0xffffffff, tha: '02:00:00:00:00:01', tpa: 0 };
    expect(parseArp(emitArp(reply))).toEqual(reply);
  });

  it('ignores Ethernet padding after the 28 bytes', () => {
    const padded = new Uint8Array(46);
    padded.set(emitArp(request));
    expect(parseArp(padded)).toEqual(request);
  });

  it('rejects a packet shorter than 28 bytes', () => {
    expect(() => parseArp(emitArp(request).subarray(0, 27))).toThrow(expect.objectContaining({ field: 'arp.length' }));
  });

  it.each([
    ['arp.htype', 1, 6],
    ['arp.ptype', 2, 0x86],
    ['arp.hlen', 4, 8],
    ['arp.plen', 5, 16],
  ])('rejects a bad %s', (field, offset, value) => {
    const bytes = emitArp(request);
    bytes[offset] = value;
    expect(() => parseArp(bytes)).toThrow(expect.objectContaining({ field }));
  });
});
