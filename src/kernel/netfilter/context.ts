import type { IpPacket } from '../../packet/frame.js';
import type { CtView } from '../conntrack/tuple.js';
import type { NfFamily, NfHook } from './hooks.js';
import type { StateJournal } from '../netns/state-journal.js';

export type AddrType = 'UNSPEC' | 'UNICAST' | 'LOCAL' | 'BROADCAST' | 'ANYCAST' | 'MULTICAST' | 'BLACKHOLE' | 'UNREACHABLE' | 'PROHIBIT' | 'THROW' | 'NAT' | 'XRESOLVE';

/** Per-namespace state that some matches keep (`-m recent` lists, ipsets, nfacct counters). */
export interface MatchState {
  /** `-m recent --name N`: address -> hit times (ms) */
  recent: Map<string, Map<number, number[]>>;
  /** ipsets declared in the scenario: name -> members (`hash:ip` addresses, `hash:net` prefixes as "a/len", `hash:ip,port` as "a,proto:port") */
  ipsets: Map<string, { type: string; members: Set<string> }>;
  /** `-m nfacct --nfacct-name N`: packet and byte counters */
  nfacct: Map<string, { packets: number; bytes: number }>;
  /**
   * While a run on a shared World is undoable: where rule counters and nth counters (state inside the shared
   * rule objects) save their values before their first change (kernel/netns/state-journal.ts).
   */
  journal?: StateJournal;
}

/**
 * What a match or target sees while a packet walks a chain: the packet itself (targets may rewrite mark and,
 * for NAT, ask the conntrack layer to), where it is, the connection it belongs to, and the namespace's
 * services (address types, clock, RNG, state of stateful matches).
 */
export interface NfPacketContext {
  packet: IpPacket;
  /** skb->mark; MARK writes it. */
  mark: number;
  hook: NfHook;
  family: NfFamily;
  table: string;
  in: string | null;
  out: string | null;
  /** br_netfilter: the bridge ports the frame came in on / goes out by (`-m physdev`). */
  physIn: string | null;
  physOut: string | null;
  /** The frame was bridged (physdev --physdev-is-bridged). */
  bridged: boolean;
  ct: CtView | null;
  /** Linux inet_addr_type_dev_table(): the route type of `addr` in this namespace, optionally limited to a device. */
  addrType(addr: number, dev: string | null): AddrType;
  now(): number;
  random(): number;
  state: MatchState;
  /**
   * The local socket that sent the packet (skb->sk with its sk_socket), null for forwarded packets; `-m owner`
   * reads its file's uid and gid. Absent: none is known.
   */
  socket?: { uid: number; gid: number } | null;
  /**
   * fib_lookup() with FIB_LOOKUP_IGNORE_LINKSTATE for the reverse path (`-m rpfilter`): the route type and its
   * device(s), or null when there is no route. Absent: the namespace has no routing table to ask.
   */
  fibLookup?(flow: { dst: number; src: number; mark: number; tos: number }): { type: string; devs: readonly string[] } | null;
}
