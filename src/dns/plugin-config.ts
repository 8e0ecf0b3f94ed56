// The kubernetes plugin's settings (CoreDNS plugin/kubernetes/setup.go), as a Corefile block sets them.

export type PodMode = 'disabled' | 'insecure' | 'verified';

export interface KubernetesPluginConfig {
  /** Authoritative zones, lowercase and fully qualified; the first non-reverse one is the primary zone. */
  zones: string[];
  /** Record TTL and SOA minttl (CoreDNS default 5, kubeadm 30). */
  ttl: number;
  pods: PodMode;
  /** `namespaces a b`: only these are exposed; empty: all. */
  namespaces: string[];
  endpointPodNames: boolean;
  noEndpoints: boolean;
  ignoreEmptyService: boolean;
  /** `fallthrough [zones]`: undefined off; [] every zone. */
  fallthrough?: string[];
  /** `zonal`: answer `<topozone>.pin|prefer._zone.<headless-svc>...` (CoreDNS-only, after v1.14.7). */
  zonal?: boolean;
  /** The server's own addresses (CoreDNS's local IPs), for `<zone> NS` and `ns.dns.<zone>`. */
  localIps: string[];
}

/** CoreDNS's defaults for a bare `kubernetes cluster.local` block (setup.go: defaultTTL 5, pods disabled). */
export function defaultPluginConfig(zones: string[] = ['cluster.local.']): KubernetesPluginConfig {
  return {
    zones: zones.map((z) => (z.endsWith('.') ? z : `${z}.`).toLowerCase()),
    ttl: 5,
    pods: 'disabled',
    namespaces: [],
    endpointPodNames: false,
    noEndpoints: false,
    ignoreEmptyService: false,
    localIps: [],
  };
}
