// A Cluster's traces name what a Topology's cannot: the node each hop ran on and the pod that got the
// packet (`deliveredTo.node`, `deliveredTo.pod` as namespace/name, `hop.node`), from the compiled
// cluster's map of namespaces to nodes and pods. The trace itself is unchanged otherwise.

import type { DeliveredTo, Hop, Leg, Trace } from '../trace/model.js';

export type NetnsOwners = ReadonlyMap<string, { node: string | null; pod: string | null }>;

export function annotateTrace<T extends Trace>(trace: T, owners: NetnsOwners): T {
  const out = { ...trace, ...annotateLeg(trace, owners) };
  if (trace.reply !== null) out.reply = { ...trace.reply, ...annotateLeg(trace.reply, owners) };
  return out;
}

function annotateLeg(leg: Leg, owners: NetnsOwners): Pick<Leg, 'hops' | 'deliveredTo'> {
  const hops: Hop[] = leg.hops.map((h) => ({ ...h, node: owners.get(h.netns)?.node ?? h.node }));
  let deliveredTo: DeliveredTo | null = leg.deliveredTo;
  if (deliveredTo !== null) {
    const o = owners.get(deliveredTo.netns);
    if (o !== undefined) deliveredTo = { ...deliveredTo, node: o.node, pod: o.pod };
  }
  return { hops, deliveredTo };
}
