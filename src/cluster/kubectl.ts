// The cluster changes a timeline makes, in kubectl's own syntax where kubectl has a verb for them:
//   kubectl scale deployment/NAME --replicas=N [-n NS]     (also replicaset/rs, statefulset/sts; "TYPE NAME")
//   kubectl delete pod NAME [-n NS]                         (also pod/NAME)
//   kubectl delete endpointslice NAME [-n NS]
//   kubectl delete networkpolicy NAME -n NS / kubectl delete networkpolicy --all -n NS
//   kubectl label namespace NS KEY=VALUE [--overwrite] / kubectl label pod NAME -n NS KEY=VALUE [--overwrite]
// and the step `apply:` (objects inline: create, or replace the object of the same kind, namespace and name).
// Readiness has no kubectl verb (the kubelet writes it from probes), and adding a node is kubelet joining:
// those are the steps `ready:` and `addNode:` (read-cluster-timeline.ts), edits of the same kind here.
// An edit changes the ClusterSpec; compileCluster then derives pods, slices and the kernel state again.

import type { SyntaxResult } from '../kernel/syntax-words.js';
import type { ClusterSpec, KubeObject, NodeSpec, WorkloadObject } from './model.js';
import type { CompiledCluster } from './compile.js';

export type ClusterEdit =
  | { kind: 'scale'; workload: 'Deployment' | 'ReplicaSet' | 'StatefulSet'; namespace: string; name: string; replicas: number; nameColumn: number }
  | { kind: 'delete'; resource: 'Pod' | 'EndpointSlice'; namespace: string; name: string; nameColumn: number }
  | { kind: 'ready'; namespace: string; name: string; value: boolean; nameColumn: number }
  | { kind: 'addNode'; node: NodeSpec }
  | { kind: 'apply'; objects: KubeObject[] }
  /** `name` undefined: --all. */
  | { kind: 'deletePolicy'; namespace: string; name?: string; nameColumn: number }
  | { kind: 'label'; resource: 'Namespace' | 'Pod'; namespace: string; name: string; labels: Record<string, string>; overwrite: boolean; nameColumn: number };

const SCALABLE: Record<string, 'Deployment' | 'ReplicaSet' | 'StatefulSet'> = {
  deployment: 'Deployment', deployments: 'Deployment', deploy: 'Deployment',
  replicaset: 'ReplicaSet', replicasets: 'ReplicaSet', rs: 'ReplicaSet',
  statefulset: 'StatefulSet', statefulsets: 'StatefulSet', sts: 'StatefulSet',
};
const DELETABLE: Record<string, 'Pod' | 'EndpointSlice' | 'NetworkPolicy'> = {
  pod: 'Pod', pods: 'Pod', po: 'Pod',
  endpointslice: 'EndpointSlice', endpointslices: 'EndpointSlice',
  networkpolicy: 'NetworkPolicy', networkpolicies: 'NetworkPolicy', netpol: 'NetworkPolicy', 'networkpolicy.networking.k8s.io': 'NetworkPolicy',
};
const LABELABLE: Record<string, 'Namespace' | 'Pod'> = {
  namespace: 'Namespace', namespaces: 'Namespace', ns: 'Namespace',
  pod: 'Pod', pods: 'Pod', po: 'Pod',
};
/** The largest replica count accepted (read-objects' bound for spec.replicas). */
const MAX_REPLICAS = 100000;

interface Word {
  text: string;
  column: number;
}

