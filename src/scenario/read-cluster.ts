// A `kind: Cluster` scenario: the cluster's settings, its machines, its Kubernetes objects (inline and from
// manifest files), patches and traces. Read field by field with located diagnostics, compiled by
// src/cluster into the WorldSpec the engine traces, then the traces are read with endpoints by name.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Node } from 'yaml';
import { isMap } from 'yaml';
import { restore } from '../kernel/netfilter/index.js';
import { parseNeigh } from '../kernel/neigh/neigh-syntax.js';
import { formatSysctlRanges, isSysctlValueAllowed, knownSysctlNames, sysctlDef } from '../kernel/netns/sysctl-names.js';
import type { ListenSpec, NeighSpec, RouteSpec } from '../kernel/netns/world-spec.js';
import { parseRoute } from '../kernel/route/route-syntax.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import { didYouMean } from '../kernel/syntax-words.js';
import { formatIpv4, formatPrefix, inPrefix, parseIpv4, parsePrefix, prefixNetwork } from '../wire/ipv4-addr.js';
import type { Ipv4Prefix } from '../wire/headers.js';
import { compileCluster, UNDERLAY_NETNS } from '../cluster/compile.js';
import type { CompiledCluster } from '../cluster/compile.js';
import { parseNameDestination } from '../dns/destination-name.js';
import { resolveEndpoint } from '../cluster/endpoints.js';
import { defaultKubeProxySettings } from '../cluster/services.js';
import { CLUSTER_NETWORKS } from '../cluster/model.js';
import type { ClusterSpec, DockerContainerSpec, DockerHostSpec, DockerPublish, ExternalSpec, KubeObject, LoadBalancerSpec, NodeSpec, PatchSpec } from '../cluster/model.js';
import { splitManifest } from '../cluster/objects/manifest-source.js';
import { readKubeObject } from '../cluster/objects/read-objects.js';
import type { YamlOrigin } from '../cluster/objects/read-objects.js';
import type { Diagnostic } from './diagnostics.js';
import { parseListen, parsePort } from './endpoint-syntax.js';
import { API_VERSION } from './fields.js';
import type { Scenario } from './model.js';
import { readTrace } from './read-trace.js';
import type { TraceEndpoints } from './read-trace.js';
import { clusterTimeline } from './read-cluster-timeline.js';
import { readTimeline } from './read-timeline.js';
import type { TimelineDraft } from './read-timeline.js';
import type { TraceDraft } from './topology-draft.js';
import type { Fields } from './yaml-fields.js';
import { describeNode, readBool, readEnum, readFields, readInt, readIpv4, readList, readName, readString, readStringList } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

/** The fields a Cluster scenario may hold, per object (docs/scenarios.md and schema/cluster.schema.json follow these). */
export const CLUSTER_FIELDS = {
  top: ['apiVersion', 'kind', 'metadata', 'description', 'cluster', 'underlay', 'nodes', 'externals', 'objects', 'manifests', 'patches', 'traces', 'timeline'],
  metadata: ['name'],
  cluster: ['podCIDR', 'serviceCIDR', 'domain', 'network', 'kubeProxy', 'cni', 'flannel', 'nodeLocalDNS', 'networkPolicy'],
  kubeProxy: ['mode', 'masqueradeAll', 'localhostNodePorts', 'conntrackCleanup'],
  cni: ['hairpinMode'],
  flannel: ['ipMasq'],
  underlay: ['cidr', 'gateway', 'mtu'],
  node: ['name', 'ip', 'podCIDR', 'sysctls', 'iptables', 'listen', 'docker'],
  docker: ['icc', 'userlandProxy', 'networks', 'containers'],
  dockerNetwork: ['name', 'subnet'],
  container: ['name', 'network', 'ip', 'publish', 'listen'],
  nodeIptables: ['filterForwardPolicy'],
  external: ['name', 'ip', 'routes', 'listen', 'loadBalancer'],
  loadBalancer: ['vips', 'mode', 'service', 'nodes'],
  patch: ['target', 'sysctls', 'routes', 'neigh', 'iptables', 'listen'],
} as const satisfies Record<string, readonly string[]>;

export interface ClusterReadResult {
  scenario?: Scenario;
  /** Diagnostics of every file read (the scenario and its manifests). */
  diagnostics: Diagnostic[];
  warnings: Diagnostic[];
}

