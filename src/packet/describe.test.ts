// describeSkb() keeps the last tcpdump line on the skb: it must print what describePacket() prints after
// every change of what the line shows, and reuse the line only for the same packet with the same fields.
import { describe, expect, it } from 'vitest';
import { describePacket, describeSkb, endpoints, skbEndpoints } from './describe.js';
import type { IpPacket } from './frame.js';
import { clonePacket, newSkb } from './skb.js';

const ip = { tos: 0, totalLength: 60, id: 1, df: true, mf: false, fragOffset: 0, ttl: 64, protocol: 17, checksum: 0, src: 0x0a000001, dst: 0x0a000002 };
const tcp = (): IpPacket => ({
  ip: { ...ip, protocol: 6 },
  l4: { proto: 'tcp', tcp: { sport: 1000, dport: 80, seq: 3, ack: 0, flags: { fin: false, syn: true, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false }, window: 64240, checksum: 0, urgent: 0 } },
  payloadLength: 0,
});
const udp = (): IpPacket => ({ ip: { ...ip }, l4: { proto: 'udp', udp: { sport: 1, dport: 53, length: 40, checksum: 0 } }, payloadLength: 32 });

describe('describeSkb (the tcpdump line kept on the skb)', () => {
  it('reuses the line for the same packet, and prints anew after any printed field changes', () => {
    const skb = newSkb(udp(), 0);
    const first = describeSkb(skb);
    expect(first).toBe(describePacket(skb.packet));
    expect(describeSkb(skb)).toBe(first);
    expect(skb.line?.text).toBe(first);
    skb.packet.ip.ttl = 3; // not printed: the line stays
    expect(describeSkb(skb)).toBe(first);
    const edits: Array<(p: IpPacket) => void> = [
      (p) => { p.ip.src = 0x0a000009; },
      (p) => { p.ip.dst = 0x0a00000a; },
      (p) => { p.payloadLength = 7; },
      (p) => { if (p.l4.proto === 'udp') p.l4.udp.sport = 9; },
      (p) => { if (p.l4.proto === 'udp') p.l4.udp.dport = 8472; },
      (p) => { if (p.l4.proto === 'udp') p.l4.vxlan = { header: { flags: 8, vni: 1 }, inner: { eth: { src: 'a', dst: 'b', ethertype: 0x800 }, body: { kind: 'ipv4', packet: tcp() } } }; },
      (p) => { if (p.l4.proto === 'udp' && p.l4.vxlan) p.l4.vxlan.header.vni = 2; },
    ];
    let last = first;
    for (const edit of edits) {
      edit(skb.packet);
      const line = describeSkb(skb);
      expect(line).toBe(describePacket(skb.packet));
      expect(line).not.toBe(last);
      last = line;
    }
    skb.packet = clonePacket(skb.packet);
    expect(describeSkb(skb)).toBe(last);
    expect(skb.line?.packet).toBe(skb.packet);
  });
  it('TCP: flags, seq, ack and window print anew', () => {
    const skb = newSkb(tcp(), 0);
    let last = describeSkb(skb);
    const edits: Array<(p: IpPacket) => void> = [
      (p) => { if (p.l4.proto === 'tcp') p.l4.tcp.flags.ack = true; },
      (p) => { if (p.l4.proto === 'tcp') p.l4.tcp.ack = 99; },
      (p) => { if (p.l4.proto === 'tcp') p.l4.tcp.seq = 4; },
      (p) => { if (p.l4.proto === 'tcp') p.l4.tcp.window = 100; },
      (p) => { if (p.l4.proto === 'tcp') p.l4.tcp.flags.syn = false; },
      (p) => { if (p.l4.proto === 'tcp') p.l4.tcp.dport = 81; },
    ];
    for (const edit of edits) {
      edit(skb.packet);
      const line = describeSkb(skb);
      expect(line).toBe(describePacket(skb.packet));
      expect(line).not.toBe(last);
      last = line;
    }
  });
  it('other protocols print each time, keeping nothing', () => {
    const skb = newSkb({ ip: { ...ip, protocol: 1 }, l4: { proto: 'icmp', icmp: { type: 8, code: 0, checksum: 0, rest: 1 } }, payloadLength: 56 }, 0);
    expect(describeSkb(skb)).toBe(describePacket(skb.packet));
    expect(skb.line).toBeNull();
  });
});

describe('skbEndpoints (the endpoints kept on the skb)', () => {
  it('prints what endpoints() prints after every change of an address or port, and reuses them otherwise', () => {
    const skb = newSkb(udp(), 0);
    const first = skbEndpoints(skb);
    expect(first).toEqual(endpoints(skb.packet));
    skb.packet = clonePacket(skb.packet);
    skb.packet.ip.ttl = 1;
    expect(skbEndpoints(skb)).toBe(first);
    const edits: Array<(p: IpPacket) => void> = [
      (p) => { p.ip.dst = 0x0a000063; },
      (p) => { p.ip.src = 0x0a000063; },
      (p) => { if (p.l4.proto === 'udp') p.l4.udp.sport = 7; },
      (p) => { if (p.l4.proto === 'udp') p.l4.udp.dport = 5353; },
      (p) => { p.l4 = { proto: 'icmp', icmp: { type: 8, code: 0, checksum: 0, rest: 7 } }; },
      (p) => { p.ip.src = 0x0a000001; },
    ];
    let last = first;
    for (const edit of edits) {
      edit(skb.packet);
      const ends = skbEndpoints(skb);
      expect(ends).toEqual(endpoints(skb.packet));
      expect(ends).not.toEqual(last);
      last = ends;
    }
  });
  it('a line printed after endpoints (and endpoints after a line) shows the packet\'s own addresses', () => {
    const skb = newSkb(tcp(), 0);
    skbEndpoints(skb);
    // The reply: addresses swapped, so each is taken from the other side of what was printed.
    const p = skb.packet;
    skb.packet = { ...p, ip: { ...p.ip, src: p.ip.dst, dst: 0x0a0000ff } };
    expect(describeSkb(skb)).toBe(describePacket(skb.packet));
    skb.packet = { ...skb.packet, ip: { ...skb.packet.ip, src: 0x0a0000fe } };
    expect(skbEndpoints(skb)).toEqual(endpoints(skb.packet));
    expect(describeSkb(skb)).toBe(describePacket(skb.packet));
  });
});
