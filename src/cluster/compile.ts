// A Cluster compiled to the kernel state its components write: one namespace per node (eth0 on the
// underlay, flannel.1 or host-gw routes, cni0 and a veth per pod, flannel's and portmap's rules), one per
// pod (eth0 and its routes), one per external host, and one for the L2 underlay (a bridge). Pure: the same
// ClusterSpec gives the same WorldSpec, and a changed ClusterSpec is compiled again.

import type { Ipv4Addr, Ipv4Prefix } from '../wire/headers.js';
import { formatIpv4, formatPrefix, inPrefix, prefixNetwork } from '../wire/ipv4-addr.js';
import type { FdbSpec, LinkSpec, ListenSpec, NeighSpec, NetnsSpec, RouteSpec, WorldSpec } from '../kernel/netns/world-spec.js';
import { isValidIfname } from '../kernel/syntax-words.js';
import { parseFdb } from '../kernel/link/fdb-syntax.js';
import { parseNeigh } from '../kernel/neigh/neigh-syntax.js';
import { parseRoute } from '../kernel/route/route-syntax.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import type { ClusterSpec, EndpointSliceObject, NodeSpec, Origin, PodObject, ServiceObject, WorkloadObject } from './model.js';
import { expandWorkload } from './objects/controllers.js';
import { schedulePods } from './objects/scheduler.js';
import { deriveEndpointSlices, PodIndex } from './objects/endpoint-slices.js';
import { HostLocalRange } from './cni/host-local.js';
import { hostVethName, localMac, macFromIp, sandboxId } from './cni/container-id.js';
import type { HostPortMapping } from './cni/portmap.js';
import { addPortMappings } from './cni/portmap.js';
import { addFlannelRules } from './flannel/iptables.js';
import { addNodeLocalDns, KUBE_DNS_UPSTREAM, kubeDnsUpstreamService, NODE_LOCAL_DNS_IP, nodeLocalDnsRules } from './node-local-dns.js';
import { IptablesText, PreparedRestore } from './iptables-text.js';
import { patchNodeRules } from './node-patch-rules.js';
import { compileDockerHost } from './docker/docker-host.js';
import type { DockerContainerState } from './docker/docker-host.js';
import type { ChainLabel } from './kube-proxy/index.js';
import { assignLoadBalancerIngress, compileLoadBalancer } from './load-balancer.js';
import { allocateNodePorts, defaultKubeProxySettings, nodeProxierConfig, proxyRulesNodeIndependent, renderNodeProxy, renderShareKey } from './services.js';
import type { NodeProxyResult } from './services.js';
import { renderKubeRouter } from './netpol/kube-router.js';
import { policyView } from './netpol/policy-view.js';

/** flannel's encapOverhead for VXLAN over IPv4: 14 inner Ethernet + 8 VXLAN + 8 UDP + 20 outer IPv4. */
export const VXLAN_OVERHEAD = 50;
/** The conflist's network name (kube-flannel.yml's 10-flannel.conflist). */
export const CNI_NET_NAME = 'cbr0';
/** The namespace standing for the L2 underlay. */
export const UNDERLAY_NETNS = 'underlay';
const NODE_CIDR_LEN = 24;

export interface CompiledNode {
  name: string;
  ip: Ipv4Addr;
  podCIDR: Ipv4Prefix;
  netns: string;
  /** flannel.1's MAC (the VtepMAC of the node's backend-data annotation); host-gw has none. */
  vtepMac?: string;
  /** The node's filter and nat rules so far; kube-proxy's renderer adds to these. */
  iptables: IptablesText;
}

export interface CompiledPod {
  namespace: string;
  name: string;
  node?: string;
  ip?: Ipv4Addr;
  /** Its namespace in the World: its own, or the node's for hostNetwork pods. */
  netns?: string;
  hostNetwork: boolean;
  ready: boolean;
  labels: Record<string, string>;
  owner?: string;
  hostVeth?: string;
  object: PodObject;
}

/** What a later renderer (kube-proxy) adds to a node: iptables-restore text applied with --noflush. */
export type NodeRulesRenderer = (node: CompiledNode, cluster: CompiledObjects) => string;

