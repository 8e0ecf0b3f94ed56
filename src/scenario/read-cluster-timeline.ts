// A Cluster's timeline steps, read in order while the cluster is edited and compiled again after each change,
// so every later step (a trace naming a new replica, a delete of a pod that a scale made) is checked against
// the cluster as it is at that point of the timeline:
//   - kubectl: "kubectl scale deployment/web --replicas=3 [-n NS]"   (src/cluster/kubectl.ts)
//   - kubectl: "kubectl delete pod NAME [-n NS]" / "kubectl delete endpointslice NAME [-n NS]"
//   - ready: pod/NAME (or NS/NAME), value: false        the kubelet's readiness probe result, no kubectl verb
//   - addNode: {name: node-c, ip: 192.168.56.13}         a kubelet joining (a DaemonSet gets a pod there)
//   - apply: [ <objects inline> ]                        kubectl apply: create, or replace kind/namespace/name
//   - kubectl: "kubectl delete networkpolicy NAME -n NS" / "... --all -n NS"; "kubectl label namespace|pod ..." 
// Each of these takes `kubeProxy: later`: the API has the change but kube-proxy has not synced it yet (its
// informer or sync lags, or it has not started on a new node); the step `sync: kube-proxy` runs the syncs
// that wait (src/cluster/live-kube-proxy.ts).

import type { Node } from 'yaml';
import { isMap } from 'yaml';
import type { CompiledCluster } from '../cluster/compile.js';
import { applyClusterEdit, parseKubectl } from '../cluster/kubectl.js';
import type { ClusterEdit } from '../cluster/kubectl.js';
import type { ClusterSpec, NodeSpec } from '../cluster/model.js';
import { runsKubeProxy } from '../cluster/live-kube-proxy.js';
import type { KubeProxyTiming } from '../cluster/live-kube-proxy.js';
import { HostLocalMemory, pinRunning } from '../cluster/running-pods.js';
import type { KubeObject } from '../cluster/model.js';
import { readKubeObject } from '../cluster/objects/read-objects.js';
import type { Diagnostic } from './diagnostics.js';
import type { YamlOrigin } from '../cluster/objects/read-objects.js';
import type { NetnsSpec } from '../kernel/netns/world-spec.js';
import { formatIpv4, formatPrefix, inPrefix } from '../wire/ipv4-addr.js';
import type { SourceLocation, TimelineStep } from './model.js';
import type { ClusterTimelineHooks } from './read-timeline.js';
import type { TraceEndpoints } from './read-trace.js';
import type { Fields } from './yaml-fields.js';
import { readBool, readEnum, readFields, readIpv4, readList, readString } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

export const ADD_NODE_FIELDS = ['name', 'ip'] as const;

export interface ClusterTimelineState extends ClusterTimelineHooks {
  /** Every namespace some point of the timeline has (for the checks of traces' deliveredTo). */
  namespaces(): NetnsSpec[];
}