/** Reads a Cluster scenario whose root map is `root`; `src` collects the scenario file's own diagnostics. */
export function readClusterScenario(src: ScenarioSource, root: Node): ClusterReadResult {
  const others: ScenarioSource[] = [];
  const warnings: Diagnostic[] = [];
  const done = (scenario?: Scenario): ClusterReadResult => ({
    scenario,
    diagnostics: [src, ...others].flatMap((s) => s.diagnostics),
    warnings,
  });
  const top = readFields(src, root, 'scenario', CLUSTER_FIELDS.top, ['apiVersion', 'kind', 'metadata', 'cluster', 'underlay', 'nodes']);
  if (top === undefined) return done();
  const v = top.values;
  const has = (f: string) => top.keys.has(f);
  if (has('apiVersion')) {
    const version = readString(src, v.get('apiVersion'), 'apiVersion');
    if (version !== undefined && version !== API_VERSION) src.error(v.get('apiVersion'), `apiVersion: expected "${API_VERSION}", got "${version}"`);
  }
  let name: string | undefined;
  if (has('metadata')) {
    const meta = readFields(src, v.get('metadata'), 'metadata', CLUSTER_FIELDS.metadata, ['name']);
    if (meta?.keys.has('name')) name = readName(src, meta.values.get('name'), 'metadata: name');
  }
  if (has('description')) readString(src, v.get('description'), 'description');
  const settings = has('cluster') ? readSettings(src, v.get('cluster')) : undefined;
  const underlay = has('underlay') ? readUnderlay(src, v.get('underlay')) : undefined;
  const nodes: NodeSpec[] = [];
  if (has('nodes')) {
    const items = readList(src, v.get('nodes'), 'nodes');
    if (items?.length === 0) src.error(v.get('nodes'), 'nodes: a Cluster needs at least one node');
    items?.forEach((item, i) => {
      const n = readNode(src, item, i);
      if (n !== undefined) nodes.push(n);
    });
  }
  const externals: ExternalSpec[] = [];
  if (has('externals')) {
    readList(src, v.get('externals'), 'externals')?.forEach((item, i) => {
      const e = readExternal(src, item, i);
      if (e !== undefined) externals.push(e);
    });
  }
  checkMachines(src, nodes, externals, underlay, settings?.podCIDR);
  const objects: KubeObject[] = [];
  if (has('objects')) {
    readList(src, v.get('objects'), 'objects')?.forEach((item, i) => readKubeObject(src, item, `objects[${i}]`, objects, warnings));
  }
  if (has('manifests')) {
    for (const m of readStringList(src, v.get('manifests'), 'manifests')) readManifest(src, m.node, m.text, objects, warnings, others);
  }
  checkDuplicates(objects);
  const patches: PatchSpec[] = [];
  if (has('patches')) {
    readList(src, v.get('patches'), 'patches')?.forEach((item, i) => {
      const p = readPatch(src, item, i);
      if (p !== undefined) patches.push(p);
    });
  }
  if (settings !== undefined) checkDocker(src, settings.network, nodes, externals, objects);

  const failed = () => src.diagnostics.length > 0 || others.some((o) => o.diagnostics.length > 0);
  if (failed() || name === undefined || settings === undefined || underlay === undefined) return done();
  const spec: ClusterSpec = { name, ...settings.spec, underlay, nodes, externals, objects, patches };
  // The timeline compiles the cluster again after each change, the same way.
  const compile = (s: ClusterSpec): CompiledCluster => compileCluster(s);
  const compiled = compile(spec);
  for (const issue of compiled.issues) {
    const o = issue.origin as YamlOrigin | undefined;
    if (o !== undefined && issue.at !== undefined) o.src.errorInBlockLine(o.node, issue.at.line, issue.at.column, issue.message);
    else if (o !== undefined) o.src.error(o.node, issue.message);
    else src.error(root, issue.message);
  }
  if (failed()) return done();

  const endpointsOf = (c: CompiledCluster): TraceEndpoints => ({
    from: (text: string): SyntaxResult<string> => {
      const r = resolveEndpoint(c, text);
      if (!r.ok) return r;
      if (r.value.port !== undefined) return { ok: false, error: 'a sender is a pod, node or host: no port', column: text.lastIndexOf(':') + 1 };
      if (r.value.netns === '') return { ok: false, error: `no pod, node or host holds ${text}`, column: 1 };
      return { ok: true, value: r.value.netns };
    },
    to: (text: string) => {
      const r = resolveEndpoint(c, text);
      if (!r.ok) {
        // Not an endpoint of the cluster: a DNS name, which the source's resolver looks up (src/dns/named-trace.ts).
        const n = parseNameDestination(text);
        return n.ok ? { ok: true as const, value: { addr: 0, name: n.value.name, ...(n.value.port === undefined ? {} : { port: n.value.port }) } } : r;
      }
      return { ok: true as const, value: r.value.port === undefined ? { addr: r.value.addr } : { addr: r.value.addr, port: r.value.port } };
    },
  });
  const traces: TraceDraft[] = [];
  if (has('traces')) {
    const endpoints = endpointsOf(compiled);
    readList(src, v.get('traces'), 'traces')?.forEach((item, i) => {
      const t = readTrace(src, item, i, { endpoints });
      if (t !== undefined) traces.push(t);
    });
    if (!has('timeline')) checkTraces(src, traces, compiled);
  }
  let timeline: TimelineDraft | undefined;
  if (has('timeline') && !failed()) {
    const names = compiled.world.namespaces.map((n) => n.name);
    const state = clusterTimeline(src, spec, compiled, compile, endpointsOf, names);
    timeline = readTimeline(src, v.get('timeline'), traces, names, state);
    checkTraces(src, [...traces, ...timeline.inline], { ...compiled, world: { ...compiled.world, namespaces: state.namespaces() } });
  }
  const alone = timeline === undefined ? traces : traces.filter((t) => !timeline.referenced.has(t.spec.name));
  if (failed()) return done();
  return done({
    file: src.file,
    kind: 'Cluster',
    world: compiled.world,
    traces: alone.map((t) => t.spec),
    traceLocations: alone.map((t) => ({ file: src.file, ...src.locate(t.fields.node) })),
    cluster: compiled,
    warnings,
    ...(timeline === undefined ? {} : { timeline: timeline.steps }),
  });
}