export interface CompiledObjects {
  nodes: CompiledNode[];
  pods: CompiledPod[];
  services: ServiceObject[];
  endpointSlices: EndpointSliceObject[];
}

export interface CompileIssue {
  origin: Origin;
  message: string;
  /** A line (1-based) and column of the block text at `origin` the issue is at (a patch's iptables text). */
  at?: { line: number; column: number };
}

export interface CompiledCluster extends CompiledObjects {
  world: WorldSpec;
  /** Which node and pod each namespace of the World stands for. */
  owners: Map<string, { node: string | null; pod: string | null }>;
  externals: { name: string; ip: Ipv4Addr; netns: string }[];
  /** Docker containers (network docker-bridge). */
  containers: DockerContainerState[];
  /** What each kube-proxy chain (KUBE-SVC-, KUBE-SEP-...) of any node stands for; empty without kube-proxy. */
  serviceChains: Map<string, ChainLabel>;
  /**
   * Each node's rules before kube-proxy's first sync (flannel's, the CNI portmap's, Docker's), as
   * iptables-restore text: what a node whose kube-proxy has not synced yet holds (a timeline's live
   * kube-proxy, src/cluster/live-kube-proxy.ts, starts from it).
   */
  rulesBeforeKubeProxy: Map<string, string>;
  /**
   * Each node's rules from the components that start after kube-proxy (the renderers after it, node-local-dns,
   * the NetworkPolicy controller), as the iptables-restore --noflush texts they applied in order: a timeline's
   * live kube-proxy puts them back after its own state when the node's other rules changed.
   */
  rulesAfterKubeProxy: Map<string, string>;
  /** What each NetworkPolicy chain and ipset (KUBE-NWPLCY-, KUBE-POD-FW-, KUBE-SRC-, KUBE-DST-) stands for. */
  policyChains: Map<string, string>;
  issues: CompileIssue[];
  /** The spec it was compiled from (cluster domain, service CIDR: what cluster DNS needs). */
  spec: ClusterSpec;
}

export interface CompileOptions {
  renderers?: NodeRulesRenderer[];
}

/** The netns name of a pod: its name in `default`, `NAMESPACE_NAME` elsewhere ('_' is never in a Kubernetes name). */
export function podNetnsName(namespace: string, name: string): string {
  return namespace === 'default' ? name : `${namespace}_${name}`;
}

