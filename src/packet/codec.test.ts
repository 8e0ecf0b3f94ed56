import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ICMP_QUOTE_MAX_LENGTH,
  emitFrame,
  emitIpPacket,
  frameLength,
  icmpQuoteLength,
  ipPacketLength,
  parseFrame,
  parseIpPacket,
} from './codec.js';
import type { Frame, IpPacket, L4 } from './frame.js';
import {
  ARPOP_REQUEST,
  ETH_P_ARP,
  ETH_P_IP,
  ICMP_DEST_UNREACH,
  ICMP_ECHO,
  ICMP_ECHOREPLY,
  ICMP_FRAG_NEEDED,
  ICMP_PORT_UNREACH,
  ICMP_TIME_EXCEEDED,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  type EthernetHeader,
  type IcmpHeader,
  type Ipv4Header,
  type TcpFlags,
  type TcpHeader,
  type UdpHeader,
} from '../wire/headers.js';
import { internetChecksum, transportChecksumValid } from '../wire/checksum.js';
import { icmpEchoRest, icmpFragNeededRest } from '../wire/icmp.js';
import { macFromBytes } from '../wire/ethernet.js';
import { emitIpv4Datagram } from '../wire/ipv4.js';
import { emitTcp } from '../wire/tcp.js';
import { emitIcmp } from '../wire/icmp.js';
import { WireError } from '../wire/errors.js';

// ---- expected values: the input with lengths computed independently and checksums as parsed ----

function expectedL4(l4: L4, got: L4, payloadLength: number): L4 {
  if (l4.proto === 'tcp' && got.proto === 'tcp') return { proto: 'tcp', tcp: { ...l4.tcp, checksum: got.tcp.checksum } };
  if (l4.proto === 'udp' && got.proto === 'udp') {
    const udp = { ...l4.udp, checksum: got.udp.checksum };
    if (!l4.vxlan) return { proto: 'udp', udp: { ...udp, length: 8 + payloadLength } };
    if (!got.vxlan) return l4;
    const inner = expectedFrame(l4.vxlan.inner, got.vxlan.inner);
    return { proto: 'udp', udp: { ...udp, length: 8 + 8 + frameLength(l4.vxlan.inner) }, vxlan: { header: l4.vxlan.header, inner } };
  }
  if (l4.proto === 'icmp' && got.proto === 'icmp') {
    const icmp = { ...l4.icmp, checksum: got.icmp.checksum };
    if (!l4.quoted) return { proto: 'icmp', icmp };
    if (!got.quoted) return l4;
    return { proto: 'icmp', icmp, quoted: expectedPacket(l4.quoted, got.quoted) };
  }
  if (l4.proto === 'sctp' && got.proto === 'sctp') return { proto: 'sctp', sctp: { ...l4.sctp, checksum: got.sctp.checksum } };
  return l4;
}

/** `p` with its total length computed by ipPacketLength and its checksums taken from `got` (verified apart). */
function expectedPacket(p: IpPacket, got: IpPacket): IpPacket {
  return {
    ip: { ...p.ip, totalLength: ipPacketLength(p), checksum: got.ip.checksum },
    l4: expectedL4(p.l4, got.l4, p.payloadLength),
    payloadLength: p.payloadLength,
  };
}

function expectedFrame(f: Frame, got: Frame): Frame {
  if (f.body.kind === 'ipv4' && got.body.kind === 'ipv4') {
    return { eth: f.eth, body: { kind: 'ipv4', packet: expectedPacket(f.body.packet, got.body.packet) } };
  }
  return f;
}

/** parse(emit(f)) equals f once lengths and checksums are filled in; L4 checksums verify; lengths agree. */
function expectFrameRoundTrip(f: Frame): Frame {
  const bytes = emitFrame(f);
  expect(bytes.length).toBe(frameLength(f));
  const got = parseFrame(bytes, { verifyL4Checksums: true });
  expect(got).toStrictEqual(expectedFrame(f, got));
  return got;
}

function expectPacketRoundTrip(p: IpPacket): IpPacket {
  const bytes = emitIpPacket(p);
  expect(bytes.length).toBe(ipPacketLength(p));
  const got = parseIpPacket(bytes, { verifyL4Checksums: true });
  expect(got).toStrictEqual(expectedPacket(p, got));
  return got;
}

// ---- hand-written packets ----