function readSettings(src: ScenarioSource, node: Node | undefined) {
  const f = readFields(src, node, 'cluster', CLUSTER_FIELDS.cluster, ['network']);
  if (f === undefined) return undefined;
  const v = f.values;
  const dockerOnly = isMap(node) && node.get('network') === 'docker-bridge';
  if (!f.keys.has('podCIDR') && !dockerOnly) src.error(node, 'cluster: missing required field "podCIDR"');
  const podCIDR = f.keys.has('podCIDR') ? readNetwork(src, v.get('podCIDR'), 'cluster: podCIDR') : dockerOnly ? { addr: 0x0af40000, len: 16 } : undefined;
  const serviceCIDR = f.keys.has('serviceCIDR') ? readNetwork(src, v.get('serviceCIDR'), 'cluster: serviceCIDR') : { addr: 0x0a600000, len: 12 };
  const domain = f.keys.has('domain') ? readName(src, v.get('domain'), 'cluster: domain') : 'cluster.local';
  const network = f.keys.has('network') ? readEnum(src, v.get('network'), 'cluster: network', CLUSTER_NETWORKS) : undefined;
  if (podCIDR !== undefined && podCIDR.len > 24) src.error(v.get('podCIDR'), `cluster: podCIDR: ${formatPrefix(podCIDR)} is smaller than one node's /24`);
  const kubeProxy = defaultKubeProxySettings();
  if (f.keys.has('kubeProxy')) {
    const k = readFields(src, v.get('kubeProxy'), 'cluster: kubeProxy', CLUSTER_FIELDS.kubeProxy);
    if (k?.keys.has('mode')) kubeProxy.mode = readEnum(src, k.values.get('mode'), 'cluster: kubeProxy: mode', ['iptables', 'none'] as const) ?? 'iptables';
    for (const b of ['masqueradeAll', 'localhostNodePorts', 'conntrackCleanup'] as const) {
      if (k?.keys.has(b)) kubeProxy[b] = readBool(src, k.values.get(b), `cluster: kubeProxy: ${b}`) ?? kubeProxy[b];
    }
  }
  let hairpinMode = true;
  if (f.keys.has('cni')) {
    const c = readFields(src, v.get('cni'), 'cluster: cni', CLUSTER_FIELDS.cni);
    if (c?.keys.has('hairpinMode')) hairpinMode = readBool(src, c.values.get('hairpinMode'), 'cluster: cni: hairpinMode') ?? true;
  }
  let ipMasq = true;
  if (f.keys.has('flannel')) {
    const c = readFields(src, v.get('flannel'), 'cluster: flannel', CLUSTER_FIELDS.flannel);
    if (c?.keys.has('ipMasq')) ipMasq = readBool(src, c.values.get('ipMasq'), 'cluster: flannel: ipMasq') ?? true;
  }
  const nodeLocalDNS = f.keys.has('nodeLocalDNS') ? readBool(src, v.get('nodeLocalDNS'), 'cluster: nodeLocalDNS') : undefined;
  if (nodeLocalDNS === true && network === 'docker-bridge') src.error(v.get('nodeLocalDNS'), 'cluster: nodeLocalDNS: NodeLocal DNSCache is a Kubernetes add-on, not for network docker-bridge');
  const networkPolicy = f.keys.has('networkPolicy') ? readEnum(src, v.get('networkPolicy'), 'cluster: networkPolicy', ['auto', 'kube-router', 'none'] as const) : 'auto';
  if (podCIDR === undefined || serviceCIDR === undefined || domain === undefined || network === undefined) return undefined;
  return {
    podCIDR,
    network,
    networkNode: v.get('network'),
    spec: { podCIDR, serviceCIDR, domain, network, cni: { hairpinMode }, flannel: { ipMasq }, kubeProxy, ...(nodeLocalDNS === true ? { nodeLocalDNS } : {}), ...(networkPolicy === undefined || networkPolicy === 'auto' ? {} : { networkPolicy }) },
  };
}