export function compileCluster(given: ClusterSpec, opts: CompileOptions = {}): CompiledCluster {
  const issues: CompileIssue[] = [];
  const spec = withNodeLocalDnsUpstream(given);
  // Specs are shared between namespaces of this World only, never across compiles.
  const cache = new ParseCache();
  const objects = deriveObjects(spec, issues);
  const world: WorldSpec = { name: spec.name, namespaces: [] };
  const owners = new Map<string, { node: string | null; pod: string | null }>();
  const underlay = emptyNetns(UNDERLAY_NETNS);
  underlay.links.push({ name: 'br0', type: 'bridge', addresses: spec.underlay.gateway === undefined ? [] : [{ addr: spec.underlay.gateway, len: spec.underlay.cidr.len }], mtu: spec.underlay.mtu });
  world.namespaces.push(underlay);
  owners.set(UNDERLAY_NETNS, { node: null, pod: null });
  const portNames = new Set<string>();
  const underlayPort = (name: string, i: number, peerNetns: string): string => {
    const dev = isValidIfname(name) && !portNames.has(name) && name !== 'br0' && name !== 'lo' ? name : `port${i}`;
    portNames.add(dev);
    underlay.links.push({ name: dev, type: 'veth', addresses: [], peer: { netns: peerNetns, dev: 'eth0' }, master: 'br0', mtu: spec.underlay.mtu });
    return dev;
  };

  const vxlan = spec.network === 'flannel-vxlan';
  const docker = spec.network === 'docker-bridge';
  const containers: DockerContainerState[] = [];
  const containerNetns: NetnsSpec[] = [];
  const podMtu = vxlan ? spec.underlay.mtu - VXLAN_OVERHEAD : spec.underlay.mtu;
  const byNode = new Map<string, NetnsSpec>();
  const nodeLocalIps = [NODE_LOCAL_DNS_IP, kubeDnsClusterIp(spec, objects.services)];
  // What every other node gets for a node's lease, parsed once per lease (not once per pair of nodes).
  const remoteLeases = docker ? [] : objects.nodes.map((r): RemoteLease => {
    const net = formatIpv4(prefixNetwork(r.podCIDR));
    if (vxlan) {
      const neigh = `${net} lladdr ${r.vtepMac} dev flannel.1 nud permanent`;
      const fdb = `${r.vtepMac} dev flannel.1 dst ${formatIpv4(r.ip)} self permanent`;
      return {
        node: r,
        neigh: cache.get(`neigh ${neigh}`, () => parseNeigh(neigh)),
        fdb: cache.get(`fdb ${fdb}`, () => parseFdb(fdb)),
        route: cache.route(`${formatPrefix(r.podCIDR)} via ${net} dev flannel.1 onlink`),
      };
    }
    // backend/hostgw: RouteNetwork via the remote node's public IP on the external interface.
    return { node: r, route: cache.route(`${formatPrefix(r.podCIDR)} via ${formatIpv4(r.ip)} dev eth0`) };
  });
  objects.nodes.forEach((n, i) => {
    const ns = emptyNetns(n.netns);
    const nodeSpec = spec.nodes[i];
    ns.sysctls['net.ipv4.ip_forward'] = 1;
    Object.assign(ns.sysctls, nodeSpec.sysctls);
    const port = underlayPort(n.name, i, n.netns);
    ns.links.push({ name: 'eth0', type: 'veth', addresses: [{ addr: n.ip, len: spec.underlay.cidr.len }], peer: { netns: UNDERLAY_NETNS, dev: port }, mtu: spec.underlay.mtu });
    if (spec.underlay.gateway !== undefined && docker) ns.routes.push(cache.route(`default via ${formatIpv4(spec.underlay.gateway)} dev eth0`));
    if (docker) {
      // dockerd sets the FORWARD policy DROP when it turned ip_forward on itself, as on a fresh host.
      if (nodeSpec.forwardPolicy !== 'ACCEPT') n.iptables.policy('filter', 'FORWARD', 'DROP');
      const d = compileDockerHost(n.name, ns, n.iptables, nodeSpec.docker ?? { icc: true, userlandProxy: true, networks: [], containers: [] }, issues);
      for (const c of d.containers) {
        containers.push(c);
        owners.set(c.netns, { node: n.name, pod: null });
      }
      for (const x of d.namespaces) containerNetns.push(x);
      for (const x of nodeSpec.listen) ns.listen.push(x);
      world.namespaces.push(ns);
      byNode.set(n.name, ns);
      owners.set(n.netns, { node: n.name, pod: null });
      return;
    }
    if (vxlan) {
      // flannel's VTEP (backend/vxlan/device.go): VNI 1, kernel default port 8472, nolearning, MTU ext-50,
      // the lease's network address as /32 "so that no broadcast routes are created".
      ns.links.push({
        name: 'flannel.1', type: 'vxlan', addresses: [{ addr: prefixNetwork(n.podCIDR), len: 32 }], mac: n.vtepMac, mtu: podMtu,
        vxlan: { id: 1, dstport: 8472, local: n.ip, dev: 'eth0', learning: false },
      });
    }
    if (spec.underlay.gateway !== undefined) ns.routes.push(cache.route(`default via ${formatIpv4(spec.underlay.gateway)} dev eth0`));
    // Per remote lease, in lease order (vxlan_network.go handleSubnetEvents: neighbour, fdb, then route).
    for (const r of remoteLeases) {
      if (r.node === n) continue;
      if (r.neigh !== undefined) ns.neigh.push(r.neigh);
      if (r.fdb !== undefined) ns.fdb.push(r.fdb);
      ns.routes.push(r.route);
    }
    if (nodeSpec.forwardPolicy === 'DROP') n.iptables.policy('filter', 'FORWARD', 'DROP');
    addFlannelRules(n.iptables, spec.podCIDR, n.podCIDR, spec.flannel.ipMasq);
    if (spec.nodeLocalDNS === true) addNodeLocalDns(ns, nodeLocalIps);
    for (const x of nodeSpec.listen) ns.listen.push(x);
    world.namespaces.push(ns);
    byNode.set(n.name, ns);
    owners.set(n.netns, { node: n.name, pod: null });
  });

  for (const x of containerNetns) world.namespaces.push(x);
  // Pods, node by node in creation order: the CNI bridge plugin ADD for each.
  const nodeByName = new Map(objects.nodes.map((n) => [n.name, n]));
  for (const p of objects.pods) {
    if (p.node === undefined || p.ip === undefined) continue;
    const node = nodeByName.get(p.node)!;
    const host = byNode.get(p.node)!;
    if (p.hostNetwork) {
      addListen(host.listen, listensOf(p.object));
      continue;
    }
    const gw = prefixNetwork(node.podCIDR) + 1;
    // ensureBridge + ensureAddr(isGW): cni0 appears with the first pod, MTU from subnet.env, its MAC fixed.
    if (!host.links.some((l) => l.name === 'cni0')) {
      host.links.push({ name: 'cni0', type: 'bridge', addresses: [{ addr: gw, len: node.podCIDR.len }], mac: macFromIp(gw), mtu: podMtu });
    }
    const sandbox = sandboxId(p.namespace, p.name);
    const veth = hostVethName(sandbox);
    p.hostVeth = veth;
    const link: LinkSpec = { name: veth, type: 'veth', addresses: [], peer: { netns: p.netns!, dev: 'eth0' }, master: 'cni0', mtu: podMtu };
    if (spec.cni.hairpinMode) link.hairpin = true;
    host.links.push(link);
    const pod = emptyNetns(p.netns!);
    pod.links.push({ name: 'eth0', type: 'veth', addresses: [{ addr: p.ip, len: node.podCIDR.len }], peer: { netns: node.netns, dev: veth }, mac: macFromIp(p.ip), mtu: podMtu });
    // IPAM's route to the cluster network, then isDefaultGateway's default route (bridge.go calcGateways).
    pod.routes.push(cache.route(`${formatPrefix(spec.podCIDR)} via ${formatIpv4(gw)} dev eth0`));
    pod.routes.push(cache.route(`default via ${formatIpv4(gw)} dev eth0`));
    addListen(pod.listen, listensOf(p.object));
    world.namespaces.push(pod);
    owners.set(p.netns!, { node: p.node, pod: `${p.namespace}/${p.name}` });
    const mappings = hostPortsOf(p.object);
    if (mappings.length > 0) {
      // portmap sets route_localnet on the bridge so 127.0.0.1:hostPort can be DNATed out of it.
      host.sysctls['net.ipv4.conf.cni0.route_localnet'] = 1;
      addPortMappings(node.iptables, CNI_NET_NAME, sandbox, p.ip, node.podCIDR, mappings);
    }
  }

  const externals = spec.externals.map((e, i) => {
    const ns = emptyNetns(e.name);
    const port = underlayPort(e.name, objects.nodes.length + i, e.name);
    ns.links.push({ name: 'eth0', type: 'veth', addresses: [{ addr: e.ip, len: spec.underlay.cidr.len }], peer: { netns: UNDERLAY_NETNS, dev: port }, mtu: spec.underlay.mtu });
    for (const x of e.routes) ns.routes.push(x);
    for (const x of e.listen) ns.listen.push(x);
    world.namespaces.push(ns);
    owners.set(e.name, { node: null, pod: null });
    return { name: e.name, ip: e.ip, netns: e.name };
  });
  for (const e of spec.externals) {
    if (e.loadBalancer === undefined) continue;
    const others = world.namespaces.filter((n) => n.name !== e.name && spec.externals.some((x) => x.name === n.name));
    compileLoadBalancer({ ...e, loadBalancer: e.loadBalancer }, world.namespaces.find((n) => n.name === e.name)!, objects.services, objects.nodes, others, issues);
  }

  const serviceChains = new Map<string, ChainLabel>();
  const renderers = [...(opts.renderers ?? [])];
  const kubeProxy = spec.kubeProxy ?? defaultKubeProxySettings();
  if (kubeProxy.mode === 'iptables' && !docker) {
    // proxier.go NewProxier(): with localhost NodePorts kube-proxy sets route_localnet=1 itself, so a DNAT of
    // 127.0.0.1:NODEPORT may leave the host (a `patches` entry can put it back to 0).
    if (kubeProxy.localhostNodePorts) for (const n of objects.nodes) byNode.get(n.name)!.sysctls['net.ipv4.conf.all.route_localnet'] = 1;
    // Nodes whose rules would come out the same share one render (and its text).
    const shareable = proxyRulesNodeIndependent(objects.services, objects.endpointSlices);
    const rendered = new Map<string, NodeProxyResult>();
    const sysctlsOf = new Map(spec.nodes.map((x) => [x.name, x.sysctls]));
    renderers.unshift((n) => {
      const config = nodeProxierConfig(spec, { name: n.name, ip: n.ip, sysctls: sysctlsOf.get(n.name) ?? {} }, kubeProxy);
      const key = shareable ? renderShareKey(config) : undefined;
      let r = key === undefined ? undefined : rendered.get(key);
      if (r === undefined) {
        r = renderNodeProxy(config, objects.services, objects.endpointSlices);
        for (const [k, v] of r.labels) serviceChains.set(k, v);
        if (key !== undefined) rendered.set(key, r);
      }
      return r.text;
    });
  }
  const rulesBeforeKubeProxy = new Map(objects.nodes.map((n) => [n.name, n.iptables.render()]));
  // node-local-dns starts after kube-proxy and prepends its rules (iptables -I): they come first.
  if (spec.nodeLocalDNS === true && !docker) renderers.push(() => nodeLocalDnsRules(nodeLocalIps));
  const after = new Map<string, string[]>(objects.nodes.map((n) => [n.name, []]));
  const kubeProxyFirst = kubeProxy.mode === 'iptables' && !docker;
  // A renderer's text is parsed once however many nodes it is the same for (kube-proxy's, shared by all the
  // nodes of a render), and the chains it creates are held by reference (IptablesText's shared layer).
  const prepared = new Map<string, PreparedRestore>();
  for (const [i, r] of renderers.entries()) {
    for (const n of objects.nodes) {
      const text = r(n, objects);
      let p = prepared.get(text);
      if (p === undefined) {
        p = new PreparedRestore(text);
        prepared.set(text, p);
      }
      n.iptables.applyPrepared(p, { share: true });
      if (!kubeProxyFirst || i > 0) after.get(n.name)!.push(text);
    }
  }
  // The NetworkPolicy controller (kube-router --run-firewall) starts after kube-proxy: its hooks end up first.
  const policyChains = new Map<string, string>();
  if (networkPolicyEnabled(spec) && !docker) {
    const view = policyView(spec.objects, objects.pods);
    for (const n of objects.nodes) {
      const r = renderKubeRouter({ name: n.name, serviceCIDR: spec.serviceCIDR }, view);
      n.iptables.applyRestore(r.text);
      after.get(n.name)!.push(r.text);
      if (r.ipsets.length > 0) byNode.get(n.name)!.ipsets = r.ipsets;
      for (const [k, v] of r.labels) policyChains.set(k, v);
    }
  }
  const rulesAfterKubeProxy = new Map([...after].map(([k, v]) => [k, v.join('\n')]));
  applyPatches(spec, objects, world, issues);
  for (const n of objects.nodes) {
    const text = n.iptables.render();
    if (text !== '') byNode.get(n.name)!.iptables = text;
  }
  return { ...objects, world, owners, externals, containers, serviceChains, rulesBeforeKubeProxy, rulesAfterKubeProxy, policyChains, issues, spec };
}

