// The neighbour state machine (net/core/neighbour.c): __neigh_event_send(), neigh_timer_handler(),
// neigh_update(), neigh_invalidate(), run on the virtual clock with the device's parameters (neigh-parms.ts).
//
//   INCOMPLETE --reply--> REACHABLE --reachable_time--> STALE --use--> DELAY --delay_first_probe_time--> PROBE
//   INCOMPLETE / PROBE --no reply after neigh_max_probes() probes, retrans_time apart--> FAILED

import type { MacAddr } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Skb } from '../../packet/skb.js';
import type { NetDevice } from '../link/device.js';
import { icmpSend } from '../ipv4/icmp.js';
import { fate, report } from '../report.js';
import { arpSolicit } from './arp-solicit.js';
import type { NeighParms } from './neigh-parms.js';
import { MIN_RETRANS_MS, maxProbes, neighParms } from './neigh-parms.js';
import type { Neighbour, NudState } from './neigh-table.js';
import { NUD_CONNECTED, NUD_IN_TIMER, NUD_VALID, neighCatchUp } from './neigh-table.js';

/** What neighEventSend() tells the output path: send now to the entry's address, queued, or dropped. */
export type EventSendResult = 'send' | 'queued' | 'dropped';

/** "1.5 s", "300 ms": a duration as the trace prints it. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  // A whole number of ms over 1000 is the closest double to its 3-decimal quotient, which is what
  // Number(toFixed(3)) gives back: printed directly (this runs for every neighbour hop of a cold trace).
  return Number.isInteger(ms) && ms < 1e15 ? `${ms / 1000} s` : `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Linux: neigh_event_send() -> __neigh_event_send(). A STALE entry moves to DELAY and is used; an entry with
 * no address (new, or FAILED) starts resolving: INCOMPLETE, `probes` set to ucast_solicit, the first probe at
 * once and the timer at retrans_time; with mcast_solicit + app_solicit = 0 it fails at once and the packet is
 * dropped. While INCOMPLETE the packet waits in the arp_queue.
 */
export function neighEventSend(dev: NetDevice, n: Neighbour, skb: Skb, send: (mac: MacAddr) => void): EventSendResult {
  const ns = dev.netns;
  const now = ns.env.timers.now();
  neighCatchUp(n, now);
  n.leg = skb.leg;
  // A connected entry is used through the header cache (neigh_hh_output()), which does not touch `used`.
  if (NUD_CONNECTED.has(n.state)) return 'send';
  n.used = now;
  if (n.state === 'DELAY' || n.state === 'PROBE') return 'send';
  const p = neighParms(ns, dev.name);
  if (n.state === 'STALE') {
    setState(n, 'DELAY', now);
    addTimer(dev, n, p.delayFirstProbeMs);
    report(ns, skb.leg, { dev: dev.name, stage: 'neigh', detail: `neigh ${formatIpv4(n.addr)} STALE -> DELAY: used, first probe in ${formatMs(p.delayFirstProbeMs)} unless confirmed (delay_first_probe_time)`, minor: true });
    return 'send';
  }
  const resolving = n.state === 'INCOMPLETE' && n.timer > 0;
  if (!resolving) {
    if (p.mcastSolicit + p.appSolicit === 0) {
      setState(n, 'FAILED', now);
      fate(ns, skb.leg, 'NEIGH_FAILED', 'NEIGH_FAILED', `neigh ${formatIpv4(n.addr)} dev ${dev.name}: mcast_solicit and app_solicit are 0, so no probe is made: FAILED at once`, { dev: dev.name });
      return 'dropped';
    }
    n.probes = p.ucastSolicit;
    n.lladdr = null;
    setState(n, 'INCOMPLETE', now);
    n.queue.push({ skb, send });
    report(ns, skb.leg, {
      dev: dev.name,
      stage: 'neigh',
      detail: `neigh ${formatIpv4(n.addr)} dev ${dev.name} unknown: ARP who-has, packet queued (${probePlan(p)})`,
    });
    addTimer(dev, n, Math.max(p.retransMs, MIN_RETRANS_MS));
    probe(dev, n, skb, p);
    return 'queued';
  }
  n.queue.push({ skb, send });
  report(ns, skb.leg, { dev: dev.name, stage: 'neigh', detail: `neigh ${formatIpv4(n.addr)} INCOMPLETE: queued behind a pending ARP request` });
  return 'queued';
}