/** A network prefix written without host bits, as CIDR fields in Kubernetes and flannel configs are. */
function readNetwork(src: ScenarioSource, node: Node | undefined, what: string): Ipv4Prefix | undefined {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const p = text.includes('/') ? parsePrefix(text) : undefined;
  if (p === undefined) {
    src.error(node, `${what}: "${text}" is not a CIDR (A.B.C.D/LEN)`);
    return undefined;
  }
  if (prefixNetwork(p) !== p.addr) {
    src.error(node, `${what}: "${text}" has host bits set (the network is ${formatPrefix({ addr: prefixNetwork(p), len: p.len })})`);
    return undefined;
  }
  return p;
}

function readUnderlay(src: ScenarioSource, node: Node | undefined) {
  const f = readFields(src, node, 'underlay', CLUSTER_FIELDS.underlay, ['cidr']);
  if (f === undefined) return undefined;
  const cidr = f.keys.has('cidr') ? readNetwork(src, f.values.get('cidr'), 'underlay: cidr') : undefined;
  const gateway = f.keys.has('gateway') ? readIpv4(src, f.values.get('gateway'), 'underlay: gateway') : undefined;
  const mtu = f.keys.has('mtu') ? readInt(src, f.values.get('mtu'), 'underlay: mtu', 576, 65535) : 1500;
  if (cidr !== undefined && gateway !== undefined && !inPrefix(gateway, cidr)) src.error(f.values.get('gateway'), `underlay: gateway ${formatIpv4(gateway)} is not in ${formatPrefix(cidr)}`);
  if (cidr === undefined || mtu === undefined) return undefined;
  return gateway === undefined ? { cidr, mtu } : { cidr, gateway, mtu };
}

function label(node: Node, index: number, kind: string): string {
  const n = isMap(node) ? node.get('name') : undefined;
  return typeof n === 'string' ? `${kind} "${n}"` : `${kind}s[${index}]`;
}

function readNode(src: ScenarioSource, node: Node, index: number): NodeSpec | undefined {
  const what = label(node, index, 'node');
  const f = readFields(src, node, what, CLUSTER_FIELDS.node, ['name', 'ip']);
  if (f === undefined) return undefined;
  const v = f.values;
  const name = f.keys.has('name') ? readObjectName(src, v.get('name'), `${what}: name`) : undefined;
  const ip = f.keys.has('ip') ? readIpv4(src, v.get('ip'), `${what}: ip`) : undefined;
  const out: NodeSpec = { name: name ?? '', ip: ip ?? 0, sysctls: {}, listen: [], origin: { src, node } satisfies YamlOrigin };
  if (f.keys.has('docker')) out.docker = readDocker(src, v.get('docker'), `${what}: docker`);
  if (f.keys.has('podCIDR')) out.podCIDR = readNetwork(src, v.get('podCIDR'), `${what}: podCIDR`);
  if (f.keys.has('sysctls')) out.sysctls = readSysctlMap(src, v.get('sysctls'), `${what}: sysctls`);
  if (f.keys.has('iptables')) {
    const i = readFields(src, v.get('iptables'), `${what}: iptables`, CLUSTER_FIELDS.nodeIptables);
    if (i?.keys.has('filterForwardPolicy')) out.forwardPolicy = readEnum(src, i.values.get('filterForwardPolicy'), `${what}: iptables: filterForwardPolicy`, ['ACCEPT', 'DROP'] as const) ?? 'ACCEPT';
  }
  if (f.keys.has('listen')) out.listen = readLines(src, f, 'listen', what, parseListen);
  return name === undefined || ip === undefined ? undefined : out;
}

