// kube-proxy on a compiled Cluster: the cluster model's Services and EndpointSlices adapted to the
// reconciler's input types, NodePorts allocated where the manifest gave none, and one full sync per node
// rendered as iptables-restore text for compileCluster's renderer seam (after flannel's and portmap's rules).

import type { Ipv4Addr, Ipv4Prefix } from '../wire/headers.js';
import { formatIpv4, formatPrefix } from '../wire/ipv4-addr.js';
import type { ClusterSpec, EndpointSliceObject, KubeProxySettings, Origin, ServiceObject } from './model.js';
import type { ChainLabel, EndpointSlice, ProxierConfig, Service } from './kube-proxy/index.js';
import { IptablesProxier, chainLabels, defaultProxierConfig, hookJumps } from './kube-proxy/index.js';
import type { HookJump } from './kube-proxy/index.js';
import { CANARY_TABLES, KUBE_PROXY_CANARY } from './kube-proxy/index.js';

/** The API server's default --service-node-port-range. */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export function defaultKubeProxySettings(): KubeProxySettings {
  return { mode: 'iptables', masqueradeAll: false, localhostNodePorts: true, conntrackCleanup: true };
}

/**
 * NodePorts (and LoadBalancer health-check node ports) the manifests left out, given the lowest free port of
 * 30000-32767 in object order, port by port. The API server's allocator picks at random; packetwalk picks
 * deterministically so a scenario compiles the same every time. Returns the Services with ports filled in.
 */
export function allocateNodePorts(services: readonly ServiceObject[], issues: { origin: Origin; message: string }[]): ServiceObject[] {
  const used = new Set<number>();
  for (const s of services) {
    for (const p of s.ports) {
      if (p.nodePort === undefined) continue;
      if (p.nodePort < NODE_PORT_MIN || p.nodePort > NODE_PORT_MAX) {
        issues.push({ origin: s.origin, message: `service "${s.meta.namespace}/${s.meta.name}": nodePort ${p.nodePort} is outside ${NODE_PORT_MIN}-${NODE_PORT_MAX}` });
      } else if (used.has(p.nodePort)) {
        issues.push({ origin: s.origin, message: `service "${s.meta.namespace}/${s.meta.name}": nodePort ${p.nodePort} is already allocated` });
      }
      used.add(p.nodePort);
    }
  }
  let next = NODE_PORT_MIN;
  const take = (): number => {
    while (used.has(next) && next <= NODE_PORT_MAX) next++;
    used.add(next);
    return next;
  };
  return services.map((s) => {
    if (s.type === 'ClusterIP') return s;
    return { ...s, ports: s.ports.map((p) => (p.nodePort === undefined ? { ...p, nodePort: take() } : p)) };
  });
}

/** A Service as kube-proxy's informer hands it over. */
export function toProxierService(s: ServiceObject): Service {
  const out: Service = {
    namespace: s.meta.namespace,
    name: s.meta.name,
    type: s.type,
    clusterIP: s.clusterIP === undefined ? '' : s.clusterIP === 'None' ? 'None' : formatIpv4(s.clusterIP),
    // SCTP ports are rendered (`-p sctp -m sctp`) like the others; pods' SCTP ports get no sockets, the model's
    // kernel having no SCTP stack (an INIT that reaches a pod draws ICMP protocol unreachable).
    ports: s.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol, nodePort: p.nodePort ?? 0, targetPort: p.targetPort })),
  };
  if (s.externalIPs !== undefined) out.externalIPs = s.externalIPs.map(formatIpv4);
  if (s.loadBalancerIngress !== undefined) out.loadBalancerIngress = s.loadBalancerIngress.map((ip) => ({ ip: formatIpv4(ip) }));
  if (s.loadBalancerSourceRanges !== undefined) out.loadBalancerSourceRanges = s.loadBalancerSourceRanges;
  if (s.externalTrafficPolicy !== undefined) out.externalTrafficPolicy = s.externalTrafficPolicy;
  if (s.internalTrafficPolicy !== undefined) out.internalTrafficPolicy = s.internalTrafficPolicy;
  if (s.sessionAffinity !== undefined) out.sessionAffinity = s.sessionAffinity;
  if (s.sessionAffinityTimeoutSeconds !== undefined) out.sessionAffinityTimeoutSeconds = s.sessionAffinityTimeoutSeconds;
  return out;
}

/** An EndpointSlice as kube-proxy's informer hands it over. */
export function toProxierSlice(e: EndpointSliceObject): EndpointSlice {
  return {
    namespace: e.meta.namespace,
    service: e.serviceName,
    name: e.meta.name,
    addressType: 'IPv4',
    endpoints: e.endpoints.map((ep) => ({
      addresses: ep.addresses.map(formatIpv4),
      nodeName: ep.nodeName ?? null,
      conditions: { ready: ep.conditions.ready, serving: ep.conditions.serving, terminating: ep.conditions.terminating },
    })),
    ports: e.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol })),
  };
}

