// Kubernetes objects read from YAML the way `kubectl get -o yaml` prints them: fields packetwalk does not
// model (uid, managedFields, resources, probes...) are passed over, the ones it uses are checked with the
// API server's own rules where it matters (names, ports, selectors), each mistake located at file:line:col.
// Kinds it does not model are skipped with a warning; `kind: List` is read item by item.

import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import { parseIpv4 } from '../../wire/ipv4-addr.js';
import { readExternalName, readPodDns } from './read-dns-fields.js';
import { readNetworkPolicy } from '../netpol/read-network-policy.js';
import type { Diagnostic } from '../../scenario/diagnostics.js';
import { describeNode, readBool, readEnum, readInt, readList, readString } from '../../scenario/yaml-fields.js';
import type { ScenarioSource } from '../../scenario/yaml-source.js';
import type {
  ContainerPort, ContainerSpec, EndpointK, EndpointSliceObject, KubeObject, ObjectMeta, PodObject, PodSpecK, Protocol, ServiceObject,
  ServicePort, WorkloadObject,
} from '../model.js';

/** Where an object (or one of its fields) was written: enough to point back at it after compiling. */
export interface YamlOrigin {
  src: ScenarioSource;
  node: Node;
}

export const MODELLED_KINDS = ['Namespace', 'Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Service', 'EndpointSlice', 'NetworkPolicy'] as const;
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
/** apimachinery validation: a DNS-1123 subdomain (object names) and label (namespaces, service names). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** IANA_SVC_NAME: a port name, at most 15 characters, a letter somewhere, no "--". */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A map's value at `key`, aliases followed; undefined when absent or null. */
export function child(src: ScenarioSource, node: Node | undefined, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const v = node.get(key, true) as Node | undefined | null;
  if (v === undefined || v === null) return undefined;
  const r = src.resolve(v);
  return isScalar(r) && r.value === null ? undefined : r;
}

/**
 * Reads one YAML node holding an object (or a `kind: List` of them), appending what it finds. `warnings`
 * receives the skipped kinds.
 */