const NONE: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false };
const POD_A = 0x0af40002; // 10.244.0.2
const POD_B = 0x0af40102; // 10.244.1.2
const NODE_A = 0xc0a83a0a; // 192.168.58.10
const NODE_B = 0xc0a83a0b; // 192.168.58.11

function ipHeader(protocol: number, src: number, dst: number, over: Partial<Ipv4Header> = {}): Ipv4Header {
  return { tos: 0, totalLength: 0, id: 0x1c46, df: true, mf: false, fragOffset: 0, ttl: 64, protocol, checksum: 0, src, dst, ...over };
}

function eth(ethertype: number): EthernetHeader {
  return { dst: '02:42:0a:f4:01:02', src: '02:42:0a:f4:00:02', ethertype };
}

const syn: TcpHeader = { sport: 40000, dport: 8080, seq: 0xdeadbeef, ack: 0, flags: { ...NONE, syn: true }, window: 64240, checksum: 0, urgent: 0 };
const tcpSyn: IpPacket = { ip: ipHeader(IPPROTO_TCP, POD_A, POD_B), l4: { proto: 'tcp', tcp: syn }, payloadLength: 0 };
const dnsQuery: IpPacket = {
  ip: ipHeader(IPPROTO_UDP, POD_A, 0x0a60000a, { df: false }),
  l4: { proto: 'udp', udp: { sport: 53000, dport: 53, length: 0, checksum: 0 } },
  payloadLength: 33,
};
const ping: IpPacket = {
  ip: ipHeader(IPPROTO_ICMP, POD_A, POD_B),
  l4: { proto: 'icmp', icmp: { type: ICMP_ECHO, code: 0, checksum: 0, rest: icmpEchoRest(0x4d2, 1) } },
  payloadLength: 56,
};

function icmpError(icmp: IcmpHeader, quoted: IpPacket, src = 0x0af40101): IpPacket {
  return { ip: ipHeader(IPPROTO_ICMP, src, quoted.ip.src, { df: false, ttl: 64 }), l4: { proto: 'icmp', icmp, quoted }, payloadLength: 0 };
}

function vxlanOf(inner: Frame, dport = 8472): IpPacket {
  return {
    ip: ipHeader(IPPROTO_UDP, NODE_A, NODE_B, { df: false }),
    l4: { proto: 'udp', udp: { sport: 51234, dport, length: 0, checksum: 0 }, vxlan: { header: { flags: 0x08, vni: 1 }, inner } },
    payloadLength: 0,
  };
}

const tcpFrame: Frame = { eth: eth(ETH_P_IP), body: { kind: 'ipv4', packet: { ...tcpSyn, payloadLength: 100 } } };

