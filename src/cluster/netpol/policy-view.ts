// What NetworkPolicy reads of a cluster: the policies, every namespace's labels and the pods (labels,
// address, node, named container ports). Namespaces exist implicitly where pods or policies are; each has the
// label kubernetes.io/metadata.name = its name, which the NamespaceDefaultLabelName admission always sets.

import type { Ipv4Addr } from '../../wire/headers.js';
import type { ContainerPort, KubeObject, NetworkPolicyObject } from '../model.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface PolicyPod {
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  ip?: Ipv4Addr;
  node?: string;
  hostNetwork: boolean;
  ports: readonly ContainerPort[];
}

export interface PolicyView {
  policies: readonly NetworkPolicyObject[];
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  pods: readonly PolicyPod[];
}

/** Namespace labels from the Namespace objects, and for namespaces only named by other objects. */
export function namespaceLabels(objects: readonly KubeObject[], podNamespaces: Iterable<string>): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'Namespace') out.set(o.meta.name, { ...o.meta.labels, [NAMESPACE_NAME_LABEL]: o.meta.name });
  const implicit = (ns: string) => {
    if (!out.has(ns)) out.set(ns, { [NAMESPACE_NAME_LABEL]: ns });
  };
  implicit('default');
  for (const o of objects) if (o.kind !== 'Namespace') implicit(o.meta.namespace);
  for (const ns of podNamespaces) implicit(ns);
  return out;
}

/** The view of a compiled cluster's objects and pods. */
export function policyView(
  objects: readonly KubeObject[],
  pods: readonly { namespace: string; name: string; labels: Record<string, string>; ip?: Ipv4Addr; node?: string; hostNetwork: boolean; object: { spec: { containers: readonly { ports: readonly ContainerPort[] }[] } } }[],
): PolicyView {
  const policies = objects.filter((o): o is NetworkPolicyObject => o.kind === 'NetworkPolicy');
  const viewPods: PolicyPod[] = pods.map((p) => ({
    namespace: p.namespace, name: p.name, labels: p.labels, ip: p.ip, node: p.node, hostNetwork: p.hostNetwork,
    ports: p.object.spec.containers.flatMap((c) => c.ports),
  }));
  return { policies, namespaceLabels: namespaceLabels(objects, pods.map((p) => p.namespace)), pods: viewPods };
}