function readExternal(src: ScenarioSource, node: Node, index: number): ExternalSpec | undefined {
  const what = label(node, index, 'external');
  const f = readFields(src, node, what, CLUSTER_FIELDS.external, ['name', 'ip']);
  if (f === undefined) return undefined;
  const name = f.keys.has('name') ? readObjectName(src, f.values.get('name'), `${what}: name`) : undefined;
  const ip = f.keys.has('ip') ? readIpv4(src, f.values.get('ip'), `${what}: ip`) : undefined;
  const routes = readLines(src, f, 'routes', what, parseRoute);
  const listen = readLines(src, f, 'listen', what, parseListen);
  const lb = f.keys.has('loadBalancer') ? readLoadBalancer(src, f.values.get('loadBalancer'), `${what}: loadBalancer`) : undefined;
  if (name === undefined || ip === undefined) return undefined;
  const out: ExternalSpec = { name, ip, routes, listen, origin: { src, node } satisfies YamlOrigin };
  if (lb !== undefined) out.loadBalancer = lb;
  return out;
}

function readLoadBalancer(src: ScenarioSource, node: Node | undefined, what: string): LoadBalancerSpec | undefined {
  const f = readFields(src, node, what, CLUSTER_FIELDS.loadBalancer, ['vips', 'service']);
  if (f === undefined) return undefined;
  const vips: number[] = [];
  if (f.keys.has('vips')) {
    readList(src, f.values.get('vips'), `${what}: vips`)?.forEach((item, i) => {
      const a = readIpv4(src, item, `${what}: vips[${i}]`);
      if (a !== undefined) vips.push(a);
    });
    if (vips.length === 0) src.error(f.values.get('vips'), `${what}: vips: give at least one address`);
  }
  const mode = f.keys.has('mode') ? readEnum(src, f.values.get('mode'), `${what}: mode`, ['nodeport', 'vip'] as const) : 'nodeport';
  const service = f.keys.has('service') ? readString(src, f.values.get('service'), `${what}: service`) : undefined;
  const nodes = f.keys.has('nodes') ? readStringList(src, f.values.get('nodes'), `${what}: nodes`).map((n) => n.text) : undefined;
  if (mode === undefined || service === undefined || vips.length === 0) return undefined;
  const out: LoadBalancerSpec = { vips, mode, service };
  if (nodes !== undefined) out.nodes = nodes;
  return out;
}

/** Node and host names: DNS-1123 labels, so they never clash with a pod namespace's `NS_NAME`. */
function readObjectName(src: ScenarioSource, node: Node | undefined, what: string): string | undefined {
  const name = readName(src, node, what);
  if (name !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    src.error(node, `${what}: "${name}" is not a valid name (lowercase letters, digits and '-', as Kubernetes node names)`);
    return undefined;
  }
  if (name === UNDERLAY_NETNS) {
    src.error(node, `${what}: "${UNDERLAY_NETNS}" is the underlay's own namespace; choose another name`);
    return undefined;
  }
  return name;
}

