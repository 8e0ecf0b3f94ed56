// Packet builders and a one-namespace hook walk for the conntrack tests.

import type { IpPacket } from '../../src/packet/frame.js';
import type { TcpFlags } from '../../src/wire/headers.js';
import { parseIpv4 } from '../../src/wire/ipv4-addr.js';
import {
  ConntrackTable,
  natHook,
  type CtResolution,
  type NatHookName,
  type NatRequest,
  type RandomSource,
} from '../../src/kernel/conntrack/index.js';

export function ip(text: string): number {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

function header(src: number, dst: number, protocol: number) {
  return { tos: 0, totalLength: 0, id: 0, df: true, mf: false, fragOffset: 0, ttl: 64, protocol, checksum: 0, src, dst };
}

const NO_FLAGS: TcpFlags = { fin: false, syn: false, rst: false, psh: false, ack: false, urg: false, ece: false, cwr: false };

/** Flags as letters: S syn, A ack, F fin, R rst, P psh, U urg. */
export function flags(letters: string): TcpFlags {
  return {
    ...NO_FLAGS,
    syn: letters.includes('S'),
    ack: letters.includes('A'),
    fin: letters.includes('F'),
    rst: letters.includes('R'),
    psh: letters.includes('P'),
    urg: letters.includes('U'),
  };
}

export interface TcpOpts {
  seq?: number;
  ack?: number;
  len?: number;
  window?: number;
}

export function tcp(src: string | number, sport: number, dst: string | number, dport: number, f: string, o: TcpOpts = {}): IpPacket {
  const s = typeof src === 'string' ? ip(src) : src;
  const d = typeof dst === 'string' ? ip(dst) : dst;
  return {
    ip: header(s, d, 6),
    l4: { proto: 'tcp', tcp: { sport, dport, seq: (o.seq ?? 1000) >>> 0, ack: (o.ack ?? 0) >>> 0, flags: flags(f), window: o.window ?? 64240, checksum: 0, urgent: 0 } },
    payloadLength: o.len ?? 0,
  };
}

export function udp(src: string | number, sport: number, dst: string | number, dport: number): IpPacket {
  const s = typeof src === 'string' ? ip(src) : src;
  const d = typeof dst === 'string' ? ip(dst) : dst;
  return { ip: header(s, d, 17), l4: { proto: 'udp', udp: { sport, dport, length: 40, checksum: 0 } }, payloadLength: 32 };
}

export function echo(src: string | number, dst: string | number, id: number, seq = 1, reply = false): IpPacket {
  const s = typeof src === 'string' ? ip(src) : src;
  const d = typeof dst === 'string' ? ip(dst) : dst;
  return { ip: header(s, d, 1), l4: { proto: 'icmp', icmp: { type: reply ? 0 : 8, code: 0, checksum: 0, rest: ((id << 16) | seq) >>> 0 } }, payloadLength: 56 };
}

export function icmpError(src: string | number, dst: string | number, type: number, code: number, quoted: IpPacket): IpPacket {
  const s = typeof src === 'string' ? ip(src) : src;
  const d = typeof dst === 'string' ? ip(dst) : dst;
  return { ip: header(s, d, 1), l4: { proto: 'icmp', icmp: { type, code, checksum: 0, rest: 0 }, quoted }, payloadLength: 0 };
}

/** The answer a peer sends to `p`: addresses and ports swapped (TCP flags/sequence as given). */
export function answer(p: IpPacket, f = 'A', o: TcpOpts = {}): IpPacket {
  switch (p.l4.proto) {
    case 'tcp':
      return tcp(p.ip.dst, p.l4.tcp.dport, p.ip.src, p.l4.tcp.sport, f, o);
    case 'udp':
      return udp(p.ip.dst, p.l4.udp.dport, p.ip.src, p.l4.udp.sport);
    case 'icmp':
      return echo(p.ip.dst, p.ip.src, p.l4.icmp.rest >>> 16, p.l4.icmp.rest & 0xffff, true);
    case 'sctp':
    case 'other':
      throw new Error(`no answer for ${p.l4.proto}`);
  }
}

/** A deterministic RandomSource (mulberry32), as the world's seeded Rng provides. */
export function seeded(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface WalkResult {
  ct: CtResolution;
  packet: IpPacket;
  dropped: string | null;
}

/**
 * One namespace's hooks for a packet: conntrack in, nat at `first` (PREROUTING or OUTPUT, DST), nat at
 * `last` (POSTROUTING or INPUT, SRC), confirm. `rules` answers the nat chain walk per hook.
 */
export function walk(
  table: ConntrackTable,
  packet: IpPacket,
  now: number,
  random: RandomSource,
  rules: Partial<Record<NatHookName, NatRequest | null>> = {},
  path: readonly [NatHookName, NatHookName] = ['PREROUTING', 'POSTROUTING'],
  dropBeforeConfirm = false,
): WalkResult {
  const ct = table.resolve(packet, now);
  let p = packet;
  for (const hook of path) {
    const r = natHook(table, ct, hook, p, random, now, () => rules[hook] ?? null);
    if (r.verdict === 'DROP') return { ct, packet: p, dropped: r.reason };
    p = r.packet;
  }
  if (dropBeforeConfirm) return { ct, packet: p, dropped: 'TEST_DROP' };
  if (ct.entry) {
    const c = table.confirm(ct.entry, now);
    if (!c.ok) return { ct, packet: p, dropped: c.reason };
  }
  return { ct, packet: p, dropped: null };
}

export function req(kind: NatRequest['kind'], addrMin: string, addrMax = addrMin, ports?: [number, number], f: Partial<NatRequest> = {}): NatRequest {
  const r: NatRequest = { kind, addrMin: ip(addrMin), addrMax: ip(addrMax), random: false, randomFully: false, persistent: false, ...f };
  if (ports) {
    r.portMin = ports[0];
    r.portMax = ports[1];
  }
  return r;
}
