// A deterministic stand-in for kube-scheduler: a pod with spec.nodeName stays there; every other pod goes
// to the node running the fewest pods so far, the first such node in the order the nodes are written. It
// spreads replicas the way the default scoring (least allocated, spread) does on equal empty nodes.

import type { NodeSpec, PodObject } from '../model.js';

/** The node of each pod, by index in `pods`; pinned pods first count toward their nodes' load. */
export function schedulePods(pods: readonly PodObject[], nodes: readonly NodeSpec[]): (string | undefined)[] {
  const load = new Map<string, number>(nodes.map((n) => [n.name, 0]));
  const out: (string | undefined)[] = pods.map((p) => p.spec.nodeName);
  for (const name of out) if (name !== undefined && load.has(name)) load.set(name, load.get(name)! + 1);
  if (nodes.length === 0) return out;
  for (let i = 0; i < pods.length; i++) {
    if (out[i] !== undefined) continue;
    let best = nodes[0].name;
    for (const n of nodes) if (load.get(n.name)! < load.get(best)!) best = n.name;
    out[i] = best;
    load.set(best, load.get(best)! + 1);
  }
  return out;
}
