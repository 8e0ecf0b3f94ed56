import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { L2Frame } from './l2-frame.js';
import { flowSourcePort } from './vxlan.js';

// The hash as it was first written: FNV-1a over the printed key.
function reference(f: L2Frame): number {
  let key: string;
  if (f.kind === 'ipv4') {
    const p = f.skb.packet;
    const l4 = p.l4;
    const ports = l4.proto === 'tcp' ? `${l4.tcp.sport}:${l4.tcp.dport}` : l4.proto === 'udp' ? `${l4.udp.sport}:${l4.udp.dport}` : l4.proto === 'sctp' ? `${l4.sctp.sport}:${l4.sctp.dport}` : '';
    key = `${p.ip.src}|${p.ip.dst}|${p.ip.protocol}|${ports}`;
  } else {
    key = `${f.eth.src}|${f.eth.dst}`;
  }
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return 32768 + (h % (60999 - 32768 + 1));
}

const u32 = fc.oneof(fc.constantFrom(0, 9, 10, 99, 100, 0xffffffff, 1e9, 999999999), fc.integer({ min: 0, max: 0xffffffff }));
const port = fc.integer({ min: 0, max: 65535 });
const mac = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':'));

describe('flowSourcePort (udp_flow_src_port)', () => {
  it('hashes the same as FNV-1a over the printed flow key', () => {
    fc.assert(fc.property(u32, u32, fc.constantFrom('tcp', 'udp', 'sctp', 'icmp'), port, port, (src, dst, proto, sport, dport) => {
      const l4 = proto === 'tcp' ? { proto, tcp: { sport, dport } } : proto === 'udp' ? { proto, udp: { sport, dport } } : proto === 'sctp' ? { proto, sctp: { sport, dport } } : { proto, icmp: {} };
      const protocol = { tcp: 6, udp: 17, sctp: 132, icmp: 1 }[proto];
      const f = { kind: 'ipv4', eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, skb: { packet: { ip: { src, dst, protocol }, l4 } } } as unknown as L2Frame;
      expect(flowSourcePort(f)).toBe(reference(f));
    }), { numRuns: 3000 });
    fc.assert(fc.property(mac, mac, (src, dst) => {
      const f = { kind: 'arp', eth: { src, dst }, arp: {}, leg: 0, hops: 0 } as unknown as L2Frame;
      expect(flowSourcePort(f)).toBe(reference(f));
    }), { numRuns: 500 });
  });
});