describe('emitIpPacket / parseIpPacket', () => {
  it('round-trips a TCP SYN', () => {
    const got = expectPacketRoundTrip(tcpSyn);
    expect(got.ip.totalLength).toBe(40);
  });

  it('round-trips a UDP DNS query with its payload as zeros', () => {
    const bytes = emitIpPacket(dnsQuery);
    expect(bytes.length).toBe(20 + 8 + 33);
    expect(bytes.subarray(28).every((b) => b === 0)).toBe(true);
    expectPacketRoundTrip(dnsQuery);
  });

  it('round-trips an SCTP INIT (one chunk, padded; CRC32c verified) and a protocol unreachable quoting it', () => {
    const init: IpPacket = { ip: ipHeader(132, POD_A, POD_B), l4: { proto: 'sctp', sctp: { sport: 40000, dport: 53, vtag: 0, checksum: 0, chunk: 1 } }, payloadLength: 17 };
    const got = expectPacketRoundTrip(init);
    expect(got.ip.totalLength).toBe(20 + 12 + 24);
    const err = icmpError({ type: ICMP_DEST_UNREACH, code: 2, checksum: 0, rest: 0 }, init, POD_B);
    const back = parseIpPacket(emitIpPacket(err));
    expect(back.l4.proto === 'icmp' && back.l4.quoted?.l4.proto === 'sctp' && back.l4.quoted.l4.sctp.dport).toBe(53);
  });

  it('round-trips an ICMP echo request, id and seq in rest', () => {
    const got = expectPacketRoundTrip(ping);
    expect(got.ip.totalLength).toBe(84);
    expect(got.l4.proto === 'icmp' && got.l4.icmp.rest).toBe(0x04d20001);
  });

  it('round-trips a port unreachable that quotes a whole small datagram', () => {
    const err = icmpError({ type: ICMP_DEST_UNREACH, code: ICMP_PORT_UNREACH, checksum: 0, rest: 0 }, dnsQuery, POD_B);
    expect(ipPacketLength(err)).toBe(20 + 8 + 61);
    const bytes = emitIpPacket(err);
    expect(Array.from(bytes.subarray(28))).toEqual(Array.from(emitIpPacket(dnsQuery)));
    const got = expectPacketRoundTrip(err);
    expect(got.l4.proto === 'icmp' && got.l4.quoted?.payloadLength).toBe(33);
  });

  it('quotes at most 576 bytes in all, as __icmp_send() does, and parses the cut quote', () => {
    const big: IpPacket = { ...tcpSyn, l4: { proto: 'tcp', tcp: { ...syn, flags: { ...NONE, ack: true } } }, payloadLength: 1400 };
    const err = icmpError({ type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, checksum: 0, rest: icmpFragNeededRest(1450) }, big);
    expect(icmpQuoteLength(big)).toBe(ICMP_QUOTE_MAX_LENGTH);
    expect(ipPacketLength(err)).toBe(576);
    const bytes = emitIpPacket(err);
    expect(bytes.length).toBe(576);
    // The quoted header is as sent: its own checksum verifies.
    expect(internetChecksum(bytes.subarray(28, 48))).toBe(0);
    const got = expectPacketRoundTrip(err);
    expect(got.l4.proto === 'icmp' && got.l4.quoted?.ip.totalLength).toBe(1440);
    expect(got.l4.proto === 'icmp' && got.l4.quoted?.payloadLength).toBe(1400);
  });

  it('parses a quote cut to the 8 bytes RFC 792 requires, missing TCP fields as 0', () => {
    const original = emitIpPacket({ ...tcpSyn, l4: { proto: 'tcp', tcp: { ...syn, window: 512, flags: { ...NONE, ack: true } } } });
    const quote = original.subarray(0, 28);
    const icmp = emitIcmp({ type: ICMP_TIME_EXCEEDED, code: 0, checksum: 0, rest: 0 }, quote);
    const bytes = emitIpv4Datagram(ipHeader(IPPROTO_ICMP, 0x0a000001, POD_A), icmp);
    const got = parseIpPacket(bytes, { verifyL4Checksums: true });
    expect(got.l4.proto).toBe('icmp');
    if (got.l4.proto !== 'icmp') return;
    expect(got.payloadLength).toBe(0);
    expect(got.l4.quoted).toStrictEqual({
      ip: { ...tcpSyn.ip, totalLength: 40, checksum: (original[10] << 8) | original[11] },
      l4: { proto: 'tcp', tcp: { ...syn, ack: 0, flags: NONE, window: 0, checksum: 0, urgent: 0 } },
      payloadLength: 0,
    });
  });

  it('keeps an error body that is no datagram as payload', () => {
    const err: IpPacket = {
      ip: ipHeader(IPPROTO_ICMP, POD_B, POD_A),
      l4: { proto: 'icmp', icmp: { type: ICMP_DEST_UNREACH, code: 1, checksum: 0, rest: 0 } },
      payloadLength: 30,
    };
    expectPacketRoundTrip(err);
  });

  it('models a non-first fragment as an opaque transport', () => {
    const frag: IpPacket = {
      ip: ipHeader(IPPROTO_UDP, POD_A, POD_B, { df: false, mf: true, fragOffset: 185 }),
      l4: { proto: 'other', number: IPPROTO_UDP },
      payloadLength: 1480,
    };
    expectPacketRoundTrip(frag);
    expect(() => emitIpPacket({ ...dnsQuery, ip: { ...dnsQuery.ip, fragOffset: 185 } })).toThrow(
      expect.objectContaining({ field: 'ipv4.fragOffset' }),
    );
  });

  it('round-trips an unmodelled protocol', () => {
    expectPacketRoundTrip({ ip: ipHeader(47, NODE_A, NODE_B), l4: { proto: 'other', number: 47 }, payloadLength: 24 });
  });

  it('verifies L4 checksums only when asked', () => {
    const bytes = emitIpPacket(tcpSyn);
    bytes[20 + 16] ^= 0x01;
    expect(parseIpPacket(bytes).l4.proto).toBe('tcp');
    expect(() => parseIpPacket(bytes, { verifyL4Checksums: true })).toThrow(expect.objectContaining({ field: 'tcp.checksum' }));
    const udp = emitIpPacket(dnsQuery);
    udp[20 + 7] ^= 0x01;
    expect(() => parseIpPacket(udp, { verifyL4Checksums: true })).toThrow(expect.objectContaining({ field: 'udp.checksum' }));
    const icmp = emitIpPacket(ping);
    icmp[30] = 1;
    expect(() => parseIpPacket(icmp, { verifyL4Checksums: true })).toThrow(expect.objectContaining({ field: 'icmp.checksum' }));
  });

  it('always verifies the IPv4 header checksum', () => {
    const bytes = emitIpPacket(tcpSyn);
    bytes[8] = 1;
    expect(() => parseIpPacket(bytes)).toThrow(expect.objectContaining({ field: 'ipv4.checksum' }));
  });

  it('rejects packets that cannot be encoded as written, naming the field', () => {
    expect(() => emitIpPacket({ ...tcpSyn, ip: { ...tcpSyn.ip, protocol: IPPROTO_UDP } })).toThrow(
      expect.objectContaining({ field: 'ipv4.protocol' }),
    );
    const err = icmpError({ type: ICMP_DEST_UNREACH, code: 3, checksum: 0, rest: 0 }, dnsQuery);
    expect(() => emitIpPacket({ ...err, payloadLength: 4 })).toThrow(expect.objectContaining({ field: 'payloadLength' }));
    const echoWithQuote = icmpError({ type: ICMP_ECHOREPLY, code: 0, checksum: 0, rest: 0 }, dnsQuery);
    expect(() => emitIpPacket(echoWithQuote)).toThrow(expect.objectContaining({ field: 'icmp.type' }));
    expect(() => emitIpPacket({ ...vxlanOf(tcpFrame), payloadLength: 1 })).toThrow(expect.objectContaining({ field: 'payloadLength' }));
    expect(() => emitIpPacket({ ...tcpSyn, payloadLength: -1 })).toThrow(WireError);
  });

  it('computes ipPacketLength without encoding, for each kind', () => {
    expect(ipPacketLength(tcpSyn)).toBe(40);
    expect(ipPacketLength(dnsQuery)).toBe(61);
    expect(ipPacketLength(ping)).toBe(84);
    expect(ipPacketLength(vxlanOf(tcpFrame))).toBe(20 + 8 + 8 + 14 + 20 + 20 + 100);
  });
});