export function readKubeObject(src: ScenarioSource, node: Node, what: string, out: KubeObject[], warnings: Diagnostic[]): void {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a Kubernetes object (a map with apiVersion and kind), got ${describeNode(node)}`);
    return;
  }
  const kindNode = child(src, node, 'kind');
  if (kindNode === undefined) {
    src.error(node, `${what}: missing required field "kind"`);
    return;
  }
  const kind = readString(src, kindNode, `${what}: kind`);
  if (kind === undefined) return;
  if (child(src, node, 'apiVersion') === undefined) src.error(node, `${what}: missing required field "apiVersion"`);
  if (kind === 'List') {
    const items = child(src, node, 'items');
    readList(src, items ?? node, `${what}: items`)?.forEach((item, i) => readKubeObject(src, item, `${what}: items[${i}]`, out, warnings));
    return;
  }
  if (!(MODELLED_KINDS as readonly string[]).includes(kind)) {
    const { line, column } = src.locate(kindNode);
    warnings.push({ file: src.file, line, column, message: `${what}: kind ${kind} is not modelled; skipped` });
    return;
  }
  const meta = readMeta(src, node, `${what} (${kind})`, kind === 'Namespace');
  if (meta === undefined) return;
  const label = `${kind.toLowerCase()} "${meta.namespace === '' ? meta.name : `${meta.namespace}/${meta.name}`}"`;
  const origin: YamlOrigin = { src, node };
  switch (kind) {
    case 'Namespace':
      out.push({ kind, meta, origin });
      return;
    case 'Pod': {
      const pod = readPod(src, node, label, meta, origin);
      if (pod !== undefined) out.push(pod);
      return;
    }
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet': {
      const w = readWorkload(src, node, label, kind, meta, origin);
      if (w !== undefined) out.push(w);
      return;
    }
    case 'Service': {
      const s = readService(src, node, label, meta, origin);
      if (s !== undefined) out.push(s);
      return;
    }
    case 'EndpointSlice': {
      const s = readEndpointSlice(src, node, label, meta, origin);
      if (s !== undefined) out.push(s);
      return;
    }
    case 'NetworkPolicy': {
      const p = readNetworkPolicy(src, node, label, meta, origin);
      if (p !== undefined) out.push(p);
      return;
    }
  }
}

function readMeta(src: ScenarioSource, node: Node, what: string, clusterScoped: boolean): ObjectMeta | undefined {
  const m = child(src, node, 'metadata');
  if (m === undefined || !isMap(m)) {
    src.error(m ?? node, m === undefined ? `${what}: missing required field "metadata"` : `${what}: metadata: expected a map, got ${describeNode(m)}`);
    return undefined;
  }
  const nameNode = child(src, m, 'name');
  if (nameNode === undefined) {
    src.error(m, `${what}: metadata: missing required field "name"`);
    return undefined;
  }
  const name = readString(src, nameNode, `${what}: metadata.name`);
  if (name === undefined) return undefined;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    src.error(nameNode, `${what}: metadata.name: "${name}" is not a valid name (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)`);
    return undefined;
  }
  let namespace = clusterScoped ? '' : 'default';
  const nsNode = child(src, m, 'namespace');
  if (nsNode !== undefined && !clusterScoped) {
    const ns = readString(src, nsNode, `${what}: metadata.namespace`);
    if (ns !== undefined && (ns.length > 63 || !DNS1123_LABEL.test(ns))) src.error(nsNode, `${what}: metadata.namespace: "${ns}" is not a valid namespace name`);
    else if (ns !== undefined) namespace = ns;
  }
  const labels = readStringMap(src, child(src, m, 'labels'), `${what}: metadata.labels`) ?? {};
  return { name, namespace, labels, deleting: child(src, m, 'deletionTimestamp') !== undefined };
}

/** A map of string to string (labels, selectors); numbers and booleans must be quoted, as the API requires. */
export function readStringMap(src: ScenarioSource, node: Node | undefined, what: string): Record<string, string> | undefined {
  if (node === undefined) return undefined;
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map of strings, got ${describeNode(node)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const pair of node.items) {
    const k = readString(src, pair.key as Node, what);
    const v = readString(src, src.resolve(pair.value as Node | null) ?? (pair.key as Node), `${what}: ${k ?? ''}`);
    if (k !== undefined && v !== undefined) out[k] = v;
  }
  return out;
}

function readPodSpec(src: ScenarioSource, node: Node | undefined, what: string, parent: Node): PodSpecK | undefined {
  if (node === undefined || !isMap(node)) {
    src.error(node ?? parent, node === undefined ? `${what}: missing required field "spec"` : `${what}: spec: expected a map, got ${describeNode(node)}`);
    return undefined;
  }
  const spec: PodSpecK = { hostNetwork: false, containers: [] };
  const containersNode = child(src, node, 'containers');
  if (containersNode === undefined) src.error(node, `${what}: spec.containers: required (a pod runs at least one container)`);
  else {
    const items = readList(src, containersNode, `${what}: spec.containers`);
    if (items !== undefined && items.length === 0) src.error(containersNode, `${what}: spec.containers: must not be empty`);
    items?.forEach((c, i) => {
      const container = readContainer(src, c, `${what}: spec.containers[${i}]`);
      if (container !== undefined) spec.containers.push(container);
    });
  }
  const nodeName = child(src, node, 'nodeName');
  if (nodeName !== undefined) spec.nodeName = readString(src, nodeName, `${what}: spec.nodeName`);
  const hostNetwork = child(src, node, 'hostNetwork');
  if (hostNetwork !== undefined) spec.hostNetwork = readBool(src, hostNetwork, `${what}: spec.hostNetwork`) ?? false;
  for (const f of ['hostname', 'subdomain'] as const) {
    const n = child(src, node, f);
    if (n === undefined) continue;
    const s = readString(src, n, `${what}: spec.${f}`);
    if (s !== undefined && !DNS1123_LABEL.test(s)) src.error(n, `${what}: spec.${f}: "${s}" is not a DNS label`);
    else if (s !== undefined) spec[f] = s;
  }
  readPodDns(src, node, what, spec);
  // Named ports are unique within a pod (validation.ValidatePodSpec: "Duplicate value").
  const names = new Set<string>();
  for (const c of spec.containers) {
    for (const p of c.ports) {
      if (p.name === undefined) continue;
      if (names.has(p.name)) src.error(node, `${what}: port name "${p.name}" is used twice in the pod`);
      names.add(p.name);
    }
  }
  return spec;
}

function readContainer(src: ScenarioSource, node: Node, what: string): ContainerSpec | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map, got ${describeNode(node)}`);
    return undefined;
  }
  const nameNode = child(src, node, 'name');
  if (nameNode === undefined) src.error(node, `${what}: missing required field "name"`);
  const name = nameNode === undefined ? undefined : readString(src, nameNode, `${what}: name`);
  const ports: ContainerPort[] = [];
  const portsNode = child(src, node, 'ports');
  if (portsNode !== undefined) {
    readList(src, portsNode, `${what}: ports`)?.forEach((p, i) => {
      const port = readContainerPort(src, p, `${what}: ports[${i}]`);
      if (port !== undefined) ports.push(port);
    });
  }
  return name === undefined ? undefined : { name, ports };
}

