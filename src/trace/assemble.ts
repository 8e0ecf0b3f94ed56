import type { LegRecord, Recorder } from '../sim/index.js';
import type { Hop, Leg, Trace, Tuple } from './model.js';
import { TRACE_SCHEMA } from './model.js';
import { senderView } from './sender-view.js';

/**
 * The leg's hops: the recorder keeps each event in the shape of a hop already (numbered, timed, one object
 * shape, optional fields undefined so JSON leaves them out), so they are taken as they are.
 */
function hopsOf(leg: LegRecord): Hop[] {
  return leg.events.slice();
}

/** A leg's outcome: how it ended, where it was delivered. */
function outcomeOf(leg: LegRecord): Pick<Leg, 'disposition' | 'reason' | 'deliveredTo'> {
  const o = leg.outcome;
  if (o?.kind === 'delivered') {
    const d = o.delivery;
    return { disposition: 'DELIVERED', reason: null, deliveredTo: { node: null, netns: d.netns, pod: null, addr: d.addr, peerSeen: d.peerSeen } };
  }
  const f = o?.kind === 'fate' ? o.fate : leg.bystanders[0];
  if (f) return { disposition: f.disposition, reason: f.reason, deliveredTo: null };
  return { disposition: 'DROPPED', reason: null, deliveredTo: null };
}

/** Turns what the recorder saw into the Trace model: the first leg, and its first answer traced back. */
export function assembleTrace(rec: Recorder, head: { name: string | null; packet: Tuple }): Trace {
  const first = rec.legs[0];
  const end = outcomeOf(first);
  let replyRec: LegRecord | undefined;
  for (const l of rec.legs) {
    if (l.parent === 0) {
      replyRec = l;
      break;
    }
  }
  let reply: Trace['reply'] = null;
  if (replyRec) {
    const r = outcomeOf(replyRec);
    // Keys in the order the JSON has always printed them: kind, hops, icmp, disposition, reason, deliveredTo.
    reply = { kind: replyRec.kind, hops: hopsOf(replyRec), icmp: replyRec.errors[0] ?? null, disposition: r.disposition, reason: r.reason, deliveredTo: r.deliveredTo };
  }
  const conntrack: Trace['conntrack'] = new Array(rec.conntrack.length);
  for (let i = 0; i < rec.conntrack.length; i++) {
    const c = rec.conntrack[i];
    conntrack[i] = { netns: c.netns, orig: c.orig, reply: c.reply, state: c.state, status: c.status, line: c.line };
  }
  const trace: Trace = {
    schema: TRACE_SCHEMA,
    name: head.name,
    packet: head.packet,
    hops: hopsOf(first),
    icmp: first.errors[0] ?? null,
    disposition: end.disposition,
    reason: end.reason,
    deliveredTo: end.deliveredTo,
    conntrack,
    reply,
    branches: [],
  };
  trace.sender = senderView(trace);
  return trace;
}