function words(text: string): Word[] {
  const out: Word[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({ text: m[0], column: m.index + 1 });
  return out;
}

const fail = (error: string, column: number): SyntaxResult<never> => ({ ok: false, error, column });

/** Parses one kubectl command line (scale or delete); errors point at their column in `text`. */
export function parseKubectl(text: string): SyntaxResult<ClusterEdit> {
  const all = words(text);
  if (all[0]?.text !== 'kubectl') return fail('expected "kubectl ..."', all[0]?.column ?? 1);
  // kubectl takes its global flags (here -n/--namespace) before the verb as well as after it.
  let at = 1;
  const before: Word[] = [];
  while (at < all.length && all[at].text.startsWith('-')) {
    const flag = all[at++];
    before.push(flag);
    if ((flag.text === '-n' || flag.text === '--namespace') && at < all.length) before.push(all[at++]);
  }
  const w = [all[0], ...all.slice(at, at + 1), ...before, ...all.slice(at + 1)];
  const verb = all[at];
  if (verb === undefined) return fail('expected a verb: scale, delete or label', text.length + 1);
  if (verb.text !== 'scale' && verb.text !== 'delete' && verb.text !== 'label') {
    return fail(`kubectl ${verb.text}: not modelled here (a timeline takes "kubectl scale", "kubectl delete" and "kubectl label"; objects are created with an "apply:" step; readiness is a "ready:" step)`, verb.column);
  }
  let namespace = 'default';
  let replicas: number | undefined;
  let allFlag: Word | undefined;
  let overwrite = false;
  const rest: Word[] = [];
  for (let i = 2; i < w.length; i++) {
    const a = w[i];
    const value = (flag: string): Word | SyntaxResult<never> => {
      if (a.text.startsWith(`${flag}=`)) return { text: a.text.slice(flag.length + 1), column: a.column + flag.length + 1 };
      const next = w[++i];
      return next === undefined ? fail(`${flag}: expected a value`, a.column + a.text.length) : next;
    };
    if (a.text === '-n' || a.text === '--namespace' || a.text.startsWith('--namespace=')) {
      const v = value(a.text === '-n' ? '-n' : '--namespace');
      if ('ok' in v) return v;
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v.text)) return fail(`namespace "${v.text}" is not a valid name`, v.column);
      namespace = v.text;
    } else if (a.text === '--replicas' || a.text.startsWith('--replicas=')) {
      if (verb.text !== 'scale') return fail(`unknown flag: --replicas (kubectl delete takes no --replicas)`, a.column);
      const v = value('--replicas');
      if ('ok' in v) return v;
      if (!/^-?\d+$/.test(v.text)) return fail(`--replicas: "${v.text}" is not a number`, v.column);
      const n = Number(v.text);
      if (n < 0 || n > MAX_REPLICAS) return fail(`--replicas: ${n} is out of range (0..${MAX_REPLICAS})`, v.column);
      replicas = n;
    } else if (a.text === '--all' && verb.text === 'delete') {
      allFlag = a;
    } else if (a.text === '--overwrite' && verb.text === 'label') {
      overwrite = true;
    } else if (a.text.startsWith('-')) {
      return fail(`unknown flag: ${a.text.split('=')[0]}`, a.column);
    } else rest.push(a);
  }
  if (verb.text === 'label') return parseLabel(rest, namespace, overwrite, text);
  if (allFlag !== undefined) {
    const type = rest[0];
    if (type === undefined || DELETABLE[type.text.toLowerCase()] !== 'NetworkPolicy') return fail('kubectl delete --all: modelled for networkpolicy only', type?.column ?? allFlag.column);
    if (rest.length > 1) return fail('--all takes no object name', rest[1].column);
    return { ok: true, value: { kind: 'deletePolicy', namespace, nameColumn: type.column } };
  }
  // "TYPE/NAME" or "TYPE NAME".
  const target = rest[0];
  if (target === undefined) return fail(`kubectl ${verb.text}: expected TYPE/NAME`, text.length + 1);
  let type: Word;
  let name: Word;
  const slash = target.text.indexOf('/');
  if (slash >= 0) {
    type = { text: target.text.slice(0, slash), column: target.column };
    name = { text: target.text.slice(slash + 1), column: target.column + slash + 1 };
    if (rest.length > 1) return fail('one object per step', rest[1].column);
  } else {
    type = target;
    if (rest[1] === undefined) return fail(`kubectl ${verb.text} ${type.text}: expected a name`, text.length + 1);
    name = rest[1];
    if (rest.length > 2) return fail('one object per step', rest[2].column);
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name.text)) return fail(`"${name.text}" is not a valid object name`, name.column);
  if (verb.text === 'scale') {
    const workload = SCALABLE[type.text.toLowerCase()];
    if (workload === undefined) return fail(`kubectl scale: cannot scale "${type.text}" (expected deployment, replicaset or statefulset)`, type.column);
    if (replicas === undefined) return fail('kubectl scale: missing --replicas=N', verb.column);
    return { ok: true, value: { kind: 'scale', workload, namespace, name: name.text, replicas, nameColumn: name.column } };
  }
  const resource = DELETABLE[type.text.toLowerCase()];
  if (resource === undefined) return fail(`kubectl delete: "${type.text}" is not modelled here (expected pod, endpointslice or networkpolicy)`, type.column);
  if (resource === 'NetworkPolicy') return { ok: true, value: { kind: 'deletePolicy', namespace, name: name.text, nameColumn: name.column } };
  return { ok: true, value: { kind: 'delete', resource, namespace, name: name.text, nameColumn: name.column } };
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** `kubectl label TYPE NAME KEY=VALUE...` (or TYPE/NAME). */
function parseLabel(rest: Word[], namespace: string, overwrite: boolean, text: string): SyntaxResult<ClusterEdit> {
  const target = rest[0];
  if (target === undefined) return fail('kubectl label: expected TYPE NAME KEY=VALUE', text.length + 1);
  let type: Word;
  let name: Word | undefined;
  let at = 1;
  const slash = target.text.indexOf('/');
  if (slash >= 0) {
    type = { text: target.text.slice(0, slash), column: target.column };
    name = { text: target.text.slice(slash + 1), column: target.column + slash + 1 };
  } else {
    type = target;
    name = rest[at++];
  }
  const resource = LABELABLE[type.text.toLowerCase()];
  if (resource === undefined) return fail(`kubectl label: "${type.text}" is not modelled here (expected namespace or pod)`, type.column);
  if (name === undefined) return fail(`kubectl label ${type.text}: expected a name`, text.length + 1);
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name.text)) return fail(`"${name.text}" is not a valid object name`, name.column);
  const labels: Record<string, string> = {};
  for (const w of rest.slice(at)) {
    const eq = w.text.indexOf('=');
    if (eq < 0) return fail(`"${w.text}": expected KEY=VALUE (removing a label with KEY- is not modelled)`, w.column);
    const key = w.text.slice(0, eq);
    const value = w.text.slice(eq + 1);
    if (!LABEL_KEY.test(key)) return fail(`invalid label key "${key}"`, w.column);
    if (!LABEL_VALUE.test(value)) return fail(`invalid label value "${value}"`, w.column + eq + 1);
    labels[key] = value;
  }
  if (Object.keys(labels).length === 0) return fail('kubectl label: at least one label update is required', text.length + 1);
  const ns = resource === 'Namespace' ? '' : namespace;
  return { ok: true, value: { kind: 'label', resource, namespace: ns, name: name.text, labels, overwrite, nameColumn: name.column } };
}