function readContainerPort(src: ScenarioSource, node: Node, what: string): ContainerPort | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map, got ${describeNode(node)}`);
    return undefined;
  }
  const cp = child(src, node, 'containerPort');
  if (cp === undefined) {
    src.error(node, `${what}: missing required field "containerPort"`);
    return undefined;
  }
  const containerPort = readInt(src, cp, `${what}: containerPort`, 1, 65535);
  const protocol = readProtocol(src, node, what);
  const out: ContainerPort = { containerPort: containerPort ?? 0, protocol: protocol ?? 'TCP' };
  const name = readPortName(src, child(src, node, 'name'), `${what}: name`);
  if (name !== undefined) out.name = name;
  const hp = child(src, node, 'hostPort');
  if (hp !== undefined) out.hostPort = readInt(src, hp, `${what}: hostPort`, 1, 65535);
  const hip = child(src, node, 'hostIP');
  if (hip !== undefined) {
    const text = readString(src, hip, `${what}: hostIP`);
    const addr = text === undefined ? undefined : parseIpv4(text);
    if (text !== undefined && addr === undefined) src.error(hip, `${what}: hostIP: "${text}" is not an IPv4 address`);
    if (addr !== undefined && addr !== 0) out.hostIP = addr;
  }
  return containerPort === undefined || protocol === undefined ? undefined : out;
}

export function readPortName(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  if (node === undefined) return undefined;
  const s = readString(src, node, what);
  if (s === undefined) return undefined;
  if (s.length > 15 || !PORT_NAME.test(s) || !/[a-z]/.test(s) || s.includes('--')) {
    src.error(node, `${what}: "${s}" is not a port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', with a letter)`);
    return undefined;
  }
  return s;
}

function readProtocol(src: ScenarioSource, node: Node, what: string): Protocol | undefined {
  const p = child(src, node, 'protocol');
  return p === undefined ? 'TCP' : readEnum(src, p, `${what}: protocol`, PROTOCOLS);
}

function readPod(src: ScenarioSource, node: Node, what: string, meta: ObjectMeta, origin: YamlOrigin): PodObject | undefined {
  const spec = readPodSpec(src, child(src, node, 'spec'), what, node);
  if (spec === undefined) return undefined;
  const pod: PodObject = { kind: 'Pod', meta, spec, status: { ready: true }, origin };
  const status = child(src, node, 'status');
  if (status !== undefined) {
    const ip = child(src, status, 'podIP');
    if (ip !== undefined) {
      const text = readString(src, ip, `${what}: status.podIP`);
      const addr = text === undefined ? undefined : parseIpv4(text);
      if (text !== undefined && addr === undefined) src.error(ip, `${what}: status.podIP: "${text}" is not an IPv4 address`);
      if (addr !== undefined) {
        pod.status.podIP = addr;
        // A hostNetwork pod's podIP is its node's address; only pods in their own namespace get one from IPAM.
        if (spec.hostNetwork) delete pod.status.podIP;
      }
    }
    const conditions = child(src, status, 'conditions');
    if (conditions !== undefined) {
      for (const c of readList(src, conditions, `${what}: status.conditions`) ?? []) {
        if (readString(src, child(src, c, 'type') ?? c, `${what}: status.conditions: type`) !== 'Ready') continue;
        const s = child(src, c, 'status');
        const v = s === undefined ? undefined : readEnum(src, s, `${what}: status.conditions: Ready: status`, ['True', 'False', 'Unknown'] as const);
        if (v !== undefined) pod.status.ready = v === 'True';
      }
    }
    const ready = child(src, status, 'ready');
    if (ready !== undefined) pod.status.ready = readBool(src, ready, `${what}: status.ready`) ?? true;
  }
  return pod;
}

