// A Cluster as packetwalk reads it: the machines (nodes on an underlay, external hosts), the cluster-wide
// settings, and the Kubernetes objects, already checked field by field. `compileCluster` turns it into the
// WorldSpec the kernel model runs. Everything here is plain data, so a later change (scale a Deployment,
// flip a readiness) is a new ClusterSpec compiled again.

import type { Ipv4Addr, Ipv4Prefix } from '../wire/headers.js';
import type { ListenSpec, NeighSpec, RouteSpec } from '../kernel/netns/world-spec.js';

export const CLUSTER_NETWORKS = ['flannel-vxlan', 'flannel-host-gw', 'docker-bridge'] as const;
export type ClusterNetwork = (typeof CLUSTER_NETWORKS)[number];

/**
 * Where an object was written, for messages after reading (an unknown nodeName, an address outside the
 * node's range). Opaque here: the reader that made it knows how to point at it.
 */
export type Origin = unknown;

export interface ClusterSpec {
  name: string;
  podCIDR: Ipv4Prefix;
  serviceCIDR: Ipv4Prefix;
  domain: string;
  network: ClusterNetwork;
  /** The CNI bridge plugin's delegate options (flannel's conflist: hairpinMode true). */
  cni: { hairpinMode: boolean };
  /** flanneld `--ip-masq` (on in kube-flannel.yml): FLANNEL-POSTRTG masquerades pod traffic leaving the cluster. */
  flannel: { ipMasq: boolean };
  /**
   * NodeLocal DNSCache on every node (src/cluster/node-local-dns.ts): the `nodelocaldns` dummy device with
   * 169.254.20.10 and the kube-dns ClusterIP, its NOTRACK rules, and the `kube-dns-upstream` Service.
   */
  nodeLocalDNS?: boolean;
  /** kube-proxy on every node (DESIGN §4 `kubeProxy`); unset: mode iptables with kube-proxy's defaults. */
  kubeProxy?: KubeProxySettings;
  /**
   * The NetworkPolicy controller on every node (kube-router's firewall): `auto` (unset) runs it once some
   * NetworkPolicy exists, `kube-router` always, `none` never (flannel alone: policies have no effect).
   */
  networkPolicy?: 'auto' | 'kube-router' | 'none';
  underlay: { cidr: Ipv4Prefix; gateway?: Ipv4Addr; mtu: number };
  nodes: NodeSpec[];
  externals: ExternalSpec[];
  objects: KubeObject[];
  patches: PatchSpec[];
}

export interface KubeProxySettings {
  /** `none`: no kube-proxy (Services get no rules). */
  mode: 'iptables' | 'none';
  /** --masquerade-all. */
  masqueradeAll: boolean;
  /** --iptables-localhost-nodeports (default true). */
  localhostNodePorts: boolean;
  /**
   * After a timeline sync that changed UDP endpoints, run kube-proxy's conntrack reconciler
   * (pkg/proxy/conntrack CleanStaleEntries, v1.32+) on the node's table (default true); false shows the
   * behaviour without it: stale UDP entries live until their timeout.
   */
  conntrackCleanup: boolean;
}

export interface NodeSpec {
  name: string;
  ip: Ipv4Addr;
  /** spec.podCIDR; allocated in order from the cluster's podCIDR (/24 each) when not given. */
  podCIDR?: Ipv4Prefix;
  sysctls: Record<string, number>;
  /** filter FORWARD policy; unset: ACCEPT, or on a Docker host DROP (dockerd turned ip_forward on itself). */
  forwardPolicy?: 'ACCEPT' | 'DROP';
  /** `network: docker-bridge`: the Docker daemon's settings, networks and containers on this host. */
  docker?: DockerHostSpec;
  /** Sockets of node processes (kubelet, sshd...), beyond those of hostNetwork pods. */
  listen: ListenSpec[];
  origin?: Origin;
}

export interface DockerHostSpec {
  /** dockerd --icc (default true): containers on one bridge may talk to each other. */
  icc: boolean;
  /** dockerd --userland-proxy (default true): docker-proxy listens on published ports. */
  userlandProxy: boolean;
  /** User-defined bridge networks (`docker network create`), in creation order. */
  networks: DockerNetworkSpec[];
  containers: DockerContainerSpec[];
}