/**
 * The ClusterSpec after `edit`, given the cluster as compiled before it (`now`: which pods exist and who owns
 * them). An edit naming an object that does not exist is an error, as kubectl's NotFound is.
 */
export function applyClusterEdit(spec: ClusterSpec, now: CompiledCluster, edit: ClusterEdit): { ok: true; spec: ClusterSpec } | { ok: false; error: string; column?: number } {
  const objects = [...spec.objects];
  const same = (o: KubeObject, kind: string, ns: string, name: string) => o.kind === kind && o.meta.namespace === ns && o.meta.name === name;
  switch (edit.kind) {
    case 'addNode': {
      if (spec.nodes.some((n) => n.name === edit.node.name)) return { ok: false, error: `addNode: node "${edit.node.name}" already exists` };
      const clash = spec.nodes.find((n) => n.ip === edit.node.ip);
      if (clash !== undefined) return { ok: false, error: `addNode: node ${clash.name} already has that address` };
      return { ok: true, spec: { ...spec, nodes: [...spec.nodes, edit.node] } };
    }
    case 'scale': {
      const i = objects.findIndex((o) => same(o, edit.workload, edit.namespace, edit.name));
      if (i < 0) return notFound(edit.workload, edit.namespace, edit.name, edit.nameColumn);
      const w = objects[i] as WorkloadObject;
      // The ReplicaSet controller deletes the surplus pods (the newest first, as getPodsToDelete ranks them);
      // names it made are never made again, so a later scale-up makes new pods with new names.
      const mine = now.pods.filter((p) => p.owner === `${w.kind}/${w.meta.name}` && p.namespace === w.meta.namespace).map((p) => p.name);
      const gone = w.kind === 'StatefulSet' ? [] : mine.slice(edit.replicas);
      objects[i] = { ...w, replicas: edit.replicas, ...(gone.length > 0 ? { retiredPods: [...(w.retiredPods ?? []), ...gone] } : {}) };
      return { ok: true, spec: { ...spec, objects } };
    }
    case 'delete': {
      if (edit.resource === 'EndpointSlice') {
        const i = objects.findIndex((o) => same(o, 'EndpointSlice', edit.namespace, edit.name));
        // A slice the controller derived is made again by it at once: the delete changes nothing we model.
        if (i < 0 && !now.endpointSlices.some((s) => s.meta.namespace === edit.namespace && s.meta.name === edit.name)) return notFound('EndpointSlice', edit.namespace, edit.name, edit.nameColumn);
        if (i >= 0) objects.splice(i, 1);
        return { ok: true, spec: { ...spec, objects } };
      }
      const i = objects.findIndex((o) => same(o, 'Pod', edit.namespace, edit.name));
      if (i >= 0) {
        // A bare pod: nothing makes it again.
        objects.splice(i, 1);
        return { ok: true, spec: { ...spec, objects } };
      }
      const owned = ownerOf(now, objects, edit.namespace, edit.name);
      if (owned === undefined) return notFound('Pod', edit.namespace, edit.name, edit.nameColumn);
      // The controller makes a replacement; a StatefulSet's keeps the ordinal name, others draw a new suffix.
      const w = objects[owned] as WorkloadObject;
      if (w.kind !== 'StatefulSet') objects[owned] = { ...w, retiredPods: [...(w.retiredPods ?? []), edit.name] };
      return { ok: true, spec: { ...spec, objects } };
    }
    case 'apply': {
      // kubectl apply: create, or replace the object of the same kind, namespace and name.
      for (const o of edit.objects) {
        const i = objects.findIndex((x) => same(x, o.kind, o.meta.namespace, o.meta.name));
        if (i >= 0) objects[i] = o;
        else objects.push(o);
      }
      return { ok: true, spec: { ...spec, objects } };
    }
    case 'deletePolicy': {
      if (edit.name === undefined) return { ok: true, spec: { ...spec, objects: objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.meta.namespace === edit.namespace)) } };
      const i = objects.findIndex((o) => same(o, 'NetworkPolicy', edit.namespace, edit.name!));
      if (i < 0) return notFound('NetworkPolicy', edit.namespace, edit.name, edit.nameColumn);
      objects.splice(i, 1);
      return { ok: true, spec: { ...spec, objects } };
    }
    case 'label':
      return applyLabel(spec, now, objects, edit);
    case 'ready': {
      const i = objects.findIndex((o) => same(o, 'Pod', edit.namespace, edit.name));
      if (i >= 0) {
        const p = objects[i];
        if (p.kind === 'Pod') objects[i] = { ...p, status: { ...p.status, ready: edit.value } };
        return { ok: true, spec: { ...spec, objects } };
      }
      const owned = ownerOf(now, objects, edit.namespace, edit.name);
      if (owned === undefined) return notFound('Pod', edit.namespace, edit.name, edit.nameColumn);
      const w = objects[owned] as WorkloadObject;
      const unready = new Set(w.unreadyPods ?? []);
      if (edit.value) unready.delete(edit.name);
      else unready.add(edit.name);
      objects[owned] = { ...w, unreadyPods: [...unready] };
      return { ok: true, spec: { ...spec, objects } };
    }
  }
}