function readWorkload(
  src: ScenarioSource, node: Node, what: string, kind: WorkloadObject['kind'], meta: ObjectMeta, origin: YamlOrigin,
): WorkloadObject | undefined {
  const spec = child(src, node, 'spec');
  if (spec === undefined || !isMap(spec)) {
    src.error(spec ?? node, spec === undefined ? `${what}: missing required field "spec"` : `${what}: spec: expected a map, got ${describeNode(spec)}`);
    return undefined;
  }
  let replicas = 1;
  const r = child(src, spec, 'replicas');
  if (r !== undefined && kind !== 'DaemonSet') replicas = readInt(src, r, `${what}: spec.replicas`, 0, 100000) ?? 1;
  const selNode = child(src, spec, 'selector');
  const matchLabels = selNode === undefined ? undefined : child(src, selNode, 'matchLabels');
  if (selNode === undefined) src.error(spec, `${what}: spec.selector: required in apps/v1`);
  else if (matchLabels === undefined) src.error(selNode, `${what}: spec.selector: give matchLabels (matchExpressions are not modelled)`);
  const selector = readStringMap(src, matchLabels, `${what}: spec.selector.matchLabels`);
  const template = child(src, spec, 'template');
  if (template === undefined) {
    src.error(spec, `${what}: missing required field "spec.template"`);
    return undefined;
  }
  const tmeta = child(src, template, 'metadata');
  const labels = readStringMap(src, child(src, tmeta, 'labels'), `${what}: spec.template.metadata.labels`) ?? {};
  const podSpec = readPodSpec(src, child(src, template, 'spec'), `${what}: spec.template`, template);
  if (selector !== undefined && matchLabels !== undefined && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    src.error(matchLabels, `${what}: spec.selector does not match template labels`);
  }
  const w: WorkloadObject = { kind, meta, replicas, selector: selector ?? {}, template: { labels, spec: podSpec ?? { hostNetwork: false, containers: [] } }, origin };
  if (kind === 'StatefulSet') {
    const sn = child(src, spec, 'serviceName');
    if (sn !== undefined) w.serviceName = readString(src, sn, `${what}: spec.serviceName`);
  }
  return podSpec === undefined || selector === undefined ? undefined : w;
}

function readService(src: ScenarioSource, node: Node, what: string, meta: ObjectMeta, origin: YamlOrigin): ServiceObject | undefined {
  const spec = child(src, node, 'spec');
  if (spec === undefined || !isMap(spec)) {
    src.error(spec ?? node, spec === undefined ? `${what}: missing required field "spec"` : `${what}: spec: expected a map, got ${describeNode(spec)}`);
    return undefined;
  }
  const svc: ServiceObject = { kind: 'Service', meta, type: 'ClusterIP', ports: [], publishNotReadyAddresses: false, origin };
  const sel = child(src, spec, 'selector');
  if (sel !== undefined) svc.selector = readStringMap(src, sel, `${what}: spec.selector`);
  const t = child(src, spec, 'type');
  if (t !== undefined) svc.type = readEnum(src, t, `${what}: spec.type`, ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const) ?? 'ClusterIP';
  readExternalName(src, spec, what, svc);
  const ip = child(src, spec, 'clusterIP');
  if (ip !== undefined) {
    const text = readString(src, ip, `${what}: spec.clusterIP`);
    if (text === 'None') svc.clusterIP = 'None';
    else if (text !== undefined && text !== '') {
      const addr = parseIpv4(text);
      if (addr === undefined) src.error(ip, `${what}: spec.clusterIP: "${text}" is not an IPv4 address or "None"`);
      else svc.clusterIP = addr;
    }
  }
  const pnr = child(src, spec, 'publishNotReadyAddresses');
  if (pnr !== undefined) svc.publishNotReadyAddresses = readBool(src, pnr, `${what}: spec.publishNotReadyAddresses`) ?? false;
  const portsNode = child(src, spec, 'ports');
  const items = portsNode === undefined ? [] : (readList(src, portsNode, `${what}: spec.ports`) ?? []);
  items.forEach((p, i) => {
    const port = readServicePort(src, p, `${what}: spec.ports[${i}]`);
    if (port === undefined) return;
    // ValidateService: with more than one port every port needs a name, and names are unique.
    if (items.length > 1 && port.name === undefined) src.error(p, `${what}: spec.ports[${i}]: name is required when a Service has more than one port`);
    if (port.name !== undefined && svc.ports.some((q) => q.name === port.name)) src.error(child(src, p, 'name')!, `${what}: spec.ports[${i}]: duplicate port name "${port.name}"`);
    svc.ports.push(port);
  });
  readServiceTraffic(src, node, spec, what, svc);
  if (svc.type === 'ClusterIP' && svc.ports.some((p) => p.nodePort !== undefined)) src.error(spec, `${what}: nodePort needs type NodePort or LoadBalancer`);
  return svc;
}

