// A packet context for tests and offline tracers (`net trace --iptables-save`): a packet built from a few
// fields, local addresses for `-m addrtype`, a fixed clock and a scripted RNG. Nothing here reads the wall clock.

import type { AddrType, MatchState, NfPacketContext } from './context.js';
import type { NfHook } from './hooks.js';
import type { CtView } from '../conntrack/tuple.js';
import type { IpPacket } from '../../packet/frame.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';

export interface PacketSpec {
  proto: 'tcp' | 'udp' | 'icmp' | 'sctp' | number;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  syn?: boolean;
  icmpType?: number;
  icmpCode?: number;
  fragOffset?: number;
  length?: number;
}

function addr(text: string): number {
  const a = parseIpv4(text);
  if (a === undefined) throw new Error(`bad address ${text}`);
  return a;
}

export function makePacket(s: PacketSpec): IpPacket {
  const protocol = s.proto === 'tcp' ? 6 : s.proto === 'udp' ? 17 : s.proto === 'icmp' ? 1 : s.proto === 'sctp' ? 132 : s.proto;
  const ip = {
    tos: 0, totalLength: s.length ?? 60, id: 0, df: true, mf: false, fragOffset: s.fragOffset ?? 0, ttl: 64, protocol, checksum: 0,
    src: addr(s.src), dst: addr(s.dst),
  };
  const flags = { fin: false, syn: s.syn ?? true, rst: false, psh: false, ack: !(s.syn ?? true), urg: false, ece: false, cwr: false };
  if (s.proto === 'tcp') {
    return { ip, l4: { proto: 'tcp', tcp: { sport: s.sport ?? 40000, dport: s.dport ?? 80, seq: 0, ack: 0, flags, window: 65535, checksum: 0, urgent: 0 } }, payloadLength: 0 };
  }
  if (s.proto === 'udp') return { ip, l4: { proto: 'udp', udp: { sport: s.sport ?? 40000, dport: s.dport ?? 53, length: 8, checksum: 0 } }, payloadLength: 0 };
  if (s.proto === 'sctp') return { ip, l4: { proto: 'sctp', sctp: { sport: s.sport ?? 40000, dport: s.dport ?? 53, vtag: 0, checksum: 0, chunk: 1 } }, payloadLength: 16 };
  if (s.proto === 'icmp') return { ip, l4: { proto: 'icmp', icmp: { type: s.icmpType ?? 8, code: s.icmpCode ?? 0, checksum: 0, rest: 0 } }, payloadLength: 0 };
  return { ip, l4: { proto: 'other', number: protocol }, payloadLength: 0 };
}

export function emptyMatchState(): MatchState {
  return { recent: new Map(), ipsets: new Map(), nfacct: new Map() };
}

export interface ContextSpec {
  packet: IpPacket;
  hook?: NfHook;
  table?: string;
  in?: string | null;
  out?: string | null;
  mark?: number;
  ct?: CtView | null;
  /** Addresses of this namespace (`LOCAL` for -m addrtype); everything else is UNICAST. */
  local?: readonly string[];
  /** Milliseconds on the virtual clock. */
  now?: number;
  /** The values random() returns, in turn (then 0.5). */
  randoms?: readonly number[];
  state?: MatchState;
  socket?: NfPacketContext['socket'];
  fibLookup?: NfPacketContext['fibLookup'];
}

export function makeContext(c: ContextSpec): NfPacketContext {
  const local = new Set((c.local ?? []).map(addr));
  const randoms = [...(c.randoms ?? [])];
  return {
    packet: c.packet,
    mark: c.mark ?? 0,
    hook: c.hook ?? 'PREROUTING',
    family: 'ipv4',
    table: c.table ?? 'nat',
    in: c.in === undefined ? 'eth0' : c.in,
    out: c.out ?? null,
    physIn: null,
    physOut: null,
    bridged: false,
    ct: c.ct ?? null,
    addrType: (a: number): AddrType => (local.has(a) || a >>> 24 === 127 ? 'LOCAL' : 'UNICAST'),
    now: () => c.now ?? 0,
    random: () => randoms.shift() ?? 0.5,
    state: c.state ?? emptyMatchState(),
    socket: c.socket,
    fibLookup: c.fibLookup,
  };
}