/** The hooks readTimeline calls for a Cluster: `compile` is the scenario's own compileCluster call. */
export function clusterTimeline(
  src: ScenarioSource,
  spec: ClusterSpec,
  compiled: CompiledCluster,
  compile: (spec: ClusterSpec) => CompiledCluster,
  endpointsOf: (c: CompiledCluster) => TraceEndpoints,
  /** The namespace names `run` steps may name: kept equal to the current compile's as changes are read. */
  names: string[],
): ClusterTimelineState {
  let current = { spec, compiled };
  const ipam = new HostLocalMemory(compiled);
  const seen = new Map(compiled.world.namespaces.map((n) => [n.name, n]));
  const apply = (edit: ClusterEdit, node: Node, at: SourceLocation, text: string, what: string, kubeProxy: KubeProxyTiming): TimelineStep | undefined => {
    const r = applyClusterEdit(current.spec, current.compiled, edit);
    if (!r.ok) {
      if (r.column !== undefined && 'nameColumn' in edit) src.errorInString(node, r.column, `${what}: ${r.error}`);
      else src.error(node, `${what}: ${r.error}`);
      return undefined;
    }
    // Running pods stay where they are; new ones get host-local's next addresses (src/cluster/running-pods.ts).
    let nextSpec = pinRunning(r.spec, current.compiled);
    let next = compile(nextSpec);
    const assigned = next.issues.length === 0 ? ipam.assign(nextSpec, current.compiled, next) : undefined;
    if (assigned !== undefined) {
      nextSpec = assigned;
      next = compile(nextSpec);
    }
    if (next.issues.length > 0) {
      for (const issue of next.issues) src.error(node, `${what}: after ${text}: ${issue.message}`);
      return undefined;
    }
    const before = current.compiled;
    current = { spec: nextSpec, compiled: next };
    names.length = 0;
    for (const n of next.world.namespaces) names.push(n.name);
    for (const n of next.world.namespaces) if (!seen.has(n.name)) seen.set(n.name, n);
    return { kind: 'cluster', text, cluster: next, before, kubeProxy, at };
  };
  /** The step's `kubeProxy:` field: `later`, or unset (kube-proxy syncs the change at once). */
  const timing = (fields: Fields, what: string): KubeProxyTiming | undefined => {
    if (!fields.keys.has('kubeProxy')) return 'now';
    const n = fields.values.get('kubeProxy');
    const t = readEnum(src, n, `${what}: kubeProxy`, ['later'] as const);
    if (t !== undefined && !runsKubeProxy(current.compiled)) {
      src.error(n, `${what}: kubeProxy: this cluster runs no kube-proxy (cluster.kubeProxy.mode none, or a docker-bridge network)`);
      return undefined;
    }
    return t;
  };
  return {
    endpoints: () => endpointsOf(current.compiled),
    namespaces: () => [...seen.values()],
    step(kind: string, fields: Fields, what: string, at: SourceLocation): TimelineStep | undefined {
      const v = fields.values;
      const node = v.get(kind);
      if (node === undefined) return undefined;
      if (kind === 'sync') {
        const c = readEnum(src, node, `${what}: sync`, ['kube-proxy'] as const);
        if (c === undefined) return undefined;
        if (!runsKubeProxy(current.compiled)) {
          src.error(node, `${what}: sync: this cluster runs no kube-proxy (cluster.kubeProxy.mode none, or a docker-bridge network)`);
          return undefined;
        }
        return { kind: 'cluster', text: 'sync: kube-proxy', cluster: current.compiled, before: current.compiled, kubeProxy: 'only', at };
      }
      const when = timing(fields, what);
      if (when === undefined) return undefined;
      switch (kind) {
        case 'kubectl': {
          const text = readString(src, node, `${what}: kubectl`);
          if (text === undefined) return undefined;
          const edit = parseKubectl(text);
          if (!edit.ok) {
            src.errorInString(node, edit.column, `${what}: kubectl: ${edit.error}`);
            return undefined;
          }
          return apply(edit.value, node, at, text.trim(), what, when);
        }
        case 'apply': {
          const objects: KubeObject[] = [];
          const warnings: Diagnostic[] = [];
          const before = src.diagnostics.length;
          const items = readList(src, node, `${what}: apply`) ?? [];
          items.forEach((item, i) => readKubeObject(src, item, `${what}: apply[${i}]`, objects, warnings));
          for (const w of warnings) src.error(node, `${what}: apply: ${w.message}`);
          if (src.diagnostics.length > before || objects.length === 0) {
            if (items.length === 0 && src.diagnostics.length === before) src.error(node, `${what}: apply: expected a list of Kubernetes objects`);
            return undefined;
          }
          const names = objects.map((o) => `${o.kind.toLowerCase()}/${o.meta.name}`).join(' ');
          return apply({ kind: 'apply', objects }, node, at, `kubectl apply ${names}`, what, when);
        }
        case 'ready': {
          const text = readString(src, node, `${what}: ready`);
          if (!fields.keys.has('value')) src.error(fields.node, `${what}: missing required field "value" (true or false: the pod's Ready condition)`);
          const value = fields.keys.has('value') ? readBool(src, v.get('value'), `${what}: value`) : undefined;
          if (text === undefined || value === undefined) return undefined;
          const pod = podRef(current.compiled, text);
          if (!pod.ok) {
            src.errorInString(node, pod.column, `${what}: ready: ${pod.error}`);
            return undefined;
          }
          return apply({ kind: 'ready', namespace: pod.namespace, name: pod.name, value, nameColumn: 1 }, node, at, `ready ${text}=${value}`, what, when);
        }
        case 'addNode': {
          const f = readFields(src, node, `${what}: addNode`, ADD_NODE_FIELDS, ['name', 'ip']);
          if (f === undefined) return undefined;
          const name = f.keys.has('name') ? readString(src, f.values.get('name'), `${what}: addNode: name`) : undefined;
          const ip = f.keys.has('ip') ? readIpv4(src, f.values.get('ip'), `${what}: addNode: ip`) : undefined;
          if (name === undefined || ip === undefined) return undefined;
          if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
            src.error(f.values.get('name'), `${what}: addNode: name: "${name}" is not a valid node name (lower-case letters, digits, '-' and '.')`);
            return undefined;
          }
          const cidr = current.spec.underlay.cidr;
          if (!inPrefix(ip, cidr)) {
            src.error(f.values.get('ip'), `${what}: addNode: ip ${formatIpv4(ip)} is not on the underlay ${formatPrefix(cidr)}`);
            return undefined;
          }
          const n: NodeSpec = { name, ip, sysctls: {}, listen: [], origin: { src, node: f.node } satisfies YamlOrigin };
          return apply({ kind: 'addNode', node: n }, isMap(node) ? node : fields.node, at, `addNode ${name} (${formatIpv4(ip)})`, what, when);
        }
      }
      return undefined;
    },
  };
}

type PodRef = { ok: true; namespace: string; name: string } | { ok: false; error: string; column: number };

/** `pod/NAME` (namespace default, or the only pod of that name) or `NS/NAME`, as trace endpoints name pods. */
function podRef(c: CompiledCluster, text: string): PodRef {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, error: `"${text}" is not a pod: write pod/NAME or NAMESPACE/NAME`, column: 1 };
  const kind = text.slice(0, slash);
  const name = text.slice(slash + 1);
  const found = kind === 'pod'
    ? c.pods.find((p) => p.name === name && p.namespace === 'default') ?? c.pods.find((p) => p.name === name)
    : c.pods.find((p) => p.name === name && p.namespace === kind);
  if (found === undefined) {
    const names = c.pods.map((p) => (p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`));
    return { ok: false, error: `Error from server (NotFound): pods "${name}" not found (pods now: ${names.join(', ') || 'none'})`, column: slash + 2 };
  }
  return { ok: true, namespace: found.namespace, name: found.name };
}
