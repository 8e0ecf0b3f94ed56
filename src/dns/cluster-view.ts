// Adapter from a compiled Cluster (src/cluster/compile.ts) to the DNS view: Services, EndpointSlices, Pods and
// Namespaces as CoreDNS's informers would list them.

import type { CompiledCluster } from '../cluster/compile.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { DnsView } from './view.js';

/** Namespaces every cluster has (kube-apiserver creates them at start). */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export function clusterDnsView(c: CompiledCluster): DnsView {
  const ns = new Set<string>(SYSTEM_NAMESPACES);
  for (const o of c.spec.objects) ns.add(o.meta.namespace === '' ? o.meta.name : o.meta.namespace);
  for (const o of c.spec.objects) if (o.kind === 'Namespace') ns.add(o.meta.name);
  for (const p of c.pods) ns.add(p.namespace);
  return {
    namespaces: [...ns].sort(),
    services: c.services.map((s) => ({
      name: s.meta.name,
      namespace: s.meta.namespace,
      type: s.type === 'ExternalName' ? 'ExternalName' : 'ClusterIP',
      headless: s.clusterIP === 'None',
      clusterIPs: typeof s.clusterIP === 'number' && s.type !== 'ExternalName' ? [formatIpv4(s.clusterIP)] : [],
      ports: s.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol, port: p.port })),
      ...(s.externalName !== undefined ? { externalName: s.externalName } : {}),
    })),
    endpointSlices: c.endpointSlices.map((sl) => ({
      name: sl.meta.name,
      service: sl.serviceName,
      namespace: sl.meta.namespace,
      addresses: sl.endpoints.flatMap((e) =>
        e.addresses.map((a) => ({
          ip: formatIpv4(a),
          ready: e.conditions.ready,
          ...(e.hostname !== undefined ? { hostname: e.hostname } : {}),
          ...(e.pod !== undefined ? { podName: e.pod.slice(e.pod.indexOf('/') + 1) } : {}),
        })),
      ),
      ports: sl.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol, port: p.port })),
    })),
    pods: c.pods.filter((p) => p.ip !== undefined).map((p) => ({ name: p.name, namespace: p.namespace, ip: formatIpv4(p.ip!) })),
    synced: true,
    // No wall clock here: the serial is the virtual time of the last API change, the start.
    serial: 1,
  };
}

/** The kube-dns ClusterIP kubeadm uses: the 10th address of the service CIDR (10.96.0.10). */
export function kubeDnsAddress(c: CompiledCluster): string {
  const svc = c.services.find((s) => s.meta.namespace === 'kube-system' && s.meta.name === 'kube-dns' && typeof s.clusterIP === 'number');
  if (svc !== undefined && typeof svc.clusterIP === 'number') return formatIpv4(svc.clusterIP);
  const base = c.spec.serviceCIDR.addr >>> 0;
  const mask = c.spec.serviceCIDR.len === 0 ? 0 : (0xffffffff << (32 - c.spec.serviceCIDR.len)) >>> 0;
  return formatIpv4(((base & mask) + 10) >>> 0);
}

/** CoreDNS's own addresses: the kube-dns endpoints when the cluster runs CoreDNS pods, else the kube-dns VIP. */
export function clusterDnsLocalIps(c: CompiledCluster, view: DnsView): string[] {
  const eps = view.endpointSlices
    .filter((s) => s.namespace === 'kube-system' && s.service === 'kube-dns')
    .flatMap((s) => s.addresses.filter((a) => a.ready).map((a) => a.ip));
  return eps.length > 0 ? eps : [kubeDnsAddress(c)];
}