export interface DockerNetworkSpec {
  name: string;
  /** Allocated from the default pools (172.17.0.0/16 is docker0's, then 172.18.0.0/16, ...) when not given. */
  subnet?: Ipv4Prefix;
  origin?: Origin;
}

export interface DockerPublish {
  protocol: 'tcp' | 'udp';
  hostIP?: Ipv4Addr;
  hostPort: number;
  containerPort: number;
}

export interface DockerContainerSpec {
  name: string;
  /** `bridge` (docker0) or a user-defined network's name. */
  network: string;
  /** Lowest free address of the network (defaultipam, non-serial) when not given. */
  ip?: Ipv4Addr;
  /** `docker run -p [IP:]HOSTPORT:CONTAINERPORT[/PROTO]`. */
  publish: DockerPublish[];
  listen: ListenSpec[];
  origin?: Origin;
}

export interface ExternalSpec {
  name: string;
  ip: Ipv4Addr;
  routes: RouteSpec[];
  listen: ListenSpec[];
  /** This host is a cloud load balancer in front of the nodes (the LoadBalancer hop). */
  loadBalancer?: LoadBalancerSpec;
  origin?: Origin;
}

/**
 * A cloud load balancer for one Service of type LoadBalancer. `nodeport`: it owns the VIPs and DNATs each
 * Service port to a node's NodePort, masquerading to its own address (a cloud NLB in instance mode without
 * client IP preservation, a classic ELB); `vip`: it routes the VIPs unchanged to a node (a pass-through LB
 * as GCP's or MetalLB's), so the node's KUBE-SERVICES rules for the ingress IP take them.
 */
export interface LoadBalancerSpec {
  /** status.loadBalancer.ingress the cloud controller writes into the Service. */
  vips: Ipv4Addr[];
  mode: 'nodeport' | 'vip';
  /** The Service, `NAME` or `NAME.NAMESPACE`. */
  service: string;
  /** Target nodes (default all); `vip` mode sends to the first. */
  nodes?: string[];
}

/** Extra state for one compiled namespace (DESIGN §4 `patches`): the "what if this knob were different". */
export interface PatchSpec {
  /** `node/NAME`, `pod/NAME`, `NS/NAME` or `ext/NAME`. */
  target: string;
  sysctls: Record<string, number>;
  routes: RouteSpec[];
  neigh: NeighSpec[];
  /** iptables-restore text applied after the components' own rules. */
  iptables?: string;
  listen: ListenSpec[];
  origin?: Origin;
  /** Where the iptables text is (a block scalar): a node's patch is checked against the node's rules there. */
  iptablesOrigin?: Origin;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** metadata.deletionTimestamp given: the object is terminating. */
  deleting: boolean;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
  hostPort?: number;
  hostIP?: Ipv4Addr;
}

export interface ContainerSpec {
  name: string;
  ports: ContainerPort[];
}

export interface PodTemplate {
  labels: Record<string, string>;
  spec: PodSpecK;
}

/** The part of a Pod's spec the dataplane depends on. */
export interface PodSpecK {
  nodeName?: string;
  hostNetwork: boolean;
  hostname?: string;
  subdomain?: string;
  containers: ContainerSpec[];
  /** spec.dnsPolicy; undefined means ClusterFirst (the API default). */
  dnsPolicy?: DnsPolicy;
  /** spec.dnsConfig, merged by kubelet on top of the policy's resolv.conf. */
  dnsConfig?: PodDnsConfig;
}

export type DnsPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

export interface PodDnsConfig {
  nameservers: string[];
  searches: string[];
  options: { name: string; value?: string }[];
}

export interface PodStatus {
  podIP?: Ipv4Addr;
  /** status.conditions[type=Ready], or the shorthand `status.ready`; true when neither is given. */
  ready: boolean;
}

export interface PodObject {
  kind: 'Pod';
  meta: ObjectMeta;
  spec: PodSpecK;
  status: PodStatus;
  origin?: Origin;
  /** The controller that made it ("Deployment/web"), for traces and `net show`. */
  owner?: string;
}

