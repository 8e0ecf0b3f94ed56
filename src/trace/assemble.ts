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

function legOf(leg: LegRecord): Leg {
  const o = leg.outcome;
  const base = { hops: hopsOf(leg), icmp: leg.errors[0] ?? null };
  if (o?.kind === 'delivered') {
    const d = o.delivery;
    return { ...base, disposition: 'DELIVERED', reason: null, deliveredTo: { node: null, netns: d.netns, pod: null, addr: d.addr, peerSeen: d.peerSeen } };
  }
  const f = o?.kind === 'fate' ? o.fate : leg.bystanders[0];
  if (f) return { ...base, disposition: f.disposition, reason: f.reason, deliveredTo: null };
  return { ...base, disposition: 'DROPPED', reason: null, deliveredTo: null };
}

/** Turns what the recorder saw into the Trace model: the first leg, and its first answer traced back. */
export function assembleTrace(rec: Recorder, head: { name: string | null; packet: Tuple }): Trace {
  const first = legOf(rec.legs[0]);
  const replyRec = rec.legs.find((l) => l.parent === 0);
  const trace: Trace = {
    schema: TRACE_SCHEMA,
    name: head.name,
    packet: head.packet,
    ...first,
    conntrack: rec.conntrack.map((c) => ({ ...c })),
    reply: replyRec ? { kind: replyRec.kind, ...legOf(replyRec) } : null,
    branches: [],
  };
  trace.sender = senderView(trace);
  return trace;
}