describe('emitFrame / parseFrame', () => {
  it('round-trips an IPv4 frame', () => {
    expectFrameRoundTrip(tcpFrame);
  });

  it('round-trips an ARP request', () => {
    const arp: Frame = {
      eth: { dst: 'ff:ff:ff:ff:ff:ff', src: '02:42:0a:f4:00:02', ethertype: ETH_P_ARP },
      body: { kind: 'arp', arp: { op: ARPOP_REQUEST, sha: '02:42:0a:f4:00:02', spa: POD_A, tha: '00:00:00:00:00:00', tpa: 0x0af40001 } },
    };
    expect(emitFrame(arp).length).toBe(42);
    expectFrameRoundTrip(arp);
  });

  it('round-trips VXLAN carrying a TCP frame (flannel: port 8472, VNI 1)', () => {
    const outer: Frame = { eth: { dst: '52:54:00:00:00:0b', src: '52:54:00:00:00:0a', ethertype: ETH_P_IP }, body: { kind: 'ipv4', packet: vxlanOf(tcpFrame) } };
    const got = expectFrameRoundTrip(outer);
    expect(got.body.kind === 'ipv4' && got.body.packet.ip.totalLength).toBe(190);
    expectPacketRoundTrip(vxlanOf(tcpFrame, 4789));
  });

  it('reads VXLAN only on VXLAN ports and with flags 0x08', () => {
    const bytes = emitIpPacket(vxlanOf(tcpFrame, 4790));
    const plain = parseIpPacket(bytes);
    expect(plain.l4.proto === 'udp' && plain.l4.vxlan).toBeUndefined();
    expect(plain.payloadLength).toBe(8 + 154);
    const vx = parseIpPacket(bytes, { vxlanPorts: [4790] });
    expect(vx.l4.proto === 'udp' && vx.l4.vxlan?.header.vni).toBe(1);
    // A plain datagram to 4789 has zeros where the flags would be.
    expectPacketRoundTrip({ ...dnsQuery, l4: { proto: 'udp', udp: { sport: 1, dport: 4789, length: 0, checksum: 0 } }, payloadLength: 50 });
  });

  it('round-trips an ICMP error quoting a VXLAN datagram, inner frame cut short', () => {
    const inner: Frame = { eth: eth(ETH_P_IP), body: { kind: 'ipv4', packet: { ...tcpSyn, payloadLength: 1400 } } };
    const err = icmpError({ type: ICMP_DEST_UNREACH, code: ICMP_FRAG_NEEDED, checksum: 0, rest: 1400 }, vxlanOf(inner), NODE_B);
    expect(ipPacketLength(err)).toBe(576);
    expectPacketRoundTrip(err);
  });

  it('rejects an EtherType that does not match the body, and unknown ones on parse', () => {
    expect(() => emitFrame({ ...tcpFrame, eth: eth(ETH_P_ARP) })).toThrow(expect.objectContaining({ field: 'ethernet.ethertype' }));
    const bytes = emitFrame(tcpFrame);
    bytes[12] = 0x86;
    bytes[13] = 0xdd;
    expect(() => parseFrame(bytes)).toThrow(expect.objectContaining({ field: 'ethernet.ethertype' }));
  });

  it('ignores Ethernet padding after a short IPv4 packet', () => {
    const small: Frame = { eth: eth(ETH_P_IP), body: { kind: 'ipv4', packet: tcpSyn } };
    const padded = new Uint8Array(60);
    padded.set(emitFrame(small));
    expect(parseFrame(padded)).toStrictEqual(parseFrame(emitFrame(small)));
  });
});