/** The neighbour, fdb entry and route flannel adds on every other node for one node's lease. */
interface RemoteLease {
  node: CompiledNode;
  neigh?: NeighSpec;
  fdb?: FdbSpec;
  route: RouteSpec;
}

/** `networkPolicy: auto` (the default) runs the controller once the cluster has a NetworkPolicy. */
export function networkPolicyEnabled(spec: ClusterSpec): boolean {
  const mode = spec.networkPolicy ?? 'auto';
  return mode === 'kube-router' || (mode === 'auto' && spec.objects.some((o) => o.kind === 'NetworkPolicy'));
}

/** Nodes with their leases, pods (given and made by controllers) scheduled and addressed, Services and slices. */
function deriveObjects(spec: ClusterSpec, issues: CompileIssue[]): CompiledObjects {
  const nodes = allocateLeases(spec, issues);
  const given = spec.objects.filter((o): o is PodObject => o.kind === 'Pod');
  const taken = new Set(given.map((p) => `${p.meta.namespace}/${p.meta.name}`));
  const podObjects: PodObject[] = [...given];
  for (const o of spec.objects) {
    if (o.kind === 'Deployment' || o.kind === 'ReplicaSet' || o.kind === 'StatefulSet' || o.kind === 'DaemonSet') {
      for (const p of expandWorkload(o as WorkloadObject, spec.nodes, taken)) podObjects.push(p);
    }
  }
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const p of podObjects) {
    const nn = p.spec.nodeName;
    if (nn !== undefined && !nodeNames.has(nn)) issues.push({ origin: p.origin, message: `pod "${p.meta.namespace}/${p.meta.name}": spec.nodeName: no node "${nn}"` });
  }
  const placement = schedulePods(podObjects, spec.nodes);
  const ranges = new Map(nodes.map((n) => [n.name, new HostLocalRange(n.podCIDR)]));
  const pods: CompiledPod[] = podObjects.map((object, i) => ({
    namespace: object.meta.namespace,
    name: object.meta.name,
    node: nodeNames.has(placement[i] ?? '') ? placement[i] : undefined,
    hostNetwork: object.spec.hostNetwork,
    ready: object.status.ready,
    labels: object.meta.labels,
    owner: object.owner,
    object,
  }));
  // Addresses a status names are reserved before anything is allocated.
  const nodeByName = new Map<string, CompiledNode>();
  for (const n of nodes) if (!nodeByName.has(n.name)) nodeByName.set(n.name, n);
  for (const p of pods) {
    if (p.node === undefined) continue;
    const node = nodeByName.get(p.node)!;
    if (p.hostNetwork) {
      p.ip = node.ip;
      p.netns = node.netns;
      continue;
    }
    p.netns = podNetnsName(p.namespace, p.name);
    const want = p.object.status.podIP;
    if (want === undefined) continue;
    if (ranges.get(p.node)!.reserve(want)) p.ip = want;
    else {
      const why = inPrefix(want, node.podCIDR) ? 'is taken or is the gateway' : `is outside node ${node.name}'s podCIDR ${formatPrefix(node.podCIDR)}`;
      issues.push({ origin: p.object.origin, message: `pod "${p.namespace}/${p.name}": status.podIP ${formatIpv4(want)} ${why}` });
    }
  }
  for (const p of pods) {
    if (p.node === undefined || p.hostNetwork || p.ip !== undefined || p.object.status.podIP !== undefined) continue;
    p.ip = ranges.get(p.node)!.allocate();
    if (p.ip === undefined) issues.push({ origin: p.object.origin, message: `pod "${p.namespace}/${p.name}": node ${p.node}'s pod range is full` });
  }
  const services = assignLoadBalancerIngress(allocateNodePorts(allocateClusterIPs(spec, issues), issues), spec.externals, issues);
  const placed = pods.map((p) => ({ pod: p.object, node: p.node, ip: p.ip }));
  const givenSlices = spec.objects.filter((o): o is EndpointSliceObject => o.kind === 'EndpointSlice');
  const endpointSlices: EndpointSliceObject[] = [...givenSlices];
  const sliced = new Set(givenSlices.map((g) => `${g.meta.namespace}/${g.serviceName}`));
  const index = new PodIndex(placed);
  for (const s of services) {
    // Slices written in the scenario stand for what the controller would keep: it derives none then.
    if (sliced.has(`${s.meta.namespace}/${s.meta.name}`)) continue;
    for (const slice of deriveEndpointSlices(s, index)) endpointSlices.push(slice);
  }
  return { nodes, pods, services, endpointSlices };
}

