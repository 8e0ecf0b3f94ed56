// A compiled World printed back as a `kind: Topology` scenario (what `net compile` prints): every field in
// the syntax the Topology loader reads, so the output loads and traces the same as the Cluster it came from.

import { stringify } from 'yaml';
import type { LinkSpec, ListenSpec, NetnsSpec, WorldSpec } from '../kernel/netns/world-spec.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';

export interface TopologyTrace {
  name: string;
  from: string;
  to: string;
  proto: string;
  [field: string]: unknown;
}

export function renderTopologyYaml(world: WorldSpec, traces: readonly TopologyTrace[], header: string): string {
  const doc: Record<string, unknown> = {
    apiVersion: 'packetwalk/v1',
    kind: 'Topology',
    metadata: { name: world.name },
    namespaces: world.namespaces.map(netnsYaml),
  };
  if (traces.length > 0) doc.traces = traces;
  const body = stringify(doc, { lineWidth: 0, blockQuote: 'literal' });
  return `${header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}`;
}

function netnsYaml(ns: NetnsSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: ns.name };
  if (Object.keys(ns.sysctls).length > 0) out.sysctls = { ...ns.sysctls };
  if (ns.links.length > 0) out.links = ns.links.map(linkYaml);
  if (ns.routes.length > 0) out.routes = ns.routes.map((r) => r.text);
  if (ns.rules.length > 0) out.rules = ns.rules.map((r) => r.text);
  if (ns.neigh.length > 0) out.neigh = ns.neigh.map((n) => n.text);
  if (ns.fdb.length > 0) out.fdb = ns.fdb.map((f) => f.text);
  if (ns.ipsets !== undefined && ns.ipsets.length > 0) out.ipsets = ns.ipsets.map((s) => ({ name: s.name, type: s.type, members: s.members }));
  if (ns.iptables !== undefined) out.iptables = ns.iptables;
  if (ns.listen.length > 0) out.listen = ns.listen.map(listenText);
  return out;
}

function linkYaml(l: LinkSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: l.name, type: l.type };
  if (l.peer !== undefined) out.peer = `${l.peer.netns}/${l.peer.dev}`;
  if (l.addresses.length > 0) out.addresses = l.addresses.map((a) => `${formatIpv4(a.addr)}/${a.len}${a.scope !== undefined && a.scope !== 'global' ? ` scope ${a.scope}` : ''}`);
  if (l.mac !== undefined) out.mac = l.mac;
  if (l.mtu !== undefined) out.mtu = l.mtu;
  if (l.master !== undefined) out.master = l.master;
  if (l.hairpin !== undefined) out.hairpin = l.hairpin;
  if (l.learning !== undefined) out.learning = l.learning;
  if (l.up !== undefined) out.up = l.up;
  if (l.ageingTime !== undefined) out.ageingTime = l.ageingTime;
  if (l.vxlan !== undefined) {
    out.id = l.vxlan.id;
    out.dstport = l.vxlan.dstport;
    if (l.vxlan.local !== undefined) out.local = formatIpv4(l.vxlan.local);
    if (l.vxlan.remote !== undefined) out.remote = formatIpv4(l.vxlan.remote);
    if (l.vxlan.dev !== undefined) out.dev = l.vxlan.dev;
    out.learning = l.vxlan.learning;
  }
  return out;
}

function listenText(l: ListenSpec): string {
  return l.addr === 0 ? `${l.proto}/${l.port}` : `${l.proto}/${formatIpv4(l.addr)}:${l.port}`;
}
