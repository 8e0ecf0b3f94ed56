// What the page draws: the World as boxes and wires. A node box holds its namespaces (the node's own, its
// pods'), each namespace holds its devices; veth pairs, bridge ports, the underlay and VXLAN tunnels are the
// wires. Pure: a function of the compiled World (and the cluster's owners), so the page and tests agree.

import type { LinkSpec, WorldSpec } from '../kernel/netns/world-spec.js';
import type { CompiledCluster } from '../cluster/compile.js';
import { UNDERLAY_NETNS } from '../cluster/compile.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';

export interface GraphDevice {
  /** `NETNS/DEV`, the key trace hops are matched on. */
  id: string;
  name: string;
  type: LinkSpec['type'];
  addresses: string[];
  /** The bridge this device is a port of. */
  master: string | null;
  mtu: number | null;
}

export interface GraphNetns {
  id: string;
  /** What it stands for: a pod (NS/NAME), a node's own namespace, a Docker container, an external host, the underlay, or plain. */
  kind: 'pod' | 'node' | 'container' | 'external' | 'underlay' | 'netns';
  label: string;
  /** The cluster node holding it, or null. */
  node: string | null;
  devices: GraphDevice[];
  /** `ip route` lines of the main table, shown on hover. */
  routes: string[];
}

export interface GraphWire {
  id: string;
  kind: 'veth' | 'port' | 'vxlan';
  /** Device ids. */
  a: string;
  b: string;
}

export interface GraphService {
  name: string;
  /** ClusterIP, external IPs and load-balancer VIPs with their ports, as `IP:PORT/PROTO`. */
  addresses: string[];
  type: string;
}

export interface WorldGraph {
  name: string;
  /** Cluster node names in order (boxes), empty for a Topology scenario. */
  nodes: string[];
  namespaces: GraphNetns[];
  wires: GraphWire[];
  services: GraphService[];
}

/** The graph of `world`, grouped by the cluster's nodes when there is a cluster. */
export function worldGraph(world: WorldSpec, cluster?: CompiledCluster): WorldGraph {
  const externals = new Set(cluster?.externals.map((e) => e.netns) ?? []);
  const nodeNetns = new Set(cluster?.nodes.map((n) => n.netns) ?? []);
  const namespaces: GraphNetns[] = world.namespaces.map((ns) => {
    const owner = cluster?.owners.get(ns.name);
    const node = owner?.node ?? null;
    const kind: GraphNetns['kind'] =
      owner?.pod != null ? 'pod'
        : nodeNetns.has(ns.name) ? 'node'
          : node !== null ? 'container'
            : externals.has(ns.name) ? 'external'
              : cluster !== undefined && ns.name === UNDERLAY_NETNS ? 'underlay' : 'netns';
    return {
      id: ns.name,
      kind,
      label: owner?.pod ?? ns.name,
      node,
      devices: ns.links.map((l) => ({
        id: `${ns.name}/${l.name}`,
        name: l.name,
        type: l.type,
        addresses: l.addresses.map((a) => `${formatIpv4(a.addr)}/${a.len}`),
        master: l.master ?? null,
        mtu: l.mtu ?? null,
      })),
      routes: ns.routes.filter((r) => r.table === 254).map((r) => r.text),
    };
  });
  const wires: GraphWire[] = [];
  const seen = new Set<string>();
  for (const ns of world.namespaces) {
    for (const l of ns.links) {
      const id = `${ns.name}/${l.name}`;
      if (l.type === 'veth' && l.peer !== undefined) {
        const other = `${l.peer.netns}/${l.peer.dev}`;
        const key = [id, other].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          wires.push({ id: `veth:${key}`, kind: 'veth', a: id, b: other });
        }
      }
      if (l.master !== undefined) wires.push({ id: `port:${id}`, kind: 'port', a: id, b: `${ns.name}/${l.master}` });
    }
  }
  // VXLAN: every pair of VTEPs with the same VNI (flannel's full mesh; the fdb says who reaches whom).
  const vteps = world.namespaces.flatMap((ns) => ns.links.filter((l) => l.type === 'vxlan' && l.vxlan !== undefined).map((l) => ({ id: `${ns.name}/${l.name}`, vni: l.vxlan!.id })));
  for (let i = 0; i < vteps.length; i++) {
    for (let j = i + 1; j < vteps.length; j++) {
      if (vteps[i].vni === vteps[j].vni) wires.push({ id: `vxlan:${vteps[i].id} ${vteps[j].id}`, kind: 'vxlan', a: vteps[i].id, b: vteps[j].id });
    }
  }
  const services: GraphService[] = (cluster?.services ?? []).map((s) => {
    const ips: number[] = [];
    if (typeof s.clusterIP === 'number') ips.push(s.clusterIP);
    for (const ip of s.externalIPs ?? []) ips.push(ip);
    for (const ip of s.loadBalancerIngress ?? []) ips.push(ip);
    const addresses = ips.flatMap((ip) => s.ports.map((p) => `${formatIpv4(ip)}:${p.port}/${p.protocol}`));
    return { name: `${s.meta.namespace}/${s.meta.name}`, addresses, type: s.type };
  });
  return { name: world.name, nodes: cluster?.nodes.map((n) => n.name) ?? [], namespaces, wires, services };
}