function checkMachines(
  src: ScenarioSource, nodes: readonly NodeSpec[], externals: readonly ExternalSpec[], underlay: { cidr: Ipv4Prefix; gateway?: number } | undefined, podCIDR: Ipv4Prefix | undefined,
): void {
  const names = new Map<string, Node>();
  const ips = new Map<number, string>();
  if (underlay?.gateway !== undefined) ips.set(underlay.gateway, 'the underlay gateway');
  const all = [...nodes.map((n) => ({ name: n.name, ip: n.ip, origin: n.origin as YamlOrigin })), ...externals.map((e) => ({ name: e.name, ip: e.ip, origin: e.origin as YamlOrigin }))];
  for (const m of all) {
    const nameNode = isMap(m.origin.node) ? (m.origin.node.get('name', true) as Node) : m.origin.node;
    const ipNode = isMap(m.origin.node) ? (m.origin.node.get('ip', true) as Node) : m.origin.node;
    const first = names.get(m.name);
    if (first !== undefined) src.error(nameNode, `duplicate machine name "${m.name}" (first at line ${src.locate(first).line})`);
    else names.set(m.name, nameNode);
    const holder = ips.get(m.ip);
    if (holder !== undefined) src.error(ipNode, `"${m.name}": ip ${formatIpv4(m.ip)} is already ${holder}'s`);
    else ips.set(m.ip, `"${m.name}"`);
    if (underlay !== undefined && !inPrefix(m.ip, underlay.cidr)) src.error(ipNode, `"${m.name}": ip ${formatIpv4(m.ip)} is not on the underlay ${formatPrefix(underlay.cidr)}`);
  }
  const leases = new Map<number, string>();
  for (const n of nodes) {
    if (n.podCIDR === undefined) continue;
    const node = (n.origin as YamlOrigin).node;
    const at = isMap(node) ? (node.get('podCIDR', true) as Node) : node;
    if (n.podCIDR.len !== 24) src.error(at, `node "${n.name}": podCIDR: expected a /24 (the node CIDR mask size), got /${n.podCIDR.len}`);
    else if (podCIDR !== undefined && !inPrefix(n.podCIDR.addr, podCIDR)) src.error(at, `node "${n.name}": podCIDR ${formatPrefix(n.podCIDR)} is not in the cluster's ${formatPrefix(podCIDR)}`);
    else if (leases.has(n.podCIDR.addr)) src.error(at, `node "${n.name}": podCIDR ${formatPrefix(n.podCIDR)} is already node "${leases.get(n.podCIDR.addr)}"'s`);
    leases.set(n.podCIDR.addr, n.name);
  }
}

function readManifest(src: ScenarioSource, node: Node, file: string, objects: KubeObject[], warnings: Diagnostic[], others: ScenarioSource[]): void {
  const path = resolve(dirname(src.file), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = e instanceof Error && 'code' in e && e.code === 'ENOENT' ? 'no such file' : String(e);
    src.error(node, `manifests: cannot read ${file}: ${reason}`);
    return;
  }
  // Diagnostics name the manifest the way the scenario's own path is written (relative stays relative).
  const shown = isAbsolute(file) ? file : join(dirname(src.file), file);
  splitManifest(shown, text).forEach((doc, i) => {
    others.push(doc.src);
    if (doc.root !== undefined) readKubeObject(doc.src, doc.root, `${file}: document ${i + 1}`, objects, warnings);
  });
}

/** Two objects of one kind, namespace and name are one object written twice. */
function checkDuplicates(objects: readonly KubeObject[]): void {
  const seen = new Map<string, KubeObject>();
  for (const o of objects) {
    const key = `${o.kind}/${o.meta.namespace}/${o.meta.name}`;
    const first = seen.get(key);
    const origin = o.origin as YamlOrigin;
    if (first === undefined) seen.set(key, o);
    else {
      const f = first.origin as YamlOrigin;
      origin.src.error(origin.node, `duplicate ${o.kind} "${o.meta.namespace ? `${o.meta.namespace}/` : ''}${o.meta.name}" (first at ${f.src.file}:${f.src.locate(f.node).line})`);
    }
  }
}

function readPatch(src: ScenarioSource, node: Node, index: number): PatchSpec | undefined {
  const what = `patches[${index}]`;
  const f = readFields(src, node, what, CLUSTER_FIELDS.patch, ['target']);
  if (f === undefined) return undefined;
  const target = f.keys.has('target') ? readName(src, f.values.get('target'), `${what}: target`) : undefined;
  if (target !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(target)) src.error(f.values.get('target'), `${what}: target: expected node/NAME, pod/NAME, NAMESPACE/NAME or ext/NAME, got "${target}"`);
  const patch: PatchSpec = {
    target: target ?? '',
    sysctls: f.keys.has('sysctls') ? readSysctlMap(src, f.values.get('sysctls'), `${what}: sysctls`) : {},
    routes: readLines(src, f, 'routes', what, parseRoute) as RouteSpec[],
    neigh: readLines(src, f, 'neigh', what, parseNeigh) as NeighSpec[],
    listen: readLines(src, f, 'listen', what, parseListen) as ListenSpec[],
    origin: { src, node } satisfies YamlOrigin,
  };
  if (f.keys.has('iptables')) {
    const n = f.values.get('iptables');
    const text = readString(src, n, `${what}: iptables`);
    if (text !== undefined && n !== undefined) {
      // A node's patch is restored with --noflush onto the node's rules, which may have the chains it names:
      // the compile checks it there (applyPatches). Any other target's text is its namespace's whole ruleset.
      if (!target?.startsWith('node/')) {
        for (const e of restore(text).errors) src.errorInBlockLine(n, e.line, e.column ?? 1, `${what}: iptables-restore: line ${e.line}: ${e.message}`);
      }
      patch.iptables = text.endsWith('\n') ? text : `${text}\n`;
      patch.iptablesOrigin = { src, node: n } satisfies YamlOrigin;
    }
  }
  return target === undefined ? undefined : patch;
}