/** The fields kube-proxy reads beyond ports: external addresses, traffic policies, affinity, LB status. */
function readServiceTraffic(src: ScenarioSource, node: Node, spec: Node, what: string, svc: ServiceObject): void {
  const addrs = (n: Node | undefined, field: string): number[] | undefined => {
    if (n === undefined) return undefined;
    const out: number[] = [];
    readList(src, n, `${what}: ${field}`)?.forEach((item, i) => {
      const text = readString(src, item, `${what}: ${field}[${i}]`);
      if (text === undefined) return;
      const a = parseIpv4(text);
      if (a === undefined) src.error(item, `${what}: ${field}[${i}]: "${text}" is not an IPv4 address`);
      else out.push(a);
    });
    return out;
  };
  const ext = addrs(child(src, spec, 'externalIPs'), 'spec.externalIPs');
  if (ext !== undefined) svc.externalIPs = ext;
  const policies = ['Cluster', 'Local'] as const;
  const etp = child(src, spec, 'externalTrafficPolicy');
  if (etp !== undefined) svc.externalTrafficPolicy = readEnum(src, etp, `${what}: spec.externalTrafficPolicy`, policies);
  const itp = child(src, spec, 'internalTrafficPolicy');
  if (itp !== undefined) svc.internalTrafficPolicy = readEnum(src, itp, `${what}: spec.internalTrafficPolicy`, policies);
  const sa = child(src, spec, 'sessionAffinity');
  if (sa !== undefined) svc.sessionAffinity = readEnum(src, sa, `${what}: spec.sessionAffinity`, ['None', 'ClientIP'] as const);
  const timeout = child(src, child(src, child(src, spec, 'sessionAffinityConfig'), 'clientIP'), 'timeoutSeconds');
  // ValidateService: 0 < timeoutSeconds <= 86400.
  if (timeout !== undefined) svc.sessionAffinityTimeoutSeconds = readInt(src, timeout, `${what}: spec.sessionAffinityConfig.clientIP.timeoutSeconds`, 1, 86400);
  const ranges = child(src, spec, 'loadBalancerSourceRanges');
  if (ranges !== undefined) {
    svc.loadBalancerSourceRanges = [];
    readList(src, ranges, `${what}: spec.loadBalancerSourceRanges`)?.forEach((item, i) => {
      const text = readString(src, item, `${what}: spec.loadBalancerSourceRanges[${i}]`);
      if (text !== undefined) svc.loadBalancerSourceRanges!.push(text);
    });
  }
  const ingress = child(src, child(src, child(src, node, 'status'), 'loadBalancer'), 'ingress');
  if (ingress !== undefined) {
    const ips: number[] = [];
    readList(src, ingress, `${what}: status.loadBalancer.ingress`)?.forEach((item, i) => {
      const n = child(src, item, 'ip');
      if (n === undefined) return;
      const text = readString(src, n, `${what}: status.loadBalancer.ingress[${i}].ip`);
      const addr = text === undefined ? undefined : parseIpv4(text);
      if (text !== undefined && addr === undefined) src.error(n, `${what}: status.loadBalancer.ingress[${i}].ip: "${text}" is not an IPv4 address`);
      if (addr !== undefined) ips.push(addr);
    });
    svc.loadBalancerIngress = ips;
  }
}

