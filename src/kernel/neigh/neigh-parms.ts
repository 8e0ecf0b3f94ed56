// struct neigh_parms of one device, read from its `net.ipv4.neigh.DEV.*` sysctls (net/core/neighbour.c).

import type { Netns } from '../netns/netns.js';

/** The kernel's floor on a probe interval: neigh_timer_handler() waits at least HZ/100. */
export const MIN_RETRANS_MS = 10;

export interface NeighParms {
  /** MCAST_PROBES: broadcast requests while INCOMPLETE. */
  mcastSolicit: number;
  /** UCAST_PROBES: unicast requests in PROBE (and the count INCOMPLETE starts from). */
  ucastSolicit: number;
  /** APP_PROBES: requests to a user-space daemon (arpd, over netlink) before the broadcasts. */
  appSolicit: number;
  /** MCAST_REPROBES (mcast_resolicit, not modelled as a sysctl): broadcasts after the unicast ones in PROBE. */
  mcastResolicit: number;
  retransMs: number;
  baseReachableMs: number;
  /** parms->reachable_time: drawn in [base/2, 3*base/2) (neigh_rand_reach_time()). */
  reachableMs: number;
  delayFirstProbeMs: number;
  gcStaleMs: number;
  locktimeMs: number;
}

/**
 * The parameters `dev` of `ns` runs its neighbour state machine with: read from the sysctls once, and again
 * after any sysctl of the namespace is written (Sysctls.derived()). Shared and frozen: callers only read them.
 */
export function neighParms(ns: Netns, dev: string): Readonly<NeighParms> {
  return ns.sysctls.derived('neigh-parms', dev, frozenNeighParms, ns);
}

function frozenNeighParms(ns: Netns, dev: string): Readonly<NeighParms> {
  return Object.freeze(readNeighParms(ns, dev));
}

function readNeighParms(ns: Netns, dev: string): NeighParms {
  const get = (k: string): number => ns.sysctls.neigh(dev, k);
  const base = get('base_reachable_time_ms');
  return {
    mcastSolicit: get('mcast_solicit'),
    ucastSolicit: get('ucast_solicit'),
    appSolicit: get('app_solicit'),
    mcastResolicit: 0,
    retransMs: get('retrans_time_ms'),
    baseReachableMs: base,
    reachableMs: randReachTime(ns.name, dev, base),
    delayFirstProbeMs: get('delay_first_probe_time') * 1000,
    gcStaleMs: get('gc_stale_time') * 1000,
    locktimeMs: get('locktime') * 10,
  };
}

/**
 * Linux: neigh_rand_reach_time(): base ? get_random_u32_below(base) + base/2 : 0, drawn when the device's
 * parms are made and again when base_reachable_time is written. The draw comes from an Rng seeded with the
 * namespace, the device and the base, so it is the same on every run and does not disturb the World's own
 * random sequence (sequence numbers, ports). The kernel redraws every 300 s (neigh_periodic_work()); the
 * model keeps one draw per device and base.
 */
export function randReachTime(netns: string, dev: string, baseMs: number): number {
  if (baseMs <= 0) return 0;
  let h = 0x811c9dc5;
  for (const ch of `${netns}/${dev}/${baseMs}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return Math.floor(mulberry32(h) * baseMs) + Math.floor(baseMs / 2);
}

/** The first draw of mulberry32 seeded with `seed` (sim/rng.ts's generator; kernel/ does not import sim/). */
function mulberry32(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** neigh_max_probes(): how many probes a resolution may make before FAILED. */
export function maxProbes(p: NeighParms, probing: boolean): number {
  return p.ucastSolicit + p.appSolicit + (probing ? p.mcastResolicit : p.mcastSolicit);
}
