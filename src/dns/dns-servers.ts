// Who answers DNS in a compiled cluster's dataplane: the CoreDNS pods (kubeadm's Deployment, labelled
// `k8s-app: kube-dns`, behind the kube-dns Service), each answering as the kubernetes plugin with kubeadm's
// Corefile; the answer depends only on the cluster's objects, so every replica gives the same one.

import type { CompiledCluster } from '../cluster/compile.js';
import { clusterDnsLocalIps, clusterDnsView, kubeDnsAddress } from './cluster-view.js';
import { kubeadmSettings } from './corefile.js';
import type { DnsQuestion, DnsResponse } from './kubernetes-plugin.js';
import { answerQuery } from './kubernetes-plugin.js';
import { staticUpstream } from './static-upstream.js';
import { KUBE_DNS_UPSTREAM } from '../cluster/node-local-dns.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';

/** kubeadm's CoreDNS pods carry this label; the kube-dns Service selects it. */
export const KUBE_DNS_LABEL = { key: 'k8s-app', value: 'kube-dns' } as const;

/** A DNS server in the World: the namespace whose socket on port 53 answers, and what it is. */
export interface DnsServer {
  netns: string;
  /** "kube-system/coredns-..." for a CoreDNS pod. */
  pod: string | null;
  node: string | null;
  /** What answers there, in words: "CoreDNS (kubernetes plugin)". */
  kind: string;
  /** NodeLocal DNSCache: a cache that forwards misses to this upstream ClusterIP over TCP. */
  cacheUpstream?: string;
}

export interface ClusterDnsServers {
  /** The kube-dns ClusterIP: the nameserver kubelet writes into ClusterFirst pods' resolv.conf. */
  kubeDns: string;
  /** Servers by namespace. */
  servers: Map<string, DnsServer>;
  /** CoreDNS's answer to one question. */
  answer(q: DnsQuestion): DnsResponse;
}

/** The CoreDNS pods of `c` and the answers they give (kubeadm's Corefile for the cluster's domain). */
export function clusterDnsServers(c: CompiledCluster): ClusterDnsServers {
  const view = clusterDnsView(c);
  const cfg = { ...kubeadmSettings(c.spec.domain).kubernetes };
  if (cfg.localIps.length === 0) cfg.localIps = clusterDnsLocalIps(c, view);
  const servers = new Map<string, DnsServer>();
  for (const p of c.pods) {
    if (p.netns === undefined || p.hostNetwork || p.labels[KUBE_DNS_LABEL.key] !== KUBE_DNS_LABEL.value) continue;
    servers.set(p.netns, { netns: p.netns, pod: `${p.namespace}/${p.name}`, node: p.node ?? null, kind: 'CoreDNS (kubernetes plugin)' });
  }
  if (c.spec.nodeLocalDNS === true) {
    const up = c.services.find((x) => x.meta.namespace === KUBE_DNS_UPSTREAM.namespace && x.meta.name === KUBE_DNS_UPSTREAM.name);
    const upstreamIp = up !== undefined && typeof up.clusterIP === 'number' ? formatIpv4(up.clusterIP) : kubeDnsAddress(c);
    for (const n of c.nodes) servers.set(n.netns, { netns: n.netns, pod: null, node: n.name, kind: 'NodeLocal DNSCache', cacheUpstream: upstreamIp });
  }
  // kubeadm's `forward . /etc/resolv.conf` goes to the node's resolver, outside the World: it is taken to
  // know none of the names asked (NXDOMAIN), and its exchange is not traced.
  const upstream = staticUpstream([]);
  return { kubeDns: kubeDnsAddress(c), servers, answer: (q) => answerQuery(view, cfg, q, upstream) };
}