/** "3 probes 1 s apart, FAILED at +3 s without a reply": what the parameters promise. */
function probePlan(p: NeighParms): string {
  const gap = Math.max(p.retransMs, MIN_RETRANS_MS);
  const app = p.appSolicit > 0 ? `${p.appSolicit} to arpd + ` : '';
  const probes = `${p.mcastSolicit} probe${p.mcastSolicit === 1 ? '' : 's'}`;
  return `${app}${probes} ${formatMs(gap)} apart: FAILED at +${formatMs((p.mcastSolicit + p.appSolicit) * gap)} without a reply`;
}

/** neigh_probe(): solicit with the newest queued packet (its source address), then count the probe. */
function probe(dev: NetDevice, n: Neighbour, skb: Skb | null, p: NeighParms): void {
  arpSolicit(dev, n, skb ?? n.queue.at(-1)?.skb ?? null, p);
  n.probes++;
}

function setState(n: Neighbour, state: NudState, now: number): void {
  n.state = state;
  n.updated = now;
}

/** neigh_add_timer() (after neigh_del_timer()): one timer per entry; re-arming forgets the earlier one. */
function addTimer(dev: NetDevice, n: Neighbour, delayMs: number): void {
  const id = ++n.timer;
  // Only an INCOMPLETE entry has packets waiting on its timer; DELAY, PROBE and REACHABLE timers are the
  // kernel's housekeeping after the traffic went out, which a trace does not wait for.
  const background = n.state !== 'INCOMPLETE';
  dev.netns.env.timers.after(delayMs, () => {
    if (n.timer === id) neighTimerHandler(dev, n);
  }, background);
}

function delTimer(n: Neighbour): void {
  n.timer++;
  n.staleAt = null;
}

/**
 * The REACHABLE timer, due at confirmed + reachable_time. When it can only find the entry unused for
 * delay_first_probe_time (`used` does not move while REACHABLE) it would just mark it STALE: that expiry is
 * kept as `staleAt` and applied lazily, so no run waits for it; otherwise (DELAY and a probe follow) a timer
 * job runs.
 */
function armReachable(dev: NetDevice, n: Neighbour, p: NeighParms, minDelayMs = 0): void {
  const now = dev.netns.env.timers.now();
  const expiry = n.confirmed + p.reachableMs;
  delTimer(n);
  if (n.used + p.delayFirstProbeMs >= expiry) addTimer(dev, n, Math.max(expiry - now, minDelayMs));
  else n.staleAt = expiry;
}

/** Linux: neigh_timer_handler(). */
function neighTimerHandler(dev: NetDevice, n: Neighbour): void {
  const ns = dev.netns;
  if (!NUD_IN_TIMER.has(n.state)) return;
  const now = ns.env.timers.now();
  const p = neighParms(ns, dev.name);
  const retrans = Math.max(p.retransMs, MIN_RETRANS_MS);
  let next = now + 1000;
  const said = (detail: string): void => report(ns, n.leg, { dev: dev.name, stage: 'neigh', detail: `neigh ${formatIpv4(n.addr)} ${detail}`, minor: true });
  if (n.state === 'REACHABLE') {
    if (now <= n.confirmed + p.reachableMs) {
      // Still alive: the timer comes back at the expiry, and never sooner than HZ/100.
      armReachable(dev, n, p, MIN_RETRANS_MS);
      return;
    } else if (now <= n.used + p.delayFirstProbeMs) {
      setState(n, 'DELAY', now);
      next = now + p.delayFirstProbeMs;
      said(`REACHABLE -> DELAY: reachable_time ${formatMs(p.reachableMs)} passed, used in the last ${formatMs(p.delayFirstProbeMs)}`);
    } else {
      setState(n, 'STALE', now);
      said(`REACHABLE -> STALE: not confirmed for reachable_time ${formatMs(p.reachableMs)}`);
    }
  } else if (n.state === 'DELAY') {
    if (now <= n.confirmed + p.delayFirstProbeMs) {
      setState(n, 'REACHABLE', now);
      said('DELAY -> REACHABLE: confirmed meanwhile');
      armReachable(dev, n, p, MIN_RETRANS_MS);
      return;
    } else {
      setState(n, 'PROBE', now);
      n.probes = 0;
      next = now + retrans;
      said(`DELAY -> PROBE: not confirmed within delay_first_probe_time ${formatMs(p.delayFirstProbeMs)}; ${p.ucastSolicit} unicast probes (ucast_solicit) ${formatMs(retrans)} apart`);
    }
  } else {
    next = now + retrans;
  }
  if ((n.state === 'INCOMPLETE' || n.state === 'PROBE') && n.probes >= maxProbes(p, n.state === 'PROBE')) {
    const made = n.state === 'PROBE' ? n.probes : n.probes - p.ucastSolicit;
    const since = n.updated;
    setState(n, 'FAILED', now);
    neighInvalidate(dev, n, made, p, now - since);
    return;
  }
  if (NUD_IN_TIMER.has(n.state)) addTimer(dev, n, Math.max(next - now, MIN_RETRANS_MS));
  if (n.state === 'INCOMPLETE' || n.state === 'PROBE') probe(dev, n, null, p);
}