export interface WorkloadObject {
  kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';
  meta: ObjectMeta;
  replicas: number;
  selector: Record<string, string>;
  template: PodTemplate;
  /** StatefulSet only. */
  serviceName?: string;
  /** Pods of this workload deleted by a timeline step: their names are never drawn again (a replacement gets a new one). */
  retiredPods?: string[];
  /** Pods of this workload whose Ready condition a timeline step turned off. */
  unreadyPods?: string[];
  /**
   * Running pods of this workload, by name: the node they were scheduled on and the address host-local gave
   * them, which a later change (a scale, a node joining) never moves. Set by the timeline between compiles.
   */
  podPins?: Record<string, { node: string; ip?: Ipv4Addr }>;
  origin?: Origin;
}

export interface ServicePort {
  name?: string;
  port: number;
  protocol: Protocol;
  /** A number, or a container port's name resolved per pod. */
  targetPort: number | string;
  nodePort?: number;
}

export interface ServiceObject {
  kind: 'Service';
  meta: ObjectMeta;
  /** undefined: no selector (endpoints managed by hand). */
  selector?: Record<string, string>;
  clusterIP?: Ipv4Addr | 'None';
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** spec.externalName (type ExternalName): served by cluster DNS as a CNAME; kube-proxy ignores the Service. */
  externalName?: string;
  ports: ServicePort[];
  publishNotReadyAddresses: boolean;
  /** spec.externalIPs. */
  externalIPs?: Ipv4Addr[];
  /** spec.externalTrafficPolicy (NodePort and LoadBalancer; default Cluster). */
  externalTrafficPolicy?: 'Cluster' | 'Local';
  /** spec.internalTrafficPolicy (default Cluster). */
  internalTrafficPolicy?: 'Cluster' | 'Local';
  /** spec.sessionAffinity (default None). */
  sessionAffinity?: 'None' | 'ClientIP';
  /** spec.sessionAffinityConfig.clientIP.timeoutSeconds (default 10800). */
  sessionAffinityTimeoutSeconds?: number;
  /** spec.loadBalancerSourceRanges. */
  loadBalancerSourceRanges?: string[];
  /** status.loadBalancer.ingress[].ip: the VIPs the cloud load balancer gave the Service. */
  loadBalancerIngress?: Ipv4Addr[];
  origin?: Origin;
}

export interface EndpointConditions {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export interface EndpointK {
  addresses: Ipv4Addr[];
  conditions: EndpointConditions;
  nodeName?: string;
  /** targetRef to a Pod, as `NS/NAME`. */
  pod?: string;
  hostname?: string;
}

export interface EndpointSliceObject {
  kind: 'EndpointSlice';
  meta: ObjectMeta;
  /** The label kubernetes.io/service-name. */
  serviceName: string;
  ports: { name?: string; port: number; protocol: Protocol }[];
  endpoints: EndpointK[];
  origin?: Origin;
}

export interface NamespaceObject {
  kind: 'Namespace';
  meta: ObjectMeta;
  origin?: Origin;
}

/** A label selector (metav1.LabelSelector): matchLabels AND every matchExpression. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** networking.k8s.io/v1 NetworkPolicyPeer: a selector pair, or an ipBlock (validation keeps them apart). */
export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: Ipv4Prefix; except: Ipv4Prefix[] };
}

/** NetworkPolicyPort after defaulting: protocol TCP when unset; `port` absent means every port of the protocol. */
export interface NetworkPolicyPort {
  protocol: Protocol;
  port?: number | string;
  endPort?: number;
}

/** One ingress or egress rule: `peers` empty means any peer, `ports` empty means every port. */
export interface NetworkPolicyRule {
  peers: NetworkPolicyPeer[];
  ports: NetworkPolicyPort[];
}

/** networking.k8s.io/v1 NetworkPolicy after API defaulting (pkg/apis/networking/v1/defaults.go). */
export interface NetworkPolicyObject {
  kind: 'NetworkPolicy';
  meta: ObjectMeta;
  podSelector: LabelSelector;
  policyTypes: ('Ingress' | 'Egress')[];
  ingress: NetworkPolicyRule[];
  egress: NetworkPolicyRule[];
  origin?: Origin;
}

export type KubeObject = PodObject | WorkloadObject | ServiceObject | EndpointSliceObject | NamespaceObject | NetworkPolicyObject;
