// A plain service port's whole share of a sync's text (proxier.go syncProxyRules() for one ClusterIP port: its
// KUBE-SERVICES jump, chain lines, masquerade rule, endpoint jumps and SEP rules) is a pure function of a few
// values: the port's name, protocol, cluster IP and port (what its PortLines record of line-memo.ts is kept for),
// its endpoints' texts, addresses and conditions, two settings of the proxier (--masquerade-all and the
// local-traffic detector) and largeClusterMode. So each port's record keeps the pieces its last render wrote to
// each part, with every value they were made from, and a render of the same port from the same values (another
// node's proxier, a fresh proxier of the same process, the next full sync) writes those pieces again instead of
// making each line. Each part's pieces are kept joined, so that the sync's text is joined from a few pieces per
// port rather than one per line.
//
// Only ports without node ports, external or load-balancer addresses, Local traffic policies, health check or
// session affinity are kept: the others read more of the Service and the proxier's configuration. A record is
// kept only for a port rendered once before by the process (the first render of every port keeps nothing), so
// a process that renders each port once (a cluster compiled once) holds no more than before.

import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

let enabled = true;

/** false: every plain port is rendered line by line and nothing is kept (the plain path the block is tested against). */
export function setPortBlocks(on: boolean): void {
  enabled = on;
}

export function portBlocksEnabled(): boolean {
  return enabled;
}

/** One part's pieces of a port's render, as PartText took them, joined (one piece to write, not a dozen). */
export interface BlockPart {
  readonly text: string;
  /** The lines it makes. */
  readonly lines: number;
}

/** A part the port writes nothing to. */
export const EMPTY_PART: BlockPart = { text: '', lines: 0 };

/** What a plain port's render wrote, and every value it was made from apart from its PortLines record's own. */
export interface PortBlock {
  readonly masqueradeAll: boolean;
  /** The local-traffic detector's `! -s CIDR` (null: the no-op detector). */
  readonly notLocal: string | null;
  readonly large: boolean;
  /** A partial sync that does not write the port's own chains. */
  readonly skip: boolean;
  /** Per endpoint: its `ip:port`, its address and its conditions (endpointFlags()), in order. */
  readonly eps: readonly (string | number)[];
  readonly filterRules: BlockPart;
  readonly natChains: BlockPart;
  readonly natRules: BlockPart;
  /** The nat chains the port's segment declares. */
  readonly active: readonly string[];
}

/** Whether the port reads nothing of its Service beyond name, protocol, cluster IP, port and endpoints. */
export function plainPort(svc: ServicePortInfo): boolean {
  return svc.nodePort === 0 && svc.externalIPs.length === 0 && svc.loadBalancerVIPs.length === 0
    && svc.loadBalancerSourceRanges.length === 0 && !svc.externalPolicyLocal && !svc.internalPolicyLocal
    && svc.healthCheckNodePort === 0 && svc.affinitySeconds === null;
}

function endpointFlags(e: EndpointInfo): number {
  return (e.ready ? 1 : 0) | (e.serving ? 2 : 0) | (e.terminating ? 4 : 0) | (e.isLocal ? 8 : 0);
}

/** The endpoint values a block is kept with. */
export function endpointKey(eps: readonly EndpointInfo[]): (string | number)[] {
  const out: (string | number)[] = new Array<string | number>(3 * eps.length);
  for (let i = 0; i < eps.length; i++) {
    const e = eps[i];
    out[3 * i] = e.text;
    out[3 * i + 1] = e.ip;
    out[3 * i + 2] = endpointFlags(e);
  }
  return out;
}

/** Whether `b` was made from these values (the port's own are its PortLines record's). */
export function blockMatches(
  b: PortBlock, eps: readonly EndpointInfo[], masqueradeAll: boolean, notLocal: string | null, large: boolean, skip: boolean,
): boolean {
  if (b.masqueradeAll !== masqueradeAll || b.notLocal !== notLocal || b.large !== large || b.skip !== skip) return false;
  const k = b.eps;
  if (k.length !== 3 * eps.length) return false;
  for (let i = 0; i < eps.length; i++) {
    const e = eps[i];
    if (k[3 * i] !== e.text || k[3 * i + 1] !== e.ip || k[3 * i + 2] !== endpointFlags(e)) return false;
  }
  return true;
}
