// What a running cluster remembers between two compiles of a timeline: a pod that runs keeps its node and
// its address (the scheduler never moves a bound pod; the sandbox keeps its IP), and host-local hands a new
// pod the address after the last one it reserved on that node (allocator.go: the iterator starts at
// lastReservedIP+1 and wraps round the range), not the lowest free one, so a replacement pod gets a new
// address while its predecessor's stays free for a while.

import type { Ipv4Addr } from '../wire/headers.js';
import { prefixMask, prefixNetwork } from '../wire/ipv4-addr.js';
import type { CompiledCluster, CompiledPod } from './compile.js';
import type { ClusterSpec, KubeObject, WorkloadObject } from './model.js';

const key = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;

/** `spec` with every pod that runs in `now` pinned to its node and address. */
export function pinRunning(spec: ClusterSpec, now: CompiledCluster): ClusterSpec {
  // Pins name the pods that run now only: a pod scaled away and made again later is a new pod.
  const objects = spec.objects.map((o) => (o.kind === 'Pod' || o.kind === 'Service' || o.kind === 'EndpointSlice' || o.kind === 'Namespace' || o.kind === 'NetworkPolicy' ? o : { ...o, podPins: {} }));
  return pinPods({ ...spec, objects }, now.pods.filter((p) => p.node !== undefined));
}

function pinPods(spec: ClusterSpec, pods: readonly CompiledPod[]): ClusterSpec {
  const objects: KubeObject[] = [...spec.objects];
  for (const p of pods) {
    const node = p.node!;
    const ip = p.hostNetwork ? undefined : p.ip;
    const bare = objects.findIndex((o) => o.kind === 'Pod' && o.meta.namespace === p.namespace && o.meta.name === p.name);
    if (bare >= 0) {
      const o = objects[bare];
      if (o.kind === 'Pod') objects[bare] = { ...o, spec: { ...o.spec, nodeName: node }, status: ip === undefined ? o.status : { ...o.status, podIP: ip } };
      continue;
    }
    if (p.owner === undefined) continue;
    const [kind, name] = p.owner.split('/');
    const i = objects.findIndex((o) => o.kind === kind && o.meta.namespace === p.namespace && o.meta.name === name);
    if (i < 0) continue;
    const w = objects[i] as WorkloadObject;
    objects[i] = { ...w, podPins: { ...w.podPins, [p.name]: ip === undefined ? { node } : { node, ip } } };
  }
  return { ...spec, objects };
}

/** host-local's last_reserved_ip.0 per node, as the timeline's compiles have left it. */
export class HostLocalMemory {
  private readonly last = new Map<string, Ipv4Addr>();

  /** After the first compile: a fresh node's pods got .2, .3, ... in order, so the highest is the last. */
  constructor(first: CompiledCluster) {
    this.remember(first.pods);
  }

  private remember(pods: readonly CompiledPod[]): void {
    for (const p of pods) {
      if (p.node === undefined || p.hostNetwork || p.ip === undefined) continue;
      const l = this.last.get(p.node);
      if (l === undefined || p.ip > l) this.last.set(p.node, p.ip);
    }
  }

  /**
   * The spec with the pods that are new in `after` (not in `before`) given the addresses host-local would
   * give them; undefined when there are none (then `after` stands).
   */
  assign(spec: ClusterSpec, before: CompiledCluster, after: CompiledCluster): ClusterSpec | undefined {
    const had = new Set(before.pods.map(key));
    const fresh = after.pods.filter((p) => !had.has(key(p)) && p.node !== undefined && !p.hostNetwork && p.object.status.podIP === undefined && p.ip !== undefined);
    if (fresh.length === 0) return undefined;
    const used = new Map<string, Set<Ipv4Addr>>();
    for (const p of after.pods) {
      if (p.node === undefined || p.ip === undefined || fresh.includes(p)) continue;
      const s = used.get(p.node) ?? new Set<Ipv4Addr>();
      s.add(p.ip);
      used.set(p.node, s);
    }
    const placed: CompiledPod[] = [];
    for (const p of fresh) {
      const node = after.nodes.find((n) => n.name === p.node);
      if (node === undefined) continue;
      const net = prefixNetwork(node.podCIDR);
      const first = net + 2;
      const last = ((net | ~prefixMask(node.podCIDR.len)) >>> 0) - 1;
      const taken = used.get(node.name) ?? new Set<Ipv4Addr>();
      used.set(node.name, taken);
      const start = this.last.get(node.name);
      let ip: Ipv4Addr | undefined;
      const size = last - first + 1;
      for (let k = 0; k < size; k++) {
        const base = start === undefined || start < first || start >= last ? first : start + 1;
        const a = first + ((base - first + k) % size);
        if (!taken.has(a)) {
          ip = a;
          break;
        }
      }
      if (ip === undefined) continue;
      taken.add(ip);
      this.last.set(node.name, ip);
      placed.push({ ...p, ip });
    }
    return pinPods(spec, placed);
  }
}
