// NodeLocal DNSCache (k8s.io/dns cmd/node-cache, the node-local-dns DaemonSet): a hostNetwork cache on every
// node that owns a dummy device `nodelocaldns` holding the link-local 169.254.20.10 and the kube-dns ClusterIP,
// answers pods there, and skips conntrack for that traffic with raw-table NOTRACK rules. Because the packets
// are untracked, kube-proxy's nat rules never see them (nf_nat_inet_fn() passes a packet without a conntrack
// entry), so the kube-dns ClusterIP is delivered locally instead of being DNATed. Cache misses go to the
// `kube-dns-upstream` Service (same selector as kube-dns), over TCP (`force_tcp` in its Corefile).

import type { Ipv4Addr } from '../wire/headers.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { NetnsSpec } from '../kernel/netns/world-spec.js';
import type { ServiceObject } from './model.js';

/** The device node-cache creates (`-interfacename nodelocaldns`, netlink.Dummy). */
export const NODE_LOCAL_DNS_DEVICE = 'nodelocaldns';
/** The link-local address of the manifest (`__PILLAR__LOCAL__DNS__`, 169.254.20.10). */
export const NODE_LOCAL_DNS_IP: Ipv4Addr = ((169 << 24) | (254 << 16) | (20 << 8) | 10) >>> 0;
/** The cache's health plugin port (`health 169.254.20.10:8080`), whose probes skip conntrack too. */
export const NODE_LOCAL_DNS_HEALTH_PORT = 8080;
/** The comment node-cache puts on its rules (iptablesCommentSkipConntrack). */
export const NODE_LOCAL_DNS_COMMENT = 'NodeLocal DNS Cache: skip conntrack';
/** The Service node-local-dns.yaml adds for misses: kube-dns's pods under another ClusterIP. */
export const KUBE_DNS_UPSTREAM = { name: 'kube-dns-upstream', namespace: 'kube-system' } as const;

/**
 * The rules of cache_app.go setupIptables(), for each local IP, in its order. node-cache adds each with
 * EnsureRule(Prepend, ...) (`iptables -I`), so they are written here as `-I` and end up reversed, first in
 * their chains, before kube-proxy's jumps.
 */
export function nodeLocalDnsRules(localIps: readonly Ipv4Addr[]): string {
  const raw: string[] = [];
  const filter: string[] = [];
  const c = `-m comment --comment "${NODE_LOCAL_DNS_COMMENT}"`;
  for (const ipNum of localIps) {
    const ip = `${formatIpv4(ipNum)}/32`;
    for (const p of ['tcp', 'udp']) raw.push(`-I PREROUTING -d ${ip} -p ${p} -m ${p} --dport 53 ${c} -j NOTRACK`);
    for (const p of ['tcp', 'udp']) filter.push(`-I INPUT -d ${ip} -p ${p} -m ${p} --dport 53 ${c} -j ACCEPT`);
    for (const p of ['tcp', 'udp']) raw.push(`-I OUTPUT -s ${ip} -p ${p} -m ${p} --sport 53 ${c} -j NOTRACK`);
    for (const p of ['tcp', 'udp']) filter.push(`-I OUTPUT -s ${ip} -p ${p} -m ${p} --sport 53 ${c} -j ACCEPT`);
    // Locally generated queries (hostNetwork pods, the node itself) skip conntrack too.
    for (const p of ['tcp', 'udp']) raw.push(`-I OUTPUT -d ${ip} -p ${p} -m ${p} --dport 53 ${c} -j NOTRACK`);
    raw.push(`-I OUTPUT -d ${ip} -p tcp -m tcp --dport ${NODE_LOCAL_DNS_HEALTH_PORT} ${c} -j NOTRACK`);
    raw.push(`-I OUTPUT -s ${ip} -p tcp -m tcp --sport ${NODE_LOCAL_DNS_HEALTH_PORT} ${c} -j NOTRACK`);
  }
  return ['*raw', ...raw, 'COMMIT', '*filter', ...filter, 'COMMIT', ''].join('\n');
}

/**
 * The dummy device with the local IPs and the cache's sockets. netif.go AddDummyDevice() only adds the link
 * (netlink.Dummy) and AddrAdd()s each IP /32; it never sets it up, so `ip link` shows it DOWN. The addresses
 * are local all the same: fib_add_ifaddr() adds the local-table route before it checks IFF_UP.
 */
export function addNodeLocalDns(ns: NetnsSpec, localIps: readonly Ipv4Addr[]): void {
  ns.links.push({ name: NODE_LOCAL_DNS_DEVICE, type: 'dummy', addresses: localIps.map((addr) => ({ addr, len: 32 })), up: false });
  // `bind 169.254.20.10 10.96.0.10` in each server block: UDP and TCP on 53.
  for (const addr of localIps) for (const proto of ['udp', 'tcp'] as const) ns.listen.push({ proto, port: 53, addr });
  ns.listen.push({ proto: 'tcp', port: NODE_LOCAL_DNS_HEALTH_PORT, addr: localIps[0] });
}

/** kube-dns-upstream as nodelocaldns.yaml declares it: kube-dns's selector and ports, a ClusterIP of its own. */
export function kubeDnsUpstreamService(): ServiceObject {
  return {
    kind: 'Service',
    meta: { name: KUBE_DNS_UPSTREAM.name, namespace: KUBE_DNS_UPSTREAM.namespace, labels: { 'k8s-app': 'kube-dns' }, deleting: false },
    selector: { 'k8s-app': 'kube-dns' },
    type: 'ClusterIP',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
    ],
    publishNotReadyAddresses: false,
  };
}