// ---- generated frames ----

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => macFromBytes(b));
const payloadLength = fc.integer({ min: 0, max: 700 });

function arbIpHeader(protocol: number): fc.Arbitrary<Ipv4Header> {
  return fc.record({
    tos: u8, totalLength: fc.constant(0), id: u16, df: fc.boolean(), mf: fc.boolean(), fragOffset: fc.constant(0),
    ttl: u8, protocol: fc.constant(protocol), checksum: fc.constant(0), src: u32, dst: u32,
  });
}

const arbTcpFlags: fc.Arbitrary<TcpFlags> = fc.record({
  fin: fc.boolean(), syn: fc.boolean(), rst: fc.boolean(), psh: fc.boolean(),
  ack: fc.boolean(), urg: fc.boolean(), ece: fc.boolean(), cwr: fc.boolean(),
});
const arbTcp: fc.Arbitrary<TcpHeader> = fc.record({
  sport: u16, dport: u16, seq: u32, ack: u32, flags: arbTcpFlags, window: u16, checksum: fc.constant(0), urgent: u16,
});
const arbUdp = (dport: fc.Arbitrary<number>): fc.Arbitrary<UdpHeader> =>
  fc.record({ sport: u16, dport, length: fc.constant(0), checksum: fc.constant(0) });

const tcpPacket: fc.Arbitrary<IpPacket> = fc.record({
  ip: arbIpHeader(IPPROTO_TCP),
  l4: arbTcp.map((tcp): L4 => ({ proto: 'tcp', tcp })),
  payloadLength,
});
const udpPacket: fc.Arbitrary<IpPacket> = fc.record({
  ip: arbIpHeader(IPPROTO_UDP),
  l4: arbUdp(fc.oneof(u16, fc.constantFrom(4789, 8472))).map((udp): L4 => ({ proto: 'udp', udp })),
  payloadLength,
});
const echoPacket: fc.Arbitrary<IpPacket> = fc.record({
  ip: arbIpHeader(IPPROTO_ICMP),
  l4: fc
    .record({ type: fc.constantFrom(ICMP_ECHO, ICMP_ECHOREPLY), code: fc.constant(0), checksum: fc.constant(0), rest: fc.tuple(u16, u16).map(([id, seq]) => icmpEchoRest(id, seq)) })
    .map((icmp): L4 => ({ proto: 'icmp', icmp })),
  payloadLength,
});
const fragmentPacket: fc.Arbitrary<IpPacket> = fc
  .tuple(arbIpHeader(IPPROTO_UDP), fc.integer({ min: 1, max: 0x1fff }), fc.integer({ min: 0, max: 255 }), payloadLength)
  .map(([ip, fragOffset, protocol, n]) => ({ ip: { ...ip, protocol, fragOffset }, l4: { proto: 'other', number: protocol }, payloadLength: n }));

function framed(packet: fc.Arbitrary<IpPacket>): fc.Arbitrary<Frame> {
  return fc.record({
    eth: fc.record({ dst: mac, src: mac, ethertype: fc.constant(ETH_P_IP) }),
    body: packet.map((p) => ({ kind: 'ipv4' as const, packet: p })),
  });
}