function ownerOf(now: CompiledCluster, objects: readonly KubeObject[], namespace: string, name: string): number | undefined {
  const pod = now.pods.find((p) => p.namespace === namespace && p.name === name);
  if (pod?.owner === undefined) return undefined;
  const [kind, owner] = pod.owner.split('/');
  const i = objects.findIndex((o) => o.kind === kind && o.meta.namespace === namespace && o.meta.name === owner);
  return i < 0 ? undefined : i;
}

function notFound(kind: string, namespace: string, name: string, column: number) {
  const plural = kind === 'EndpointSlice' ? 'endpointslices.discovery.k8s.io'
    : kind === 'NetworkPolicy' ? 'networkpolicies.networking.k8s.io'
      : kind === 'Namespace' ? 'namespaces'
        : `${kind.toLowerCase()}s${kind === 'Pod' ? '' : '.apps'}`;
  if (kind === 'Namespace') return { ok: false as const, error: `Error from server (NotFound): ${plural} "${name}" not found`, column };
  return { ok: false as const, error: `Error from server (NotFound): ${plural} "${name}" not found in namespace "${namespace}"`, column };
}

/** kubectl label: refuses to change an existing key's value without --overwrite (validateNoOverwrites). */
function applyLabel(spec: ClusterSpec, now: CompiledCluster, objects: KubeObject[], edit: Extract<ClusterEdit, { kind: 'label' }>): { ok: true; spec: ClusterSpec } | { ok: false; error: string; column?: number } {
  const merge = (current: Record<string, string>) => {
    if (!edit.overwrite) {
      for (const [k, v] of Object.entries(edit.labels)) {
        if (current[k] !== undefined && current[k] !== v) return { ok: false as const, error: `error: '${k}' already has a value (${current[k]}), and --overwrite is false`, column: edit.nameColumn };
      }
    }
    return { ok: true as const, labels: { ...current, ...edit.labels } };
  };
  if (edit.resource === 'Namespace') {
    const i = objects.findIndex((o) => o.kind === 'Namespace' && o.meta.name === edit.name);
    const exists = i >= 0 || edit.name === 'default' || objects.some((o) => o.kind !== 'Namespace' && o.meta.namespace === edit.name) || now.pods.some((p) => p.namespace === edit.name);
    if (!exists) return notFound('Namespace', '', edit.name, edit.nameColumn);
    // A namespace only named by its objects is given a Namespace object, as the API server holds one.
    const current = i >= 0 ? objects[i] : { kind: 'Namespace' as const, meta: { name: edit.name, namespace: '', labels: {}, deleting: false } };
    const m = merge(current.meta.labels);
    if (!m.ok) return m;
    const next = { ...current, meta: { ...current.meta, labels: m.labels } } as KubeObject;
    if (i >= 0) objects[i] = next;
    else objects.push(next);
    return { ok: true, spec: { ...spec, objects } };
  }
  const i = objects.findIndex((o) => o.kind === 'Pod' && o.meta.namespace === edit.namespace && o.meta.name === edit.name);
  if (i < 0) {
    if (now.pods.some((p) => p.namespace === edit.namespace && p.name === edit.name)) {
      return { ok: false, error: `kubectl label pod: "${edit.name}" was made by a controller; labelling such pods is not modelled (label its template)`, column: edit.nameColumn };
    }
    return notFound('Pod', edit.namespace, edit.name, edit.nameColumn);
  }
  const pod = objects[i];
  const m = merge(pod.meta.labels);
  if (!m.ok) return m;
  objects[i] = { ...pod, meta: { ...pod.meta, labels: m.labels } } as KubeObject;
  return { ok: true, spec: { ...spec, objects } };
}
