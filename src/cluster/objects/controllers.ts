// The workload controllers, as far as the dataplane sees them: which pods exist, with which names and
// labels. ReplicaSet (and a Deployment's current ReplicaSet), StatefulSet and DaemonSet, each a pure
// function of the objects, so a changed object is simply expanded again.

import type { NodeSpec, PodObject, WorkloadObject } from '../model.js';
import { podSuffix, podTemplateHash } from './names.js';

/**
 * The pods a workload runs. `taken` holds the names in use (pods given as objects and those made so far);
 * a generated name that is taken draws the next suffix, as the API server retries generateName.
 */
export function expandWorkload(w: WorkloadObject, nodes: readonly NodeSpec[], taken: Set<string>): PodObject[] {
  // Deleted pods' names: the API server's generateName would not hand them out again while they terminate.
  // (DaemonSet names are drawn with keys without a namespace: see the DaemonSet case.)
  for (const r of w.retiredPods ?? []) taken.add(`${w.kind === 'DaemonSet' ? '' : w.meta.namespace}/${r}`);
  switch (w.kind) {
    case 'Deployment': {
      // pkg/controller/deployment/sync.go getNewReplicaSet: "<deployment>-<pod-template-hash>".
      const hash = podTemplateHash(w.template);
      const rs = `${w.meta.name}-${hash}`;
      return generated(w, rs, w.replicas, { 'pod-template-hash': hash }, taken, `Deployment/${w.meta.name}`);
    }
    case 'ReplicaSet':
      return generated(w, w.meta.name, w.replicas, {}, taken, `ReplicaSet/${w.meta.name}`);
    case 'DaemonSet':
      // One pod per node (pkg/controller/daemon: nodeShouldRunDaemonPod; no taints modelled), pinned to it.
      return nodes.map((n, i) => ({
        ...podOf(w, uniqueName(`${w.meta.name}-`, `DaemonSet/${w.meta.name}`, i, taken), {}, `DaemonSet/${w.meta.name}`),
        spec: { ...w.template.spec, nodeName: n.name },
      }));
    case 'StatefulSet': {
      // pkg/controller/statefulset/stateful_set_utils.go: "<set>-<ordinal>", hostname = pod name,
      // subdomain = spec.serviceName, and the label statefulset.kubernetes.io/pod-name.
      const pods: PodObject[] = [];
      for (let i = 0; i < w.replicas; i++) {
        const name = `${w.meta.name}-${i}`;
        taken.add(`${w.meta.namespace}/${name}`);
        const pod = podOf(w, name, { 'statefulset.kubernetes.io/pod-name': name }, `StatefulSet/${w.meta.name}`);
        pod.spec = { ...pod.spec, hostname: name };
        if (w.serviceName !== undefined) pod.spec.subdomain = w.serviceName;
        pods.push(pod);
      }
      return pods;
    }
  }
}

function generated(
  w: WorkloadObject,
  base: string,
  replicas: number,
  extraLabels: Record<string, string>,
  taken: Set<string>,
  owner: string,
): PodObject[] {
  const pods: PodObject[] = [];
  for (let i = 0; i < replicas; i++) {
    const ns = w.meta.namespace;
    const name = uniqueName(`${base}-`, `${ns}/${base}`, i, taken, ns);
    pods.push(podOf(w, name, extraLabels, owner));
  }
  return pods;
}

function uniqueName(prefix: string, seed: string, index: number, taken: Set<string>, ns = ''): string {
  for (let attempt = 0; ; attempt++) {
    const name = `${prefix}${podSuffix(seed, index + attempt * 1000003)}`;
    const key = `${ns}/${name}`;
    if (!taken.has(key)) {
      taken.add(key);
      return name;
    }
  }
}

function podOf(w: WorkloadObject, name: string, extraLabels: Record<string, string>, owner: string): PodObject {
  // A pod already running stays on its node with its address (the timeline pins them between compiles).
  const pin = w.podPins?.[name];
  return {
    kind: 'Pod',
    meta: { name, namespace: w.meta.namespace, labels: { ...w.template.labels, ...extraLabels }, deleting: false },
    spec: { ...w.template.spec, containers: w.template.spec.containers, ...(pin === undefined ? {} : { nodeName: pin.node }) },
    status: { ready: !(w.unreadyPods ?? []).includes(name), ...(pin?.ip === undefined ? {} : { podIP: pin.ip }) },
    origin: w.origin,
    owner,
  };
}
