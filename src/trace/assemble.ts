import type { LegRecord, Recorder } from '../sim/index.js';
import type { Hop, Leg, Trace, Tuple } from './model.js';
import { TRACE_SCHEMA } from './model.js';
import { senderView } from './sender-view.js';

function hopsOf(leg: LegRecord): Hop[] {
  const events = leg.events;
  const out: Hop[] = new Array<Hop>(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    // One object shape for every hop (no property added later): an optional field the event lacks is
    // undefined, which JSON leaves out, so the JSON is what it was when they were added only when set.
    // Optional fields sit between `after` and `t`, as the JSON has always printed them.
    out[i] = {
      seq: i + 1,
      node: null,
      netns: e.netns,
      dev: e.dev,
      stage: e.stage,
      detail: e.detail,
      table: e.table ?? null,
      chain: e.chain ?? null,
      rule: e.rule ?? null,
      verdict: e.verdict ?? null,
      before: e.before ?? null,
      after: e.after ?? null,
      packet: e.packet,
      facts: e.facts !== undefined && e.facts.length > 0 ? e.facts : undefined,
      minor: e.minor ? true : undefined,
      t: e.t ?? 0,
    };
  }
  return out;
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
