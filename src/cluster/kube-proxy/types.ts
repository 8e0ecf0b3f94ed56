// Inputs of kube-proxy's iptables reconciler, shaped like the Kubernetes API objects it watches (a subset of
// core/v1 Service and discovery.k8s.io/v1 EndpointSlice) and the proxier's own flags
// (pkg/proxy/iptables/proxier.go NewProxier()).

export type IpFamily = 'IPv4' | 'IPv6';
export type ServiceProtocol = 'TCP' | 'UDP' | 'SCTP';
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';

/** One entry of spec.ports. */
export interface ServicePort {
  /** "" when the Service has a single unnamed port. */
  name: string;
  port: number;
  /** Default TCP. */
  protocol?: ServiceProtocol;
  /** 0 or absent: none. */
  nodePort?: number;
  /** Kept for completeness: kube-proxy DNATs to the EndpointSlice port, never to this. */
  targetPort?: number | string;
}

/** status.loadBalancer.ingress[] */
export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  /** `Proxy`: the load balancer proxies, so kube-proxy writes no rule for the VIP (KEP-1860). */
  ipMode?: 'VIP' | 'Proxy' | null;
}

export interface Service {
  namespace: string;
  name: string;
  /** Default ClusterIP. */
  type?: ServiceType;
  /** `None` (headless) or "" get no rules (pkg/proxy/util ShouldSkipService()). */
  clusterIP: string;
  externalIPs?: string[];
  loadBalancerIngress?: LoadBalancerIngress[];
  loadBalancerSourceRanges?: string[];
  externalTrafficPolicy?: TrafficPolicy | null;
  internalTrafficPolicy?: TrafficPolicy | null;
  sessionAffinity?: 'None' | 'ClientIP';
  /** spec.sessionAffinityConfig.clientIP.timeoutSeconds; null: the API default 10800. */
  sessionAffinityTimeoutSeconds?: number | null;
  /** Honoured only for type LoadBalancer with externalTrafficPolicy Local (NeedsHealthCheck()). */
  healthCheckNodePort?: number;
  ports: ServicePort[];
}

/** An endpoint's conditions; null means kube-proxy's default (ready and serving true, terminating false). */
export interface EndpointConditions {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

export interface Endpoint {
  /** Only addresses[0] is used (endpointslicecache.go). */
  addresses: string[];
  nodeName?: string | null;
  conditions?: EndpointConditions;
}

export interface EndpointSlicePort {
  name: string;
  port: number | null;
  protocol?: ServiceProtocol;
}

export interface EndpointSlice {
  namespace: string;
  /** The kubernetes.io/service-name label. */
  service: string;
  name: string;
  addressType: IpFamily | 'FQDN';
  endpoints: Endpoint[];
  ports: EndpointSlicePort[];
}

/** How kube-proxy tells pod traffic apart (pkg/proxy/util/localdetector.go). */
export type LocalTrafficDetector =
  | { kind: 'cidr'; cidr: string }
  | { kind: 'bridge'; interface: string }
  | { kind: 'interface-prefix'; prefix: string }
  | { kind: 'none' };

export interface ProxierConfig {
  family: IpFamily;
  nodeName: string;
  /** The node's primary IP (the FW chain's "allow from node" check). */
  nodeIP: string;
  /** The node's interfaces and their addresses (CIDR form), for --nodeport-addresses. */
  interfaces: Record<string, string[]>;
  localDetector: LocalTrafficDetector;
  /** --iptables-masquerade-bit, default 14: mark 0x4000. */
  masqueradeBit: number;
  /**
   * The mark as written in the rules. Unset: kube-proxy's fmt.Sprintf("%#08x", 1<<bit), `0x00004000`
   * (iptables-save prints it back as 0x4000); NewFakeProxier() sets `0x4000` directly.
   */
  masqueradeMark?: string;
  masqueradeAll: boolean;
  /** --iptables-localhost-nodeports (IPv4 only; default true). */
  localhostNodePorts: boolean;
  /** --nodeport-addresses; null or empty: every local address. */
  nodePortAddresses: string[] | null;
  /** sysctl net.netfilter.nf_conntrack_tcp_be_liberal != 0: no KUBE-FORWARD INVALID drop. */
  conntrackTCPLiberal: boolean;
  /** iptables supports MASQUERADE --random-fully. */
  hasRandomFully: boolean;
  /** The nfacct counters kube-proxy managed to create. */
  nfacctCounters: { ct_state_invalid_dropped_pkts: boolean; localhost_nps_accepted_pkts: boolean };
  /** Above this many endpoints the SEP comments are dropped (largeClusterEndpointsThreshold). */
  largeClusterEndpointsThreshold: number;
  /** Seconds between forced full syncs (proxyutil.FullSyncPeriod, one hour). */
  fullSyncPeriodSeconds: number;
  /** --iptables-sync-period: the stale chain clean-up runs at most this often in large-cluster mode. */
  syncPeriodSeconds: number;
}

/** kube-proxy's defaults (cmd/kube-proxy options; proxier_test.go NewFakeProxier() for the node). */
export function defaultProxierConfig(over: Partial<ProxierConfig> = {}): ProxierConfig {
  return {
    family: 'IPv4',
    nodeName: 'test-node',
    nodeIP: '192.168.0.2',
    interfaces: {},
    localDetector: { kind: 'none' },
    masqueradeBit: 14,
    masqueradeAll: false,
    localhostNodePorts: true,
    nodePortAddresses: null,
    conntrackTCPLiberal: false,
    hasRandomFully: false,
    nfacctCounters: { ct_state_invalid_dropped_pkts: false, localhost_nps_accepted_pkts: false },
    largeClusterEndpointsThreshold: 1000,
    fullSyncPeriodSeconds: 3600,
    syncPeriodSeconds: 30,
    ...over,
  };
}