function readLines<T>(src: ScenarioSource, f: Fields, field: string, what: string, parse: (text: string) => SyntaxResult<T>): T[] {
  if (!f.keys.has(field)) return [];
  const out: T[] = [];
  readStringList(src, f.values.get(field), `${what}: ${field}`).forEach(({ text, node }, i) => {
    const r = parse(text);
    if (r.ok) out.push(r.value);
    else src.errorInString(node, r.column, `${what}: ${field}[${i}]: ${r.error}`);
  });
  return out;
}

/** Sysctls as the kernel names them; per-device names are accepted for the devices a node or pod has. */
function readSysctlMap(src: ScenarioSource, node: Node | undefined, what: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map of name: value, got ${describeNode(node)}`);
    return out;
  }
  const devices = ['eth0', 'cni0', 'flannel.1'];
  for (const pair of node.items) {
    const keyNode = pair.key as Node;
    const key = readString(src, keyNode, what);
    if (key === undefined) continue;
    const def = sysctlDef(key);
    if (def === undefined) {
      src.error(keyNode, `${what}: unknown sysctl "${key}"${didYouMean(key, knownSysctlNames(devices))}`);
      continue;
    }
    const valueNode = src.resolve(pair.value as Node | null);
    const value = readInt(src, valueNode, `${what}: ${key}`, -Infinity, Infinity);
    if (value === undefined) continue;
    if (!isSysctlValueAllowed(key, value)) src.error(valueNode, `${what}: ${key} = ${value} is out of range (${formatSysctlRanges(def)})`);
    else out[key] = value;
  }
  return out;
}

function checkTraces(src: ScenarioSource, traces: readonly TraceDraft[], c: CompiledCluster): void {
  const names = new Map<string, TraceDraft>();
  const netns = new Set(c.world.namespaces.map((n) => n.name));
  for (const t of traces) {
    const first = names.get(t.spec.name);
    if (first !== undefined) src.error(t.fields.values.get('name') ?? t.fields.node, `duplicate trace name "${t.spec.name}" (first at line ${src.locate(first.fields.node).line})`);
    else names.set(t.spec.name, t);
    for (let e = t.expect; e !== undefined; e = e.reply) {
      const d = e.deliveredToNetns;
      if (d !== undefined && !netns.has(d.spec)) src.error(d.node, `${d.label}: no namespace "${d.spec}"${didYouMean(d.spec, netns)}`);
    }
  }
}

function readDocker(src: ScenarioSource, node: Node | undefined, what: string): DockerHostSpec | undefined {
  const f = readFields(src, node, what, CLUSTER_FIELDS.docker);
  if (f === undefined) return undefined;
  const v = f.values;
  const out: DockerHostSpec = { icc: true, userlandProxy: true, networks: [], containers: [] };
  if (f.keys.has('icc')) out.icc = readBool(src, v.get('icc'), `${what}: icc`) ?? true;
  if (f.keys.has('userlandProxy')) out.userlandProxy = readBool(src, v.get('userlandProxy'), `${what}: userlandProxy`) ?? true;
  if (f.keys.has('networks')) {
    readList(src, v.get('networks'), `${what}: networks`)?.forEach((item, i) => {
      const w = `${what}: networks[${i}]`;
      const n = readFields(src, item, w, CLUSTER_FIELDS.dockerNetwork, ['name']);
      if (n === undefined) return;
      const name = n.keys.has('name') ? readObjectName(src, n.values.get('name'), `${w}: name`) : undefined;
      if (name === 'bridge' || name === 'host' || name === 'none') src.error(n.values.get('name'), `${w}: name: "${name}" is one of Docker's predefined networks`);
      const subnet = n.keys.has('subnet') ? readNetwork(src, n.values.get('subnet'), `${w}: subnet`) : undefined;
      if (name !== undefined) out.networks.push(subnet === undefined ? { name, origin: { src, node: item } satisfies YamlOrigin } : { name, subnet, origin: { src, node: item } satisfies YamlOrigin });
    });
  }
  if (f.keys.has('containers')) {
    readList(src, v.get('containers'), `${what}: containers`)?.forEach((item, i) => {
      const w = `${what}: containers[${i}]`;
      const c = readFields(src, item, w, CLUSTER_FIELDS.container, ['name']);
      if (c === undefined) return;
      const name = c.keys.has('name') ? readObjectName(src, c.values.get('name'), `${w}: name`) : undefined;
      const network = c.keys.has('network') ? readName(src, c.values.get('network'), `${w}: network`) : 'bridge';
      const ip = c.keys.has('ip') ? readIpv4(src, c.values.get('ip'), `${w}: ip`) : undefined;
      const publish = readLines(src, c, 'publish', w, parsePublish);
      const listen = readLines(src, c, 'listen', w, parseListen);
      if (name === undefined || network === undefined) return;
      const spec: DockerContainerSpec = { name, network, publish, listen, origin: { src, node: item } satisfies YamlOrigin };
      if (ip !== undefined) spec.ip = ip;
      out.containers.push(spec);
    });
  }
  return out;
}

