// One Service port as the proxier sees it (pkg/proxy/serviceport.go BaseServicePortInfo, newBaseServiceInfo()
// in servicechangetracker.go): addresses of the proxier's family only, parsed sloppily, plus the chain names.

import type { EndpointChainNames, ServiceChainNames } from './chain-names.js';
import { addressTexts, familyOfText } from './address-texts.js';
import { parseCidrSloppy } from './ip-sloppy.js';
import { portNames, serviceName } from './service-names.js';
import type { ParsedCidr } from './ip-sloppy.js';
import type { IpFamily, Service, ServiceProtocol } from './types.js';

/** The API default for spec.sessionAffinityConfig.clientIP.timeoutSeconds (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

export interface ServicePortInfo {
  /** Map key, unique per port and protocol: `ns/name:port/TCP`. */
  key: string;
  /** `ns/name`: what the change trackers report as changed. */
  service: string;
  /** ServicePortName.String(): `ns/name:port`, or `ns/name` for an unnamed port. */
  name: string;
  portName: string;
  protocol: ServiceProtocol;
  /** Lowercase, as written after -p and -m. */
  proto: string;
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerVIPs: string[];
  loadBalancerSourceRanges: ParsedCidr[];
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  healthCheckNodePort: number;
  /** null: no session affinity; else the ClientIP timeout in seconds. */
  affinitySeconds: number | null;
  chains: ServiceChainNames;
  /**
   * The KUBE-SEP names of this port's endpoints (servicePortEndpointChainName(), remembered per process, shared by
   * every port of the same name and protocol). Holds no data of the port (its JSON is `{}`).
   */
  endpointChains: EndpointChainNames;
}

/** No addresses, no source ranges: one (frozen) array for every port without them, rather than one each. */
const NO_ADDRESSES = Object.freeze([]) as unknown as string[];
const NO_RANGES = Object.freeze([]) as unknown as ParsedCidr[];

/** The addresses' ParseIPSloppy() texts of `family`, each once, in order (a module function: no closure per Service). */
function familyAddresses(xs: readonly string[], family: IpFamily): string[] {
  if (xs.length === 0) return NO_ADDRESSES;
  const out: string[] = [];
  for (const x of xs) {
    const p = addressTexts(x).ip;
    if (p !== undefined && familyOfText(p) === family && !out.includes(p)) out.push(p);
  }
  return out;
}

/** The protocols' lowercase texts: one string each rather than one per port. */
const LOWER = new Map<string, string>();
function lowerProtocol(protocol: string): string {
  let t = LOWER.get(protocol);
  if (t === undefined) {
    t = protocol.toLowerCase();
    // Only a few protocols exist; a Service object could name any text, so the memo stays small.
    if (LOWER.size < 16) LOWER.set(protocol, t);
  }
  return t;
}

/** ShouldSkipService(): headless and ExternalName Services get no rules. */
export function shouldSkipService(svc: Service): boolean {
  const ip = svc.clusterIP.trim();
  return ip === '' || ip === 'None' || svc.type === 'ExternalName';
}

/** The Service's ports for a proxier of `family` (none when its cluster IP is of the other family). */
export function servicePortsOf(svc: Service, family: IpFamily): ServicePortInfo[] {
  if (shouldSkipService(svc)) return [];
  // ParseIPSloppy()'s text, kept per address (address-texts.ts: the same string object for every proxier).
  const cip = addressTexts(svc.clusterIP).ip;
  if (cip === undefined || familyOfText(cip) !== family) return [];
  const type = svc.type ?? 'ClusterIP';
  // ipMode Proxy: the load balancer terminates the connection, so no VIP rule (KEP-1860).
  const ingress = svc.loadBalancerIngress;
  const vips = ingress === undefined || ingress.length === 0 ? NO_ADDRESSES : familyAddresses(ingress.filter((i) => i.ipMode !== 'Proxy' && i.ip).map((i) => i.ip!), family);
  let ranges: ParsedCidr[] = NO_RANGES;
  const sourceRanges = svc.loadBalancerSourceRanges;
  if (sourceRanges !== undefined) {
    for (const r of sourceRanges) {
      const c = parseCidrSloppy(r);
      if (c && c.family === family) {
        if (ranges === NO_RANGES) ranges = [];
        ranges.push(c);
      }
    }
  }
  const eTPLocal = (type === 'NodePort' || type === 'LoadBalancer') && svc.externalTrafficPolicy === 'Local';
  const needsHealthCheck = type === 'LoadBalancer' && svc.externalTrafficPolicy === 'Local';
  const affinity = svc.sessionAffinity === 'ClientIP' ? svc.sessionAffinityTimeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS : null;
  const nn = serviceName(svc.namespace, svc.name);
  // Shared by the Service's ports, as vips and ranges are (never changed once made).
  const externalIPs = svc.externalIPs === undefined ? NO_ADDRESSES : familyAddresses(svc.externalIPs, family);
  return svc.ports.map((p) => {
    const protocol = p.protocol ?? 'TCP';
    // The same string objects for every proxier and event (service-names.ts).
    const pn = portNames(nn, p.name, protocol);
    const names = pn.chains;
    const name = pn.name;
    return {
      key: pn.key,
      service: nn,
      name,
      portName: p.name,
      protocol,
      proto: lowerProtocol(protocol),
      clusterIP: cip,
      port: p.port,
      nodePort: p.nodePort ?? 0,
      externalIPs,
      loadBalancerVIPs: vips,
      loadBalancerSourceRanges: ranges,
      externalPolicyLocal: eTPLocal,
      internalPolicyLocal: svc.internalTrafficPolicy === 'Local',
      healthCheckNodePort: needsHealthCheck ? svc.healthCheckNodePort ?? 0 : 0,
      affinitySeconds: affinity,
      chains: names.chains,
      endpointChains: names.endpoints,
    };
  });
}

/** ExternallyAccessible(): a node port, a load balancer VIP or an external IP (spec.type is not looked at). */
export function externallyAccessible(s: ServicePortInfo): boolean {
  return s.nodePort !== 0 || s.loadBalancerVIPs.length > 0 || s.externalIPs.length > 0;
}

export function usesClusterEndpoints(s: ServicePortInfo): boolean {
  return !s.internalPolicyLocal || externallyAccessible(s);
}

export function usesLocalEndpoints(s: ServicePortInfo): boolean {
  return s.internalPolicyLocal || (s.externalPolicyLocal && externallyAccessible(s));
}
