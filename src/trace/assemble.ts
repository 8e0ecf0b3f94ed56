import type { LegRecord, Recorder } from '../sim/index.js';
import type { Hop, Leg, Trace, Tuple } from './model.js';
import { TRACE_SCHEMA } from './model.js';
import { senderView } from './sender-view.js';

function hopsOf(leg: LegRecord): Hop[] {
  const out: Hop[] = [];
  const events = leg.events;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const hop: Omit<Hop, 't'> & { t?: number } = {
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
    };
    // Optional fields sit between `after` and `t`, as the JSON has always printed them.
    if (e.packet !== undefined) hop.packet = e.packet;
    if (e.facts && e.facts.length > 0) hop.facts = e.facts;
    if (e.minor) hop.minor = true;
    hop.t = e.t ?? 0;
    out.push(hop as Hop);
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
