// The /etc/resolv.conf kubelet writes into a pod (pkg/kubelet/network/dns/dns.go GetPodDNS): the policy picks
// the base (cluster DNS, the node's own file, or nothing), then spec.dnsConfig is merged on top.

import type { PodDnsConfig, DnsPolicy } from '../cluster/model.js';

export interface ResolvOption {
  name: string;
  value?: string;
}

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: ResolvOption[];
}

/** kubelet's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths and MaxDNSSearchListChars with ExpandedDNSConfig). */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCHES = 32;
export const MAX_SEARCH_CHARS = 2048;

export interface PodDnsInput {
  namespace: string;
  hostNetwork: boolean;
  dnsPolicy?: DnsPolicy;
  dnsConfig?: PodDnsConfig;
}

/** The policy kubelet acts on: ClusterFirst on a hostNetwork pod silently becomes Default (getPodDNSType). */
export function effectiveDnsPolicy(pod: PodDnsInput): 'cluster' | 'host' | 'none' {
  const p = pod.dnsPolicy ?? 'ClusterFirst';
  if (p === 'None') return 'none';
  if (p === 'Default') return 'host';
  if (p === 'ClusterFirst' && pod.hostNetwork) return 'host';
  return 'cluster';
}

const dedup = (xs: string[]): string[] => xs.filter((x, i) => xs.indexOf(x) === i);

/** GetPodDNS: the pod's resolv.conf from its policy, the cluster DNS addresses and domain, and the node's file. */
export function kubeletResolvConf(pod: PodDnsInput, clusterDomain: string, clusterDns: string[], host: ResolvConf): ResolvConf {
  let rc: ResolvConf;
  switch (effectiveDnsPolicy(pod)) {
    case 'none':
      rc = { nameservers: [], searches: [], options: [] };
      break;
    case 'host':
      rc = { nameservers: [...host.nameservers], searches: [...host.searches], options: host.options.map((o) => ({ ...o })) };
      break;
    case 'cluster': {
      // generateSearchesForDNSClusterFirst: the three cluster domains, then the node's, without repeats.
      const searches = dedup([`${pod.namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain, ...host.searches]);
      rc = { nameservers: [...clusterDns], searches, options: [{ name: 'ndots', value: '5' }] };
      break;
    }
  }
  const c = pod.dnsConfig;
  if (c !== undefined) {
    rc.nameservers = dedup([...rc.nameservers, ...c.nameservers]);
    rc.searches = dedup([...rc.searches, ...c.searches]);
    for (const o of c.options) {
      const at = rc.options.findIndex((x) => x.name === o.name);
      if (at >= 0) rc.options[at] = { ...o };
      else rc.options.push({ ...o });
    }
  }
  rc.nameservers = rc.nameservers.slice(0, MAX_NAMESERVERS);
  rc.searches = rc.searches.filter((s) => s.length <= 253);
  const kept: string[] = [];
  let chars = 0;
  for (const s of rc.searches) {
    if (kept.length >= MAX_SEARCHES || chars + s.length + (kept.length > 0 ? 1 : 0) > MAX_SEARCH_CHARS) break;
    chars += s.length + (kept.length > 0 ? 1 : 0);
    kept.push(s);
  }
  rc.searches = kept;
  return rc;
}

/** The file's text, as kubelet writes it. */
export function formatResolvConf(rc: ResolvConf): string {
  const lines: string[] = [];
  if (rc.searches.length > 0) lines.push(`search ${rc.searches.join(' ')}`);
  for (const n of rc.nameservers) lines.push(`nameserver ${n}`);
  if (rc.options.length > 0) lines.push(`options ${rc.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** resolv.conf `ndots` (glibc default 1, capped at 15 by res_setoptions). */
export function ndotsOf(rc: ResolvConf): number {
  const o = rc.options.find((x) => x.name === 'ndots');
  const n = o?.value === undefined ? NaN : Number(o.value);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 15) : 1;
}