/** kube-controller-manager's node IPAM: /24s of the cluster range in node order, skipping those given. */
function allocateLeases(spec: ClusterSpec, issues: CompileIssue[]): CompiledNode[] {
  const used = new Set<number>();
  for (const n of spec.nodes) if (n.podCIDR !== undefined) used.add(prefixNetwork(n.podCIDR));
  const base = prefixNetwork(spec.podCIDR);
  const count = spec.podCIDR.len > NODE_CIDR_LEN ? 0 : 2 ** (NODE_CIDR_LEN - spec.podCIDR.len);
  let next = 0;
  return spec.nodes.map((n) => {
    let podCIDR = n.podCIDR;
    if (podCIDR === undefined) {
      while (next < count && used.has((base + next * 256) >>> 0)) next++;
      if (next >= count) issues.push({ origin: n.origin, message: `node "${n.name}": no /24 left in podCIDR ${formatPrefix(spec.podCIDR)}` });
      podCIDR = { addr: (base + Math.min(next, Math.max(count - 1, 0)) * 256) >>> 0, len: NODE_CIDR_LEN };
      used.add(podCIDR.addr);
      next++;
    }
    const compiled: CompiledNode = { name: n.name, ip: n.ip, podCIDR, netns: n.name, iptables: new IptablesText() };
    if (spec.network === 'flannel-vxlan') compiled.vtepMac = localMac(`flannel.1/${n.name}`);
    return compiled;
  });
}

