// The neutral view of a cluster the DNS answers are computed from: what CoreDNS's kubernetes plugin watches
// (Services, EndpointSlices, Pods, Namespaces), already reduced to the fields it reads. Adapters build it from
// the cluster model (cluster-view.ts) and from the CoreDNS peer suite's fixture (fixture-view.ts).

export interface DnsPort {
  /** The port's name ('' when unnamed). */
  name: string;
  /** 'TCP' | 'UDP' | 'SCTP', compared case-insensitively (CoreDNS strings.EqualFold). */
  protocol: string;
  port: number;
}

export interface DnsService {
  name: string;
  namespace: string;
  type: 'ClusterIP' | 'ExternalName';
  /** spec.clusterIPs; empty for ExternalName. */
  clusterIPs: string[];
  /** clusterIP None. */
  headless: boolean;
  ports: DnsPort[];
  /** spec.externalName. */
  externalName?: string;
}

export interface DnsEndpointAddress {
  ip: string;
  /** endpoints[].hostname. */
  hostname?: string;
  /** The targetRef pod's name (for `endpoint_pod_names`). */
  podName?: string;
  /** endpoints[].zone (topology), for the `zonal` option. */
  zone?: string;
  /** conditions.ready (nil counts as ready). */
  ready: boolean;
}

export interface DnsEndpointSlice {
  name: string;
  /** The label kubernetes.io/service-name. */
  service: string;
  namespace: string;
  addresses: DnsEndpointAddress[];
  ports: DnsPort[];
}

export interface DnsPod {
  name: string;
  namespace: string;
  ip: string;
}

export interface DnsView {
  /** Namespaces that exist. */
  namespaces: string[];
  services: DnsService[];
  endpointSlices: DnsEndpointSlice[];
  pods: DnsPod[];
  /** false before the informers' first sync: would-be NXDOMAIN answers become SERVFAIL. */
  synced: boolean;
  /** The SOA serial: CoreDNS uses the Unix time of the last API change (Modified()). */
  serial: number;
}
