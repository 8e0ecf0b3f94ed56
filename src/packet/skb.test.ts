// clonePacket() is written out field by field for speed; it must give what structuredClone() gives.
import { describe, expect, it } from 'vitest';
import type { IpPacket } from './frame.js';
import { clonePacket } from './skb.js';

const ip = { tos: 0, totalLength: 60, id: 1, df: true, mf: false, fragOffset: 0, ttl: 64, protocol: 17, checksum: 0, src: 1, dst: 2 };

const inner: IpPacket = {
  ip: { ...ip, protocol: 6 },
  l4: { proto: 'tcp', tcp: { sport: 1, dport: 2, seq: 3, ack: 0, flags: { fin: false, syn: true, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false }, window: 64240, checksum: 0, urgent: 0 } },
  payloadLength: 0,
};

const packets: Array<[string, IpPacket]> = [
  ['tcp', inner],
  ['udp', { ip, l4: { proto: 'udp', udp: { sport: 1, dport: 53, length: 40, checksum: 0 } }, payloadLength: 32 }],
  ['vxlan', { ip, l4: { proto: 'udp', udp: { sport: 1, dport: 4789, length: 90, checksum: 0 }, vxlan: { header: { flags: 8, vni: 1 }, inner: { eth: { src: 'a', dst: 'b', ethertype: 0x800 }, body: { kind: 'ipv4', packet: inner } } } }, payloadLength: 0 }],
  ['icmp error', { ip: { ...ip, protocol: 1 }, l4: { proto: 'icmp', icmp: { type: 3, code: 3, checksum: 0, rest: 0 }, quoted: inner }, payloadLength: 0 }],
  ['icmp echo', { ip: { ...ip, protocol: 1 }, l4: { proto: 'icmp', icmp: { type: 8, code: 0, checksum: 0, rest: 1 } }, payloadLength: 56 }],
  ['sctp', { ip: { ...ip, protocol: 132 }, l4: { proto: 'sctp', sctp: { sport: 1, dport: 2, vtag: 0, checksum: 0, chunk: 1 } }, payloadLength: 16 }],
  ['other', { ip: { ...ip, protocol: 47 }, l4: { proto: 'other', number: 47 }, payloadLength: 0 }],
];

describe('clonePacket', () => {
  it.each(packets)('%s: equal to structuredClone, key order included, sharing no object', (_name, p) => {
    const c = clonePacket(p);
    expect(c).toEqual(structuredClone(p));
    expect(JSON.stringify(c)).toBe(JSON.stringify(structuredClone(p)));
    const objects = (x: unknown, out: Set<unknown>): Set<unknown> => {
      if (typeof x === 'object' && x !== null) {
        out.add(x);
        for (const v of Object.values(x)) objects(v, out);
      }
      return out;
    };
    const mine = objects(p, new Set());
    for (const o of objects(c, new Set())) expect(mine.has(o)).toBe(false);
  });
});
