// The EndpointSlice controller (pkg/controller/endpointslice, staging/.../endpointslice/reconciler.go): for
// each Service with a selector, the pods of its namespace whose labels match, with an address, grouped by
// the ports their named target ports resolve to (one slice per distinct port list, as the reconciler
// groups them). Conditions follow endpointslice util: ready = pod Ready and not terminating (or the Service
// publishes not-ready addresses), serving = pod Ready, terminating = the pod has a deletionTimestamp.

import type { Ipv4Addr } from '../../wire/headers.js';
import type { EndpointK, EndpointSliceObject, PodObject, Protocol, ServiceObject } from '../model.js';
import { podSuffix } from './names.js';

/** A pod as the controller sees it: its object, node and address (undefined while it has none). */
export interface PlacedPod {
  pod: PodObject;
  node?: string;
  ip?: Ipv4Addr;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The container port a Service's targetPort names on this pod (podutil.FindPort), or undefined. */
export function resolveTargetPort(target: number | string, protocol: Protocol, pod: PodObject): number | undefined {
  if (typeof target === 'number') return target;
  for (const c of pod.spec.containers) {
    for (const p of c.ports) if (p.name === target && p.protocol === protocol) return p.containerPort;
  }
  return undefined;
}

/**
 * Pods by namespace and label, in their given order: the controller's pod lister with its indexes, so a
 * Service's candidates are the pods carrying one of its selector's labels instead of every pod of the cluster.
 */
export class PodIndex {
  private readonly byLabel = new Map<string, PlacedPod[]>();

  constructor(readonly pods: readonly PlacedPod[]) {
    for (const p of pods) {
      if (p.ip === undefined) continue;
      for (const [k, v] of Object.entries(p.pod.meta.labels)) {
        const key = labelKey(p.pod.meta.namespace, k, v);
        let list = this.byLabel.get(key);
        if (list === undefined) {
          list = [];
          this.byLabel.set(key, list);
        }
        list.push(p);
      }
    }
  }

  /** Pods of `namespace` with an address that may match `selector` (a superset, in the given order). */
  candidates(namespace: string, selector: Record<string, string>): readonly PlacedPod[] {
    let best: readonly PlacedPod[] | undefined;
    for (const [k, v] of Object.entries(selector)) {
      const list = this.byLabel.get(labelKey(namespace, k, v)) ?? [];
      if (best === undefined || list.length < best.length) best = list;
    }
    return best ?? [];
  }
}

function labelKey(namespace: string, k: string, v: string): string {
  // JSON keeps the three apart whatever characters they hold.
  return JSON.stringify([namespace, k, v]);
}

/** The slices the controller keeps for `svc`; none for a Service without a selector. */
export function deriveEndpointSlices(svc: ServiceObject, given: readonly PlacedPod[] | PodIndex): EndpointSliceObject[] {
  if (svc.selector === undefined) return [];
  const selector = svc.selector;
  if (Object.keys(selector).length === 0) return [];
  const pods = given instanceof PodIndex ? given.candidates(svc.meta.namespace, selector) : given;
  const groups = new Map<string, { ports: EndpointSliceObject['ports']; endpoints: EndpointK[] }>();
  for (const { pod, node, ip } of pods) {
    if (pod.meta.namespace !== svc.meta.namespace || ip === undefined) continue;
    if (!selectorMatches(selector, pod.meta.labels)) continue;
    const ports: EndpointSliceObject['ports'] = [];
    for (const sp of svc.ports) {
      const port = resolveTargetPort(sp.targetPort, sp.protocol, pod);
      if (port === undefined) continue;
      const entry: EndpointSliceObject['ports'][number] = { port, protocol: sp.protocol };
      if (sp.name !== undefined) entry.name = sp.name;
      ports.push(entry);
    }
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (g === undefined) {
      g = { ports, endpoints: [] };
      groups.set(key, g);
    }
    const terminating = pod.meta.deleting;
    const ready = svc.publishNotReadyAddresses || (pod.status.ready && !terminating);
    const ep: EndpointK = {
      addresses: [ip],
      conditions: { ready, serving: svc.publishNotReadyAddresses || pod.status.ready, terminating },
      pod: `${pod.meta.namespace}/${pod.meta.name}`,
    };
    if (node !== undefined) ep.nodeName = node;
    if (pod.spec.hostname !== undefined && pod.spec.subdomain === svc.meta.name) ep.hostname = pod.spec.hostname;
    g.endpoints.push(ep);
  }
  let i = 0;
  const slices: EndpointSliceObject[] = [];
  for (const g of groups.values()) {
    slices.push({
      kind: 'EndpointSlice',
      meta: {
        name: `${svc.meta.name}-${podSuffix(`${svc.meta.namespace}/${svc.meta.name}/slice`, i++)}`,
        namespace: svc.meta.namespace,
        labels: { 'kubernetes.io/service-name': svc.meta.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        deleting: false,
      },
      serviceName: svc.meta.name,
      ports: g.ports,
      endpoints: g.endpoints,
    });
  }
  return slices;
}
