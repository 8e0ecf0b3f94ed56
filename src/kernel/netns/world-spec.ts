// The declarative description of a World: what a Topology scenario holds once validated, what a Cluster
// compiles to, what `net compile` prints and what the oracle realizes with `ip`, `bridge` and
// `iptables-restore`. Every field mirrors a Linux tool's own notion, so realizing it is one to one.

import type { Ipv4Addr, MacAddr } from '../../wire/headers.js';
import type { ConntrackSpec } from '../conntrack/entry-spec.js';

export interface Prefix {
  addr: Ipv4Addr;
  len: number;
}

export interface WorldSpec {
  name: string;
  namespaces: NetnsSpec[];
}

export interface NetnsSpec {
  name: string;
  /** Keys as `sysctl` names them (`net.ipv4.ip_forward`, `net.ipv4.conf.eth0.rp_filter`), values as numbers. */
  sysctls: Record<string, number>;
  links: LinkSpec[];
  routes: RouteSpec[];
  rules: RuleSpec[];
  neigh: NeighSpec[];
  fdb: FdbSpec[];
  /** iptables-restore input for this namespace, applied as is. */
  iptables?: string;
  /** `ipset create` / `ipset add`: the sets `-m set --match-set NAME` reads (ipsets are per namespace). */
  ipsets?: IpsetSpec[];
  listen: ListenSpec[];
  /** Connections already in the table, as `conntrack -L` prints them (seeded at time 0, before any trace). */
  conntrack?: ConntrackSpec[];
}

/** The set types the `set` match models (net/netfilter/ipset/ip_set_hash_*.c). */
export const IPSET_TYPES = ['hash:ip', 'hash:net', 'hash:ip,port', 'hash:net,port'] as const;
export type IpsetType = (typeof IPSET_TYPES)[number];

/** One `ipset create NAME TYPE` and its `ipset add NAME MEMBER` lines. */
export interface IpsetSpec {
  /** 1..31 characters (IPSET_MAXNAMELEN). */
  name: string;
  type: IpsetType;
  /**
   * Members as `ipset list` prints them, which `ipset add` takes back: `hash:ip` "a.b.c.d" or a prefix
   * "a.b.c.d/len" standing for each of its addresses; `hash:net` "a.b.c.d/len" (the network, no "/32");
   * `hash:ip,port` and `hash:net,port` the same followed by ",tcp:PORT" or ",udp:PORT".
   */
  members: string[];
}

/**
 * `loopback` is the namespace's own lo, listed only to give it addresses or an MTU (it is never created).
 * `external`: a device whose other end is outside the modelled world (a node's uplink, a physical NIC): what it
 * transmits leaves the world (EXITS_NETWORK), and nothing comes in by it.
 */
export type LinkType = 'veth' | 'bridge' | 'vxlan' | 'dummy' | 'loopback' | 'external';

export interface AddrSpec {
  addr: Ipv4Addr;
  len: number;
  /** `ip addr` scope; defaults to global (host for 127/8). */
  scope?: 'global' | 'link' | 'host';
}

export interface LinkSpec {
  name: string;
  type: LinkType;
  addresses: AddrSpec[];
  /** veth only: the other end, in this or another namespace. */
  peer?: { netns: string; dev: string };
  mac?: MacAddr;
  mtu?: number;
  /** Enslave to this bridge (same namespace). */
  master?: string;
  /** Bridge port flag (`bridge link set dev X hairpin on`). */
  hairpin?: boolean;
  /** Bridge port flag `learning` (default on). */
  learning?: boolean;
  /** Administrative state; default up. */
  up?: boolean;
  /** bridge only: `ageing_time` in seconds (default 300). */
  ageingTime?: number;
  vxlan?: VxlanSpec;
}

export interface VxlanSpec {
  id: number;
  dstport: number;
  local?: Ipv4Addr;
  remote?: Ipv4Addr;
  dev?: string;
  learning: boolean;
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

/** One `ip route add` line, parsed. */
export interface RouteSpec {
  /** The text as written, for diagnostics and realize. */
  text: string;
  type: RouteType;
  dst: Prefix;
  table: number;
  via?: Ipv4Addr;
  dev?: string;
  src?: Ipv4Addr;
  metric: number;
  scope?: 'global' | 'link' | 'host';
  onlink: boolean;
  mtu?: number;
  proto?: string;
  /** ECMP: two or more `nexthop` groups (one alone is folded into via/dev, as fib_create_info() does). */
  nexthops?: NexthopSpec[];
}

/** One `nexthop via A dev X weight W [onlink]` group of a multipath route (struct rtnexthop). */
export interface NexthopSpec {
  via?: Ipv4Addr;
  dev?: string;
  /** 1..256 (rtnh_hops + 1). */
  weight: number;
  onlink: boolean;
}

export type RuleAction = 'lookup' | 'blackhole' | 'unreachable' | 'prohibit';

/** One `ip rule add` line, parsed. */
export interface RuleSpec {
  text: string;
  priority?: number;
  not: boolean;
  from?: Prefix;
  to?: Prefix;
  iif?: string;
  oif?: string;
  fwmark?: { value: number; mask: number };
  tos?: number;
  action: RuleAction;
  table?: number;
  /** `ipproto`: an IP protocol number (FRA_IP_PROTO). */
  ipproto?: number;
  /** `sport` / `dport`: a port or an inclusive range (FRA_SPORT_RANGE / FRA_DPORT_RANGE). */
  sport?: PortRange;
  dport?: PortRange;
  /** `uidrange A-B` (FRA_UID_RANGE). */
  uidrange?: PortRange;
  /** `suppress_prefixlength N` (FRA_SUPPRESS_PREFIXLEN): a lookup answer this narrow or narrower is refused. */
  suppressPrefixlength?: number;
}

/** An inclusive range of ports or uids. */
export interface PortRange {
  start: number;
  end: number;
}

export type NudState = 'permanent' | 'noarp' | 'reachable' | 'stale' | 'failed';

/** One `ip neigh add` line, parsed. */
export interface NeighSpec {
  text: string;
  addr: Ipv4Addr;
  lladdr?: MacAddr;
  dev: string;
  nud: NudState;
}

/** One `bridge fdb add` line, parsed. */
export interface FdbSpec {
  text: string;
  mac: MacAddr;
  dev: string;
  /** VXLAN remote (`dst`). */
  dst?: Ipv4Addr;
  /** `self` (the device's own table, e.g. vxlan) or `master` (the bridge's). Default master for bridge ports. */
  self: boolean;
  permanent: boolean;
}

export interface ListenSpec {
  /** `sctp`: an SCTP socket in LISTEN (and with it the namespace's SCTP stack: see sctp-rcv.ts). */
  proto: 'tcp' | 'udp' | 'sctp';
  port: number;
  /** Bound address; 0 (any) when omitted. */
  addr: Ipv4Addr;
}

/** Well-known table ids (include/uapi/linux/rtnetlink.h). */
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
