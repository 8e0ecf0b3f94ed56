// Path selection for ECMP routes: fib_select_path() -> fib_multipath_hash() -> fib_select_multipath()
// (net/ipv4/fib_semantics.c, net/ipv4/route.c).

import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Netns } from '../netns/netns.js';
import type { FibRoute } from './fib.js';
import { fibMultipathHash, upperBounds } from './multipath-hash.js';
import type { MultipathFlow } from './multipath-hash.js';
import { routeUsable } from './route-output.js';
import { formatNexthop } from './route-syntax.js';
import { fibResultPrefsrc } from './source-select.js';

/** The nexthop chosen for a flow, and a line for the trace saying how. */
export interface PathChoice {
  route: FibRoute;
  fact: string | null;
}

/** The per-boot random seed (net_get_random_once()) when fib_multipath_hash_seed is 0: drawn once per namespace. */
function randomSeed(ns: Netns): number {
  ns.fib.mpRandomSeed ??= Math.floor(ns.env.random() * 0x100000000) >>> 0 || 1;
  return ns.fib.mpRandomSeed;
}

/** A nexthop of `route` as the route in use. */
export function withNexthop(route: FibRoute, i: number): FibRoute {
  const nh = (route.nexthops ?? [])[i];
  return { ...route, dev: nh.dev, gw: nh.gw, onlink: nh.onlink, nhSel: i };
}

/** The text naming a nexthop choice in `--branches` (TraceBranch.rules) and in facts. */
export function nexthopChoiceText(ns: Netns, route: FibRoute, i: number): string {
  const nh = (route.nexthops ?? [])[i];
  const dst = route.len === 0 ? 'default' : `${formatIpv4(route.dst)}/${route.len}`;
  return `${formatNexthop({ via: nh.gw, dev: nh.dev, weight: nh.weight, onlink: nh.onlink })} (${dst} in ${ns.name})`;
}

/** Is `text` a nexthop choice (as opposed to an iptables rule) among a branch's rules? */
export function isNexthopChoice(text: string): boolean {
  return text.startsWith('nexthop ');
}

/**
 * Linux: fib_select_path() for a multipath route (no output device given): the flow's hash under
 * net.ipv4.fib_multipath_hash_policy (0: L3, 1: L4) and fib_multipath_hash_seed picks the bucket; with a
 * source address, fib_select_multipath() prefers a nexthop whose own source (nh_saddr) it is. With seed 0 the
 * kernel's seed is random: the branch explorer (KernelEnv.decide) then takes each bucket with its share of
 * the hash space, and without it a seed is drawn once from the seeded RNG.
 */
export function selectPath(
  ns: Netns,
  route: FibRoute,
  flow: MultipathFlow,
  oif: string | null,
  input: { socketHash: boolean } | null = null,
  flowSaddr: number = flow.src,
): PathChoice {
  const forwarded = input !== null;
  const nhs = route.nexthops;
  if (nhs === undefined || oif !== null) return { route, fact: null };
  // ip_mkroute_input() passes no flowi4 to fib_select_multipath(): a forwarded packet's source is not preferred.
  const saddr = forwarded ? 0 : flowSaddr;
  const usable = routeUsable(ns);
  const alive = nhs.map((_, i) => usable(withNexthop(route, i)));
  const ub = upperBounds(nhs.map((nh) => nh.weight), alive);
  const policy = ns.sysctls.get('net.ipv4.fib_multipath_hash_policy');
  // fib_multipath_hash(), policy 1 with an skb: a packet that already has an L4 hash is not hashed again.
  // TCP and UDP from a socket carry the socket's random sk_txhash (skb_set_hash_from_sk()), and crossing a
  // veth keeps it, so where such a packet is forwarded the choice is as random as a seed of 0.
  const socketHash = input !== null && input.socketHash && policy === 1 && (flow.proto === 6 || flow.proto === 17);
  const seed = socketHash ? 0 : ns.sysctls.get('net.ipv4.fib_multipath_hash_seed');
  const keys = policy === 1 ? `${formatIpv4(flow.src)} ${formatIpv4(flow.dst)} proto ${flow.proto} ports ${flow.sport} ${flow.dport}` : `${formatIpv4(flow.src)} ${formatIpv4(flow.dst)}`;
  let hash: number;
  let how: string;
  if (seed === 0 && ns.env.decide) {
    // One flow keeps its path (the hash is a function of the flow): decide once per flow and route.
    const memo = `${route.table} ${route.dst}/${route.len} ${route.metric} | ${keys}`;
    let bucket = ns.fib.mpDecided.get(memo);
    // Only a choice whose buckets lead to different nexthops is a branch (with a source address, the
    // preference for its own nexthop often leaves one).
    const outcomes = new Set(ub.filter((u) => u >= 0).map((u) => selectMultipath(ns, route, ub, u, saddr)));
    if (bucket === undefined && outcomes.size <= 1) bucket = ub.findIndex((u) => u >= 0);
    if (bucket === undefined) {
      bucket = decideBucket(ns, route, ub);
      ns.fib.mpDecided.set(memo, bucket);
    }
    hash = bucket < 0 ? 0 : ub[bucket];
    how = socketHash
      ? 'the packet carries its socket\'s random flow hash (skb->l4_hash), which policy 1 takes as is: each nexthop by its weight'
      : 'hash seed random (fib_multipath_hash_seed = 0): each nexthop by its weight';
  } else {
    hash = fibMultipathHash(policy, flow, seed || randomSeed(ns));
    how = socketHash
      ? 'the packet carries its socket\'s random flow hash (skb->l4_hash), which policy 1 takes as is'
      : `hash ${hash} of ${keys} (fib_multipath_hash_policy = ${policy}, fib_multipath_hash_seed = ${seed || 'random'})`;
  }
  const sel = selectMultipath(ns, route, ub, hash, saddr);
  // A certain choice is told to the explorer anyway, so `--branches` names the path taken.
  ns.env.decide?.(1, nexthopChoiceText(ns, route, sel));
  const chosen = withNexthop(route, sel);
  return { route: chosen, fact: `multipath: ${nexthopChoiceText(ns, route, sel)} chosen, ${how}` };
}

/**
 * The bucket the hash would fall in, decided nexthop by nexthop through KernelEnv.decide (a chain of binary
 * choices, as kube-proxy's statistic rules are); the last live one is certain.
 */
function decideBucket(ns: Netns, route: FibRoute, ub: number[]): number {
  const live = ub.map((u, i) => [u, i] as const).filter(([u]) => u >= 0);
  let below = -1;
  for (let k = 0; k < live.length; k++) {
    const [u, i] = live[k];
    const remaining = 2 ** 31 - 1 - below;
    const p = k === live.length - 1 ? 1 : (u - below) / remaining;
    if (ns.env.decide!(p, nexthopChoiceText(ns, route, i))) return i;
    below = u;
  }
  return live.length > 0 ? live[live.length - 1][1] : -1;
}

/** Linux 6.15+: fib_select_multipath() with the flow's source address (0: none). */
function selectMultipath(ns: Netns, route: FibRoute, ub: number[], hash: number, saddr: number): number {
  let sel = 0;
  let found = false;
  for (let i = 0; i < ub.length; i++) {
    if (ub[i] === -1) continue;
    const matches = saddr === 0 || fibResultPrefsrc(ns, { ...withNexthop(route, i), prefsrc: null }) === saddr;
    if (!found) {
      sel = i;
      found = matches;
    }
    if (hash > ub[i]) continue;
    if (matches) return i;
    if (found) return sel;
  }
  return sel;
}