/** `docker run -p`: `[IP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]`. */
export function parsePublish(text: string): SyntaxResult<DockerPublish> {
  const slash = text.indexOf('/');
  const proto = slash < 0 ? 'tcp' : text.slice(slash + 1);
  if (proto !== 'tcp' && proto !== 'udp') return { ok: false, error: `"${proto}" is not tcp or udp`, column: slash + 2 };
  const parts = (slash < 0 ? text : text.slice(0, slash)).split(':');
  if (parts.length < 2 || parts.length > 3) return { ok: false, error: 'expected [IP:]HOSTPORT:CONTAINERPORT[/PROTO], as docker run -p takes it', column: 1 };
  let col = 1;
  let hostIP: number | undefined;
  if (parts.length === 3) {
    hostIP = parseIpv4(parts[0]);
    if (hostIP === undefined) return { ok: false, error: `"${parts[0]}" is not an IPv4 address`, column: 1 };
    col += parts[0].length + 1;
    parts.shift();
  }
  const hostPort = parsePort(parts[0]);
  if (hostPort === undefined) return { ok: false, error: `"${parts[0]}" is not a port (1..65535)`, column: col };
  const containerPort = parsePort(parts[1]);
  if (containerPort === undefined) return { ok: false, error: `"${parts[1]}" is not a port (1..65535)`, column: col + parts[0].length + 1 };
  const out: DockerPublish = { protocol: proto, hostPort, containerPort };
  if (hostIP !== undefined && hostIP !== 0) out.hostIP = hostIP;
  return { ok: true, value: out };
}

/** Docker hosts only with network docker-bridge; Kubernetes workloads only with flannel; container names unique. */
function checkDocker(src: ScenarioSource, network: string, nodes: readonly NodeSpec[], externals: readonly ExternalSpec[], objects: readonly KubeObject[]): void {
  const taken = new Set([...nodes.map((n) => n.name), ...externals.map((e) => e.name)]);
  for (const n of nodes) {
    const o = n.origin as YamlOrigin;
    const dockerNode = isMap(o.node) ? (o.node.get('docker', true) as Node | undefined) : undefined;
    if (n.docker !== undefined && network !== 'docker-bridge') src.error(dockerNode, `node "${n.name}": docker: needs cluster network docker-bridge`);
    for (const c of n.docker?.containers ?? []) {
      const co = c.origin as YamlOrigin;
      const at = isMap(co.node) ? (co.node.get('name', true) as Node) : co.node;
      if (taken.has(c.name)) src.error(at, `container "${c.name}": the name is already a node's, a host's or another container's`);
      taken.add(c.name);
    }
  }
  if (network !== 'docker-bridge') return;
  for (const o of objects) {
    if (o.kind === 'Pod' || o.kind === 'Deployment' || o.kind === 'ReplicaSet' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet') {
      const origin = o.origin as YamlOrigin;
      origin.src.error(origin.node, `${o.kind} "${o.meta.name}": network docker-bridge runs Docker containers, not pods (use a flannel network)`);
    }
  }
}
