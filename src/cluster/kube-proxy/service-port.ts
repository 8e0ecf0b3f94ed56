// One Service port as the proxier sees it (pkg/proxy/serviceport.go BaseServicePortInfo, newBaseServiceInfo()
// in servicechangetracker.go): addresses of the proxier's family only, parsed sloppily, plus the chain names.

import type { EndpointChainNames, ServiceChainNames } from './chain-names.js';
import { addressTexts, familyOfText } from './address-texts.js';
import { parseCidrSloppy } from './ip-sloppy.js';
import { portNames, serviceName } from './service-names.js';
import type { PortNames } from './service-names.js';
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

/** No addresses, no source ranges, no ports: one (frozen) array for every port without them, rather than one each. */
const NO_PORTS = Object.freeze([]) as readonly ServicePortInfo[];
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

let interning = true;

/** Tests: false makes every port a new ServicePortInfo (the plain path the shared ones are held to). */
export function setServicePortInterning(on: boolean): void {
  interning = on;
}

/** No source ranges on either side (ParsedCidr objects are made per event: a port with ranges is made anew). */
function sameTexts(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The values of a Service its ports share (made once per Service, not per port). */
interface PortValues {
  nn: string;
  cip: string;
  vips: string[];
  ranges: ParsedCidr[];
  externalIPs: string[];
  eTPLocal: boolean;
  iTPLocal: boolean;
  healthCheck: number;
  affinity: number | null;
}

/** Whether `last` holds these values (a port with source ranges never does: its ParsedCidrs are made per event). */
function holds(last: ServicePortInfo, p: Service['ports'][number], v: PortValues): boolean {
  return last.clusterIP === v.cip && last.port === p.port && last.nodePort === (p.nodePort ?? 0)
    && last.externalPolicyLocal === v.eTPLocal && last.internalPolicyLocal === v.iTPLocal
    && last.healthCheckNodePort === v.healthCheck && last.affinitySeconds === v.affinity
    && sameTexts(last.externalIPs, v.externalIPs) && sameTexts(last.loadBalancerVIPs, v.vips)
    && last.loadBalancerSourceRanges === NO_RANGES && v.ranges === NO_RANGES;
}

/**
 * The port's info: its last one (kept on its PortNames, service-names.ts) when it holds the same values. A
 * ServicePortInfo is a pure function of them and never changed once made (a change of the Service replaces it),
 * so every event and proxier of the process with that port shares one object rather than making one per event
 * (each would outlive the young generation with the proxier's service map). The key, names, protocol and chains
 * are the PortNames' own.
 */
function portInfo(pn: PortNames, p: Service['ports'][number], protocol: ServiceProtocol, v: PortValues): ServicePortInfo {
  const last = interning ? pn.info : null;
  if (last !== null && holds(last, p, v)) return last;
  const names = pn.chains;
  const info: ServicePortInfo = {
    key: pn.key,
    service: v.nn,
    name: pn.name,
    portName: p.name,
    protocol,
    proto: lowerProtocol(protocol),
    clusterIP: v.cip,
    port: p.port,
    nodePort: p.nodePort ?? 0,
    externalIPs: v.externalIPs,
    loadBalancerVIPs: v.vips,
    loadBalancerSourceRanges: v.ranges,
    externalPolicyLocal: v.eTPLocal,
    internalPolicyLocal: v.iTPLocal,
    healthCheckNodePort: v.healthCheck,
    affinitySeconds: v.affinity,
    chains: names.chains,
    endpointChains: names.endpoints,
  };
  if (interning) {
    pn.info = info;
    pn.only = null;
  }
  return info;
}

/**
 * The Service's ports for a proxier of `family` (none when its cluster IP is of the other family); `nn`: its
 * `ns/name` (serviceName()) when the caller has it. Read only: a Service of one port whose info is shared gets
 * the list last made of it.
 */
export function servicePortsOf(svc: Service, family: IpFamily, nn?: string): readonly ServicePortInfo[] {
  if (shouldSkipService(svc)) return NO_PORTS;
  // ParseIPSloppy()'s text, kept per address (address-texts.ts: the same string object for every proxier).
  const cip = addressTexts(svc.clusterIP).ip;
  if (cip === undefined || familyOfText(cip) !== family) return NO_PORTS;
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
  const v: PortValues = {
    nn: nn ?? serviceName(svc.namespace, svc.name),
    cip,
    vips,
    ranges,
    // Shared by the Service's ports, as vips and ranges are (never changed once made).
    externalIPs: svc.externalIPs === undefined ? NO_ADDRESSES : familyAddresses(svc.externalIPs, family),
    eTPLocal,
    iTPLocal: svc.internalTrafficPolicy === 'Local',
    healthCheck: needsHealthCheck ? svc.healthCheckNodePort ?? 0 : 0,
    affinity: svc.sessionAffinity === 'ClientIP' ? svc.sessionAffinityTimeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS : null,
  };
  const ports = svc.ports;
  if (ports.length === 1) {
    const p = ports[0];
    const protocol = p.protocol ?? 'TCP';
    // The same string objects for every proxier and event (service-names.ts).
    const pn = portNames(v.nn, p.name, protocol);
    const info = portInfo(pn, p, protocol, v);
    if (!interning) return [info];
    // The list is kept with the info it holds (sharedInfo() drops it when the info changes).
    return (pn.only ??= [info]);
  }
  const out: ServicePortInfo[] = new Array<ServicePortInfo>(ports.length);
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i];
    const protocol = p.protocol ?? 'TCP';
    out[i] = portInfo(portNames(v.nn, p.name, protocol), p, protocol, v);
  }
  return out;
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