/** ClusterIPs as given; the others from the low end of the service range (.1 is the `kubernetes` Service's). */
function allocateClusterIPs(spec: ClusterSpec, issues: CompileIssue[]): ServiceObject[] {
  const services = spec.objects.filter((o): o is ServiceObject => o.kind === 'Service');
  const used = new Set<number>([prefixNetwork(spec.serviceCIDR) + 1]);
  for (const s of services) {
    if (typeof s.clusterIP !== 'number') continue;
    if (!inPrefix(s.clusterIP, spec.serviceCIDR)) issues.push({ origin: s.origin, message: `service "${s.meta.namespace}/${s.meta.name}": clusterIP ${formatIpv4(s.clusterIP)} is outside serviceCIDR ${formatPrefix(spec.serviceCIDR)}` });
    else if (used.has(s.clusterIP)) issues.push({ origin: s.origin, message: `service "${s.meta.namespace}/${s.meta.name}": clusterIP ${formatIpv4(s.clusterIP)} is already allocated` });
    used.add(s.clusterIP);
  }
  let next = prefixNetwork(spec.serviceCIDR) + 2;
  return services.map((s) => {
    if (s.clusterIP !== undefined || s.type === 'ExternalName') return s;
    while (used.has(next)) next++;
    used.add(next);
    return { ...s, clusterIP: next };
  });
}