function vxlanPacket(inner: fc.Arbitrary<Frame>): fc.Arbitrary<IpPacket> {
  return fc.record({
    ip: arbIpHeader(IPPROTO_UDP),
    l4: fc
      .tuple(arbUdp(fc.constantFrom(4789, 8472)), fc.integer({ min: 0, max: 0xffffff }), inner)
      .map(([udp, vni, f]): L4 => ({ proto: 'udp', udp, vxlan: { header: { flags: 0x08, vni }, inner: f } })),
    payloadLength: fc.constant(0),
  });
}

const arbErrorHeader: fc.Arbitrary<IcmpHeader> = fc.oneof(
  fc.record({ type: fc.constant(ICMP_DEST_UNREACH), code: fc.integer({ min: 0, max: 15 }), checksum: fc.constant(0), rest: fc.constant(0) }),
  fc.record({ type: fc.constant(ICMP_DEST_UNREACH), code: fc.constant(ICMP_FRAG_NEEDED), checksum: fc.constant(0), rest: fc.integer({ min: 68, max: 9000 }).map(icmpFragNeededRest) }),
  fc.record({ type: fc.constant(ICMP_TIME_EXCEEDED), code: fc.constantFrom(0, 1), checksum: fc.constant(0), rest: fc.constant(0) }),
);

const tcpFrameArb = framed(tcpPacket);
const icmpErrorPacket: fc.Arbitrary<IpPacket> = fc.record({
  ip: arbIpHeader(IPPROTO_ICMP),
  l4: fc
    .tuple(arbErrorHeader, fc.oneof(tcpPacket, udpPacket, echoPacket, vxlanPacket(tcpFrameArb)))
    .map(([icmp, quoted]): L4 => ({ proto: 'icmp', icmp, quoted })),
  payloadLength: fc.constant(0),
});

const arpFrame: fc.Arbitrary<Frame> = fc.record({
  eth: fc.record({ dst: mac, src: mac, ethertype: fc.constant(ETH_P_ARP) }),
  body: fc.record({ op: fc.constantFrom(1, 2), sha: mac, spa: u32, tha: mac, tpa: u32 }).map((arp) => ({ kind: 'arp' as const, arp })),
});

const anyFrame: fc.Arbitrary<Frame> = fc.oneof(
  framed(tcpPacket),
  framed(udpPacket),
  framed(echoPacket),
  framed(icmpErrorPacket),
  framed(fragmentPacket),
  arpFrame,
  framed(vxlanPacket(tcpFrameArb)),
).map((f) => structuredClone(f)); // ordinary prototypes, so strict equality compares only fields

describe('round-trip property', () => {
  it('parse(emit(frame)) equals the frame with lengths and checksums filled in', () => {
    fc.assert(
      fc.property(anyFrame, (f) => {
        const before = structuredClone(f);
        const got = expectFrameRoundTrip(f);
        expect(f).toStrictEqual(before); // emit does not write into its input
        // A quote's own IP header checksum verifies too; it is not re-verified on parse.
        if (got.body.kind === 'ipv4' && got.body.packet.l4.proto === 'icmp' && got.body.packet.l4.quoted) {
          const bytes = emitFrame(f);
          expect(internetChecksum(bytes.subarray(14 + 28, 14 + 48))).toBe(0);
        }
      }),
      { seed: 0x9ac4e7, numRuns: 2000 },
    );
  });

  it('a whole TCP quote carries a valid checksum', () => {
    fc.assert(
      fc.property(tcpPacket, arbErrorHeader, (quoted, icmp) => {
        const fits = { ...quoted, payloadLength: quoted.payloadLength % (ICMP_QUOTE_MAX_LENGTH - 40) };
        const bytes = emitIpPacket({ ip: { ...quoted.ip, protocol: IPPROTO_ICMP }, l4: { proto: 'icmp', icmp, quoted: fits }, payloadLength: 0 });
        const seg = bytes.subarray(48);
        expect(transportChecksumValid(fits.ip.src, fits.ip.dst, IPPROTO_TCP, seg)).toBe(true);
        expect(seg).toStrictEqual(emitTcp(fits.l4.proto === 'tcp' ? fits.l4.tcp : syn, new Uint8Array(fits.payloadLength), fits.ip.src, fits.ip.dst));
      }),
      { seed: 0x9ac4e8, numRuns: 200 },
    );
  });
});
