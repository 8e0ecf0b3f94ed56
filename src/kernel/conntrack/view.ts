import type { CtEntry } from './entry.js';
import type { CtResolution } from './resolve.js';
import { SECOND_MS } from './timeouts.js';
import type { CtDirection, CtState, CtView } from './tuple.js';

/** Linux: the ctinfo of a packet of a known connection: replies and answered connections are ESTABLISHED. */
export function stateOf(entry: CtEntry, direction: CtDirection): CtState {
  return direction === 'REPLY' || entry.status.has('SEEN_REPLY') ? 'ESTABLISHED' : 'NEW';
}

/** Seconds left, as ctnetlink reports them (nf_ct_expires() / HZ, rounded down, never negative). */
export function secondsLeft(entry: CtEntry, now: number): number {
  return Math.max(0, Math.floor((entry.expires - now) / SECOND_MS));
}

/**
 * What `-m conntrack`, `-m state` and `-m connmark` read of a packet's connection. `state` defaults to the
 * one implied by the direction (pass RELATED for an ICMP error). Status and tuples are copies.
 */
export function view(entry: CtEntry, direction: CtDirection, now: number, state: CtState = stateOf(entry, direction)): CtView {
  return {
    state,
    status: new Set(entry.status),
    direction,
    orig: { ...entry.orig },
    reply: { ...entry.reply },
    mark: entry.mark,
    protoState: entry.tcp ? entry.tcp.state : '',
    timeout: secondsLeft(entry, now),
  };
}

/** The view of a resolved packet; null for INVALID (no connection attached: `--ctstate INVALID` matches). */
export function resolutionView(res: CtResolution, now: number): CtView | null {
  return res.entry ? view(res.entry, res.direction, now, res.state) : null;
}