function applyPatches(spec: ClusterSpec, objects: CompiledObjects, world: WorldSpec, issues: CompileIssue[]): void {
  for (const [index, patch] of spec.patches.entries()) {
    const netns = patchNetns(patch.target, objects, spec);
    const ns = world.namespaces.find((n) => n.name === netns);
    if (netns === undefined || ns === undefined) {
      issues.push({ origin: patch.origin, message: `patches: target "${patch.target}" names no node, pod or external host` });
      continue;
    }
    Object.assign(ns.sysctls, patch.sysctls);
    for (const x of patch.routes) ns.routes.push(x);
    for (const x of patch.neigh) ns.neigh.push(x);
    addListen(ns.listen, patch.listen);
    if (patch.iptables !== undefined) {
      const node = objects.nodes.find((n) => n.netns === netns);
      if (node !== undefined) {
        // `iptables-restore --noflush` on the node as it is: a chain the node has (KUBE-SERVICES, KUBE-MARK-MASQ)
        // may be written to or jumped to undeclared; any other refuses the whole text, at the line it names.
        const patched = patchNodeRules(node.iptables, patch.iptables);
        for (const e of patched.errors) {
          issues.push({ origin: patch.iptablesOrigin ?? patch.origin, at: { line: e.line, column: e.column ?? 1 }, message: `patches[${index}]: iptables-restore: line ${e.line}: ${e.message}` });
        }
        node.iptables = patched.rules;
      }
      else ns.iptables = `${ns.iptables ?? ''}${patch.iptables}`;
    }
  }
}

