// pkg/proxy/conntrack/cleanup.go CleanStaleEntries() (the conntrack reconciler, v1.32+): after a sync, every
// UDP conntrack entry whose original destination is a UDP Service's IP (cluster, external or load-balancer
// IP) or node port, and whose reply source is not one of that Service's serving endpoints, is deleted. Without
// it a UDP flow (DNS) keeps going to an endpoint that is gone, or, if it was created while the Service had no
// endpoints, keeps its un-NATed destination (issues 19029, 48370, 59368, 125467, 139628).

import type { ConntrackTable, CtEntry } from '../../kernel/conntrack/index.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

/** What the reconciler reads of a conntrack entry. */
export interface ConntrackEntryView {
  proto: 'tcp' | 'udp' | 'sctp' | 'icmp' | string;
  /** --orig-dst and --orig-port-dst. */
  origDst: string;
  origDstPort: number;
  /** --reply-src: the endpoint after DNAT, the original destination without one. */
  replySrc: string;
}

/** One deletion, as the netlink filter kube-proxy builds: filterForNAT() or filterForPortNAT(). */
export type ConntrackFilter =
  | { kind: 'nat'; proto: 'udp'; origDst: string; replySrc: string }
  | { kind: 'port-nat'; proto: 'udp'; origDstPort: number; replySrc: string };

export function filterMatches(f: ConntrackFilter, e: ConntrackEntryView): boolean {
  if (e.proto !== 'udp' || e.replySrc !== f.replySrc) return false;
  return f.kind === 'nat' ? e.origDst === f.origDst : e.origDstPort === f.origDstPort;
}

/** The filters CleanStaleEntries() hands to conntrack for `entries`, in entry order. */
export function staleConntrackFilters(
  services: Iterable<ServicePortInfo>,
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>,
  entries: Iterable<ConntrackEntryView>,
): ConntrackFilter[] {
  const byIP = new Map<string, Set<string>>();
  const byNodePort = new Map<number, Set<string>>();
  for (const svc of services) {
    if (svc.protocol !== 'UDP') continue;
    const serving = new Set((endpoints.get(svc.key) ?? []).filter((e) => e.serving).map((e) => e.ip));
    // Keyed by IP alone, as upstream does: two UDP ports of one Service share the last one's set.
    byIP.set(svc.clusterIP, serving);
    for (const ip of svc.loadBalancerVIPs) byIP.set(ip, serving);
    for (const ip of svc.externalIPs) byIP.set(ip, serving);
    if (svc.nodePort !== 0) byNodePort.set(svc.nodePort, serving);
  }
  const out: ConntrackFilter[] = [];
  for (const e of entries) {
    if (e.proto !== 'udp') continue;
    const ips = byIP.get(e.origDst);
    if (ips && !ips.has(e.replySrc)) out.push({ kind: 'nat', proto: 'udp', origDst: e.origDst, replySrc: e.replySrc });
    const np = byNodePort.get(e.origDstPort);
    if (np && !np.has(e.replySrc)) out.push({ kind: 'port-nat', proto: 'udp', origDstPort: e.origDstPort, replySrc: e.replySrc });
  }
  return out;
}

/** The entries the filters delete. */
export function staleConntrackEntries<E extends ConntrackEntryView>(
  services: Iterable<ServicePortInfo>,
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>,
  entries: readonly E[],
): E[] {
  const filters = staleConntrackFilters(services, endpoints, entries);
  return entries.filter((e) => filters.some((f) => filterMatches(f, e)));
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 132: 'sctp' };

/** What the reconciler reads of one of our conntrack entries (conntrack -L's orig dst/dport and reply src). */
export function conntrackEntryView(e: CtEntry): ConntrackEntryView {
  return { proto: PROTO_NAMES[e.orig.proto] ?? String(e.orig.proto), origDst: formatIpv4(e.orig.dst), origDstPort: e.orig.dport, replySrc: formatIpv4(e.reply.src) };
}

/** CleanStaleEntries() on a namespace's conntrack table: deletes the stale UDP entries and returns them. */
export function cleanStaleEntries(
  table: ConntrackTable,
  services: Iterable<ServicePortInfo>,
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>,
  now: number,
): CtEntry[] {
  const live = table.entries(now);
  const views = live.map((e) => ({ ...conntrackEntryView(e), entry: e }));
  const gone = staleConntrackEntries(services, endpoints, views).map((v) => v.entry);
  for (const e of gone) table.delete(e);
  return gone;
}