function readServicePort(src: ScenarioSource, node: Node, what: string): ServicePort | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map, got ${describeNode(node)}`);
    return undefined;
  }
  const portNode = child(src, node, 'port');
  if (portNode === undefined) {
    src.error(node, `${what}: missing required field "port"`);
    return undefined;
  }
  const port = readInt(src, portNode, `${what}: port`, 1, 65535);
  const protocol = readProtocol(src, node, what);
  if (port === undefined || protocol === undefined) return undefined;
  const out: ServicePort = { port, protocol, targetPort: port };
  // ValidateServiceSpec: a Service port's name is a DNS-1123 label (not an IANA_SVC_NAME as a container's is).
  const nameNode = child(src, node, 'name');
  const nameText = nameNode === undefined ? undefined : readString(src, nameNode, `${what}: name`);
  if (nameText !== undefined && (nameText.length > 63 || !DNS1123_LABEL.test(nameText))) src.error(nameNode, `${what}: name: "${nameText}" is not a DNS-1123 label (at most 63 lowercase letters, digits and '-')`);
  const name = nameText !== undefined && nameText.length <= 63 && DNS1123_LABEL.test(nameText) ? nameText : undefined;
  if (name !== undefined) out.name = name;
  const tp = child(src, node, 'targetPort');
  if (tp !== undefined) {
    if (isScalar(tp) && typeof tp.value === 'number') out.targetPort = readInt(src, tp, `${what}: targetPort`, 1, 65535) ?? port;
    else {
      const named = readPortName(src, tp, `${what}: targetPort`);
      if (named !== undefined) out.targetPort = named;
    }
  }
  const np = child(src, node, 'nodePort');
  if (np !== undefined) out.nodePort = readInt(src, np, `${what}: nodePort`, 1, 65535);
  return out;
}

function readEndpointSlice(src: ScenarioSource, node: Node, what: string, meta: ObjectMeta, origin: YamlOrigin): EndpointSliceObject | undefined {
  const at = child(src, node, 'addressType');
  if (at === undefined) src.error(node, `${what}: missing required field "addressType"`);
  else readEnum(src, at, `${what}: addressType (only IPv4 is modelled)`, ['IPv4'] as const);
  const serviceName = meta.labels['kubernetes.io/service-name'];
  if (serviceName === undefined) src.error(child(src, node, 'metadata')!, `${what}: metadata.labels: needs kubernetes.io/service-name (the Service this slice belongs to)`);
  const slice: EndpointSliceObject = { kind: 'EndpointSlice', meta, serviceName: serviceName ?? '', ports: [], endpoints: [], origin };
  const ports = child(src, node, 'ports');
  for (const [i, p] of (ports === undefined ? [] : (readList(src, ports, `${what}: ports`) ?? [])).entries()) {
    const pn = child(src, p, 'port');
    const port = pn === undefined ? undefined : readInt(src, pn, `${what}: ports[${i}]: port`, 1, 65535);
    if (pn === undefined) src.error(p, `${what}: ports[${i}]: missing required field "port"`);
    const protocol = readProtocol(src, p, `${what}: ports[${i}]`);
    const name = readPortName(src, child(src, p, 'name'), `${what}: ports[${i}]: name`);
    if (port !== undefined && protocol !== undefined) slice.ports.push(name === undefined ? { port, protocol } : { name, port, protocol });
  }
  const eps = child(src, node, 'endpoints');
  for (const [i, e] of (eps === undefined ? [] : (readList(src, eps, `${what}: endpoints`) ?? [])).entries()) {
    const ew = `${what}: endpoints[${i}]`;
    const addrNode = child(src, e, 'addresses');
    if (addrNode === undefined) {
      src.error(e, `${ew}: missing required field "addresses"`);
      continue;
    }
    const addresses: number[] = [];
    for (const a of readList(src, addrNode, `${ew}: addresses`) ?? []) {
      const text = readString(src, a, `${ew}: addresses`);
      const addr = text === undefined ? undefined : parseIpv4(text);
      if (text !== undefined && addr === undefined) src.error(a, `${ew}: addresses: "${text}" is not an IPv4 address`);
      if (addr !== undefined) addresses.push(addr);
    }
    const c = child(src, e, 'conditions');
    const cond = (f: string, dflt: boolean): boolean => {
      const n = child(src, c, f);
      return n === undefined ? dflt : (readBool(src, n, `${ew}: conditions.${f}`) ?? dflt);
    };
    // discovery/v1: a nil ready condition is interpreted as ready; serving follows ready when unset.
    const ready = cond('ready', true);
    const ep: EndpointK = { addresses, conditions: { ready, serving: cond('serving', ready), terminating: cond('terminating', false) } };
    const nn = child(src, e, 'nodeName');
    if (nn !== undefined) ep.nodeName = readString(src, nn, `${ew}: nodeName`);
    const ref = child(src, e, 'targetRef');
    if (ref !== undefined) {
      const n = child(src, ref, 'name');
      const ns = child(src, ref, 'namespace');
      const name = n === undefined ? undefined : readString(src, n, `${ew}: targetRef.name`);
      const namespace = ns === undefined ? meta.namespace : readString(src, ns, `${ew}: targetRef.namespace`);
      if (name !== undefined) ep.pod = `${namespace}/${name}`;
    }
    const hn = child(src, e, 'hostname');
    if (hn !== undefined) ep.hostname = readString(src, hn, `${ew}: hostname`);
    slice.endpoints.push(ep);
  }
  return slice;
}

/** True when the node is a sequence (for `objects:` written as one object by mistake). */
export function isList(node: Node | undefined): boolean {
  return isSeq(node);
}
