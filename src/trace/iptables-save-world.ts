// The one-node World `net trace --iptables-save` traces through: the dump becomes a namespace's rules, and the
// packet takes the same packet path as every other trace (src/kernel/ipv4, src/kernel/netfilter/hook-engine),
// so there is one walker and both agree by construction.
//
//   sender (owns --src) eth0  <->  node <in>   node (--node-ip addresses, ip_forward=1, the dump)
//   receiver            eth0  <->  node <out>  (the same peer and device when --in-iface = --out-iface)
//
// The node's addresses sit on the input device (REDIRECT takes its primary address, MASQUERADE falls back to
// it when the output device has none: nf_nat_masquerade_ipv4() -> inet_select_addr()). Its default route
// leaves by the output device to the receiver, and the way back to the sender is by the input device (so a
// strict rpfilter passes). Neighbours are permanent: no ARP delays the first packet. When --src is a node
// address (or 127/8) the node itself sends.
//
// A --src equal to --dst that is not the node's (kube-proxy's "same node to LB1, SNATted to LB1": a cloud load
// balancer hairpins a node's packet to its own IP back to the node, source NATed to that IP) is sent by a peer
// that is that load balancer: it sends from a link-local address of its own and its POSTROUTING SNATs the
// packet to --src, so the packet reaches the node from outside with source = destination, as on a real node.
// (A peer that owned --src would deliver a packet to --src to itself: ip_route_output_key() finds it local.)

import type { LinkSpec, NetnsSpec, WorldSpec } from '../kernel/index.js';
import type { IpsetSpec, IpsetType } from '../kernel/netns/world-spec.js';
import { IPSET_TYPES } from '../kernel/netns/world-spec.js';
import { parseNeigh } from '../kernel/neigh/neigh-syntax.js';
import { parseRoute } from '../kernel/route/route-syntax.js';
import type { MatchState } from '../kernel/netfilter/index.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';

export const NODE_NETNS = 'node';
const SENDER = 'sender';
const RECEIVER = 'receiver';
const NODE_IN_MAC = '02:00:00:00:01:01';
const NODE_OUT_MAC = '02:00:00:00:01:02';
const SENDER_MAC = '02:00:00:00:02:01';
const RECEIVER_MAC = '02:00:00:00:03:01';
/** Link-local next hops: no address of the dump's world can collide with them. */
const GW_NODE = '169.254.0.1';
const GW_RECEIVER = '169.254.0.2';
const GW_SENDER = '169.254.0.3';
/** The hairpinning load balancer's own address (see above). */
export const HAIRPIN_CLIENT = '169.254.0.4';

export interface NodeWorldOptions {
  /** The dump, as iptables-restore takes it. */
  iptables: string;
  sets: MatchState['ipsets'];
  nodeIPs: readonly string[];
  src: string;
  dst: string;
  inIface: string;
  outIface: string;
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: string }, what: string): T {
  if (!r.ok) throw new Error(`invariant: ${what}: ${r.error}`);
  return r.value;
}

function netns(name: string, links: LinkSpec[], extra: Partial<NetnsSpec> = {}): NetnsSpec {
  return { name, sysctls: {}, links, routes: [], rules: [], neigh: [], fdb: [], listen: [], ...extra };
}

const route = (text: string) => must(parseRoute(text), text);
const neigh = (text: string) => must(parseNeigh(text), text);

/** Whether the node itself sends a packet from `src`: one of its addresses, or loopback. */
export function sentByNode(src: string, nodeIPs: readonly string[]): boolean {
  return src.startsWith('127.') || nodeIPs.includes(src);
}

function ipsetSpecs(sets: MatchState['ipsets']): IpsetSpec[] {
  const out: IpsetSpec[] = [];
  for (const [name, s] of sets) {
    // Unmodelled types are left out: their `--match-set` never matches (a note says so).
    if ((IPSET_TYPES as readonly string[]).includes(s.type)) out.push({ name, type: s.type as IpsetType, members: [...s.members] });
  }
  return out;
}

/** The source equals the destination, not a node address: a load balancer hairpins it (see above). */
export function hairpinned(o: Pick<NodeWorldOptions, 'src' | 'dst' | 'nodeIPs'>): boolean {
  return o.src === o.dst && !sentByNode(o.src, o.nodeIPs);
}

