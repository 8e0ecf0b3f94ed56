// A deterministic stand-in for kube-scheduler: a pod with spec.nodeName stays there; every other pod goes
// to the node running the fewest pods so far, the first such node in the order the nodes are written. It
// spreads replicas the way the default scoring (least allocated, spread) does on equal empty nodes.

import type { NodeSpec, PodObject } from '../model.js';

/** The node of each pod, by index in `pods`; pinned pods first count toward their nodes' load. */
export function schedulePods(pods: readonly PodObject[], nodes: readonly NodeSpec[]): (string | undefined)[] {
  const out: (string | undefined)[] = pods.map((p) => p.spec.nodeName);
  if (nodes.length === 0) return out;
  // Node names in first-written order (a repeated name shares its first occurrence's load and rank).
  const index = new Map<string, number>();
  const names: string[] = [];
  for (const n of nodes) {
    if (index.has(n.name)) continue;
    index.set(n.name, names.length);
    names.push(n.name);
  }
  const load = names.map(() => 0);
  for (const name of out) {
    const i = name === undefined ? undefined : index.get(name);
    if (i !== undefined) load[i]++;
  }
  // A min-heap of node ranks by (load, rank): its top is the least-loaded node written first, the node the
  // scan over all nodes would pick, in O(log nodes) per pod instead of O(nodes).
  const heap = new MinHeap(names.length, (a, b) => load[a] - load[b] || a - b);
  for (let i = 0; i < pods.length; i++) {
    if (out[i] !== undefined) continue;
    const best = heap.top();
    out[i] = names[best];
    load[best]++;
    heap.siftDownTop();
  }
  return out;
}

/** A binary heap over 0..n-1; the caller only ever increases the top's key, then calls siftDownTop(). */
class MinHeap {
  private readonly items: number[];

  constructor(
    n: number,
    private readonly cmp: (a: number, b: number) => number,
  ) {
    this.items = Array.from({ length: n }, (_, i) => i);
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  top(): number {
    return this.items[0];
  }

  siftDownTop(): void {
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const a = this.items;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.cmp(a[l], a[m]) < 0) m = l;
      if (r < a.length && this.cmp(a[r], a[m]) < 0) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}