/**
 * Linux: neigh_invalidate(): every packet still queued fails: ipv4_link_failure() sends the sender ICMP host
 * unreachable (a local socket gets EHOSTUNREACH; a forwarded packet's source gets the ICMP).
 */
function neighInvalidate(dev: NetDevice, n: Neighbour, probes: number, p: NeighParms, tookMs: number): void {
  const ns = dev.netns;
  report(ns, n.leg, { dev: dev.name, stage: 'neigh', detail: `neigh ${formatIpv4(n.addr)} FAILED after ${formatMs(tookMs)}: no ARP reply to ${probes} probe${probes === 1 ? '' : 's'} ${formatMs(Math.max(p.retransMs, MIN_RETRANS_MS))} apart` });
  for (const q of n.queue.splice(0)) {
    fate(ns, q.skb.leg, 'NEIGH_FAILED', 'NEIGH_FAILED', `no ARP reply from ${formatIpv4(n.addr)} on ${dev.name} after ${probes} probes`, { dev: dev.name });
    icmpSend(ns, q.skb, 3, 1, 0);
  }
}

/**
 * Linux: neigh_update() as arp_process() and neigh_event_ns() call it (never ADMIN): `override` false keeps a
 * valid entry's address (a reply within locktime of the last change); a STALE update with the same address
 * leaves the state alone; REACHABLE confirms. A newly valid entry sends what waited in its queue. Returns
 * false when the update was ignored.
 */
export function neighUpdate(dev: NetDevice, n: Neighbour, lladdr: MacAddr, state: 'REACHABLE' | 'STALE', override: boolean): boolean {
  const ns = dev.netns;
  const now = ns.env.timers.now();
  neighCatchUp(n, now);
  const old = n.state;
  if (old === 'PERMANENT' || old === 'NOARP') return false;
  let next: NudState = state;
  if (next === 'REACHABLE') n.confirmed = now;
  const valid = NUD_VALID.has(old) && n.lladdr !== null;
  if (valid) {
    if (lladdr !== n.lladdr && !override) return false;
    if (lladdr === n.lladdr && next === 'STALE') next = old;
  }
  if (next !== old || lladdr !== n.lladdr) n.updated = now;
  if (next !== old) {
    delTimer(n);
    n.state = next;
  }
  // A confirmation moves the REACHABLE expiry (neigh_timer_handler() reads `confirmed` when it runs).
  if (next === 'REACHABLE') armReachable(dev, n, neighParms(ns, dev.name));
  if (lladdr !== n.lladdr) {
    n.lladdr = lladdr;
    if (!NUD_CONNECTED.has(next)) n.confirmed = now - 2 * neighParms(ns, dev.name).baseReachableMs;
  }
  if (!valid) {
    // The queued packets go out through the entry's output: from STALE that is a use, which moves it to DELAY.
    for (const q of n.queue.splice(0)) {
      if (n.state === 'STALE') neighEventSend(dev, n, q.skb, q.send);
      q.send(lladdr);
    }
  }
  return true;
}

/**
 * `ip neigh add` (neigh_update() with NEIGH_UPDATE_F_ADMIN): the entry takes the state given; a REACHABLE one
 * is confirmed now and ages like any other.
 */
export function neighAdminAdd(dev: NetDevice, addr: number, lladdr: MacAddr | null, state: NudState): Neighbour {
  const ns = dev.netns;
  const now = ns.env.timers.now();
  const n = ns.neigh.set(dev.name, addr, lladdr, state, now);
  if (state === 'REACHABLE') {
    n.confirmed = now;
    armReachable(dev, n, neighParms(ns, dev.name));
  }
  return n;
}