export interface NodeProxyInput {
  name: string;
  ip: Ipv4Addr;
  /** The node's sysctls (nf_conntrack_tcp_be_liberal decides the KUBE-FORWARD INVALID drop). */
  sysctls: Readonly<Record<string, number>>;
}

/** kube-proxy's flags on a packetwalk node: --cluster-cidr as the local-traffic detector, mark bit 14. */
export function nodeProxierConfig(spec: ClusterSpec, node: NodeProxyInput, settings: KubeProxySettings): ProxierConfig {
  const ip = formatIpv4(node.ip);
  return defaultProxierConfig({
    nodeName: node.name,
    nodeIP: ip,
    interfaces: { eth0: [`${ip}/${spec.underlay.cidr.len}`], lo: ['127.0.0.1/8'] },
    localDetector: { kind: 'cidr', cidr: formatPrefix(spec.podCIDR as Ipv4Prefix) },
    masqueradeBit: 14,
    masqueradeAll: settings.masqueradeAll,
    localhostNodePorts: settings.localhostNodePorts,
    conntrackTCPLiberal: (node.sysctls['net.netfilter.nf_conntrack_tcp_be_liberal'] ?? 0) !== 0,
    // kube-proxy adds --random-fully when iptables supports it (>= 1.6.2, every current distribution).
    hasRandomFully: true,
  });
}

/**
 * The hook jumps as restore text our IptablesText takes: `-I CHAIN` puts each at the top, so the later ones
 * end up first, as EnsureRule(Prepend) leaves them on fresh chains; the canaries are declared too.
 */
export function hookJumpsText(jumps: readonly HookJump[]): string {
  const out: string[] = [];
  for (const table of ['mangle', 'nat', 'filter'] as const) {
    const mine = jumps.filter((j) => j.table === table);
    if (!(CANARY_TABLES as readonly string[]).includes(table) && mine.length === 0) continue;
    out.push(`*${table}`, `:${KUBE_PROXY_CANARY} - [0:0]`);
    for (const t of new Set(mine.map((j) => j.target))) out.push(`:${t} - [0:0]`);
    for (const j of mine) out.push(`-I ${j.chain} ${j.spec}`);
    out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}

export interface NodeProxyResult {
  /** Hook jumps, then the full sync's iptables-restore text. */
  text: string;
  /** What each KUBE-SVC/SVL/EXT/FW/SEP chain of this node stands for. */
  labels: Map<string, ChainLabel>;
}

/** One node's kube-proxy after its first (full) sync. */
export function renderNodeProxy(config: ProxierConfig, services: readonly ServiceObject[], slices: readonly EndpointSliceObject[]): NodeProxyResult {
  const proxier = new IptablesProxier(config);
  for (const s of services) proxier.onServiceAdd(toProxierService(s));
  for (const e of slices) proxier.onEndpointSliceAdd(toProxierSlice(e));
  // A fresh proxier's first sync is a full one: its hook jumps are hookJumps(), written into the sync's one join.
  const plan = proxier.sync({ now: 0, existingNatChains: null, fullSyncPrefix: hookJumpsText(hookJumps()) });
  return { text: plan.full ? plan.text : hookJumpsText(plan.hookJumps) + plan.text, labels: chainLabels(proxier.services(), proxier.endpoints()) };
}

/**
 * Whether every node's kube-proxy renders the same rules for these Services and slices, its node name, IP and
 * interfaces aside: only ClusterIP (and ExternalName, which kube-proxy skips) Services without externalIPs,
 * load-balancer addresses or source ranges, and without a Local traffic policy (the rules then depend on which
 * endpoints are on the node: categorizeEndpoints()); and no address twice in one Service's slices (the
 * de-duplication in endpointsByServicePort() prefers the node's own copy). Then `renderShareKey` tells which
 * nodes can share one render: the 1,000 nodes of a big cluster render once instead of 1,000 times.
 */
export function proxyRulesNodeIndependent(services: readonly ServiceObject[], slices: readonly EndpointSliceObject[]): boolean {
  for (const s of services) {
    if (s.type !== 'ClusterIP' && s.type !== 'ExternalName') return false;
    if (s.externalIPs?.length || s.loadBalancerIngress?.length || s.loadBalancerSourceRanges?.length) return false;
    if (s.internalTrafficPolicy === 'Local' || s.externalTrafficPolicy === 'Local') return false;
  }
  const seen = new Set<string>();
  for (const e of slices) {
    for (const ep of e.endpoints) {
      for (const a of ep.addresses) {
        const key = `${e.meta.namespace}/${e.serviceName} ${a}`;
        if (seen.has(key)) return false;
        seen.add(key);
      }
    }
  }
  return true;
}

/** The part of a node's proxier config its rules depend on when proxyRulesNodeIndependent() holds. */
export function renderShareKey(config: ProxierConfig): string {
  return JSON.stringify({ ...config, nodeName: '', nodeIP: '', interfaces: {} });
}