/** The address the sending socket binds: --src, or the hairpinning load balancer's own. */
export function socketSource(o: Pick<NodeWorldOptions, 'src' | 'dst' | 'nodeIPs'>): string {
  return hairpinned(o) ? HAIRPIN_CLIENT : o.src;
}

/** The peer's own address and, when it hairpins, its SNAT to --src (nf_nat_ipv4_out() at its POSTROUTING). */
function peerSide(o: NodeWorldOptions): { addr: number; iptables?: string } {
  if (!hairpinned(o)) return { addr: parseIpv4(o.src)! };
  return { addr: parseIpv4(HAIRPIN_CLIENT)!, iptables: `*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j SNAT --to-source ${o.src}\nCOMMIT\n` };
}

/** The World around one node's dump. */
export function nodeWorld(o: NodeWorldOptions): WorldSpec {
  const local = sentByNode(o.src, o.nodeIPs);
  const peer = peerSide(o);
  const same = o.inIface === o.outIface;
  const inPeer = same ? RECEIVER : SENDER;
  const addrs = o.nodeIPs.map((ip) => ({ addr: parseIpv4(ip)!, len: 32 }));
  const nodeLinks: LinkSpec[] = [
    { name: o.inIface, type: 'veth', addresses: addrs, peer: { netns: inPeer, dev: 'eth0' }, mac: NODE_IN_MAC },
  ];
  if (!same) nodeLinks.push({ name: o.outIface, type: 'veth', addresses: [], peer: { netns: RECEIVER, dev: 'eth0' }, mac: NODE_OUT_MAC });
  const inPeerMac = same ? RECEIVER_MAC : SENDER_MAC;
  const node = netns(NODE_NETNS, nodeLinks, {
    sysctls: { 'net.ipv4.ip_forward': 1 },
    routes: [
      route(`default via ${GW_RECEIVER} dev ${o.outIface} onlink`),
      ...(local ? [] : [route(`${o.src}/32 via ${GW_SENDER} dev ${o.inIface} onlink`)]),
    ],
    neigh: [
      neigh(`${GW_RECEIVER} lladdr ${RECEIVER_MAC} dev ${o.outIface} nud permanent`),
      ...(local ? [] : [neigh(`${GW_SENDER} lladdr ${inPeerMac} dev ${o.inIface} nud permanent`)]),
    ],
    iptables: o.iptables,
    ipsets: ipsetSpecs(o.sets),
  });
  const namespaces = [node];
  const peerMac = same ? NODE_IN_MAC : NODE_OUT_MAC;
  if (!same && !local) {
    namespaces.push(netns(SENDER, [{ name: 'eth0', type: 'veth', addresses: [{ addr: peer.addr, len: 32 }], peer: { netns: NODE_NETNS, dev: o.inIface }, mac: SENDER_MAC }], {
      routes: [route(`default via ${GW_NODE} dev eth0 onlink`)],
      neigh: [neigh(`${GW_NODE} lladdr ${NODE_IN_MAC} dev eth0 nud permanent`)],
      ...(peer.iptables !== undefined ? { iptables: peer.iptables } : {}),
    }));
  }
  const receiverAddrs = same && !local ? [{ addr: peer.addr, len: 32 }] : [];
  namespaces.push(netns(RECEIVER, [{ name: 'eth0', type: 'veth', addresses: receiverAddrs, peer: { netns: NODE_NETNS, dev: same ? o.inIface : o.outIface }, mac: RECEIVER_MAC }], {
    routes: same && !local ? [route(`default via ${GW_NODE} dev eth0 onlink`)] : [],
    neigh: same && !local ? [neigh(`${GW_NODE} lladdr ${peerMac} dev eth0 nud permanent`)] : [],
    ...(same && !local && peer.iptables !== undefined ? { iptables: peer.iptables } : {}),
  }));
  return { name: 'iptables-save', namespaces };
}

/** The namespace that sends: the node for its own addresses, else the peer that owns --src. */
export function senderOf(o: Pick<NodeWorldOptions, 'src' | 'nodeIPs' | 'inIface' | 'outIface'>): string {
  if (sentByNode(o.src, o.nodeIPs)) return NODE_NETNS;
  return o.inIface === o.outIface ? RECEIVER : SENDER;
}