function patchNetns(target: string, objects: CompiledObjects, spec: ClusterSpec): string | undefined {
  const slash = target.indexOf('/');
  const kind = target.slice(0, slash);
  const name = target.slice(slash + 1);
  if (kind === 'node') return objects.nodes.find((n) => n.name === name)?.netns;
  if (kind === 'ext') return spec.externals.find((e) => e.name === name)?.name;
  const ns = kind === 'pod' ? 'default' : kind;
  return objects.pods.find((p) => p.namespace === ns && p.name === name)?.netns;
}

function listensOf(pod: PodObject): ListenSpec[] {
  const out: ListenSpec[] = [];
  for (const c of pod.spec.containers) {
    // An SCTP containerPort is an SCTP server (agnhost porter): the pod's namespace gets an SCTP stack (sctp-rcv.ts).
    for (const p of c.ports) out.push({ proto: p.protocol === 'TCP' ? 'tcp' : p.protocol === 'UDP' ? 'udp' : 'sctp', port: p.containerPort, addr: 0 });
  }
  return out;
}

function hostPortsOf(pod: PodObject): HostPortMapping[] {
  const out: HostPortMapping[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports) {
      if (p.hostPort === undefined || p.protocol === 'SCTP') continue;
      const m: HostPortMapping = { protocol: p.protocol === 'TCP' ? 'tcp' : 'udp', hostPort: p.hostPort, containerPort: p.containerPort };
      if (p.hostIP !== undefined) m.hostIP = p.hostIP;
      out.push(m);
    }
  }
  return out;
}

function addListen(into: ListenSpec[], add: readonly ListenSpec[]): void {
  for (const l of add) if (!into.some((x) => x.proto === l.proto && x.port === l.port && x.addr === l.addr)) into.push(l);
}

/** With NodeLocal DNSCache, the kube-dns-upstream Service its misses go to, unless the scenario declares it. */
function withNodeLocalDnsUpstream(spec: ClusterSpec): ClusterSpec {
  if (spec.nodeLocalDNS !== true) return spec;
  const declared = spec.objects.some((o) => o.kind === 'Service' && o.meta.namespace === KUBE_DNS_UPSTREAM.namespace && o.meta.name === KUBE_DNS_UPSTREAM.name);
  return declared ? spec : { ...spec, objects: spec.objects.concat([kubeDnsUpstreamService()]) };
}

/** The kube-dns Service's ClusterIP, else the 10th address of the service CIDR, where kubeadm puts it. */
function kubeDnsClusterIp(spec: ClusterSpec, services: readonly ServiceObject[]): Ipv4Addr {
  const svc = services.find((s) => s.meta.namespace === 'kube-system' && s.meta.name === 'kube-dns');
  if (svc !== undefined && typeof svc.clusterIP === 'number') return svc.clusterIP;
  return (prefixNetwork(spec.serviceCIDR) + 10) >>> 0;
}

function emptyNetns(name: string): NetnsSpec {
  return { name, sysctls: {}, links: [], routes: [], rules: [], neigh: [], fdb: [], listen: [] };
}

function ok<T>(r: SyntaxResult<T>): T {
  if (!r.ok) throw new Error(`internal: compiled state does not parse: ${r.error}`);
  return r.value;
}

/**
 * Parsed state lines by text. The same route, neighbour and fdb lines recur on every other node (49 times
 * each in a 50-node cluster), and specs are read-only once compiled, so one parse serves them all.
 */
class ParseCache {
  private readonly parsed = new Map<string, unknown>();

  get<T>(key: string, parse: () => SyntaxResult<T>): T {
    let v = this.parsed.get(key) as T | undefined;
    if (v === undefined) {
      v = ok(parse());
      this.parsed.set(key, v);
    }
    return v;
  }

  route(text: string): RouteSpec {
    return this.get(`route ${text}`, () => parseRoute(text));
  }
}
