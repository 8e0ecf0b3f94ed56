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

/** The slices the controller keeps for `svc`; none for a Service without a selector. */
export function deriveEndpointSlices(svc: ServiceObject, pods: readonly PlacedPod[]): EndpointSliceObject[] {
  if (svc.selector === undefined) return [];
  const selector = svc.selector;
  const groups = new Map<string, { ports: EndpointSliceObject['ports']; endpoints: EndpointK[] }>();
  for (const { pod, node, ip } of pods) {
    if (pod.meta.namespace !== svc.meta.namespace || ip === undefined) continue;
    if (Object.keys(selector).length === 0 || !selectorMatches(selector, pod.meta.labels)) continue;
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
