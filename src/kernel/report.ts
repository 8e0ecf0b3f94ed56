import type { DropReason, Disposition, PathEvent } from './events.js';
import type { Netns } from './netns/netns.js';

/** Appends a path event for `leg`. */
export function report(ns: Netns, leg: number, e: Omit<PathEvent, 'netns'>): void {
  // The namespace goes beside the event, not into it: the sink keeps what it needs in a shape of its own.
  ns.env.sink.event(leg, e, ns.name);
}

/** Records a packet's fate (and the drop hop that shows it). */
export function fate(
  ns: Netns,
  leg: number,
  disposition: Disposition,
  reason: DropReason | null,
  detail: string,
  opts: { dev?: string | null; bystander?: boolean } = {},
): void {
  if (disposition !== 'DELIVERED' && disposition !== 'REFUSED') {
    report(ns, leg, { dev: opts.dev ?? null, stage: disposition === 'EXITS_NETWORK' ? 'exit' : 'drop', detail: reason ? `${detail} (${reason})` : detail, minor: opts.bystander });
  }
  ns.env.sink.fate(leg, { disposition, reason, netns: ns.name, detail, bystander: opts.bystander });
}
