// kube-router's names (pkg/controllers/netpol): chains and ipsets are `PREFIX` + the first 16 characters of
// base32(sha256(...)); the rule UUIDs of its hooks are the same hash of the chain and the rule's arguments
// joined without a separator (utils.go). The sync "version" (time.Now().UnixNano() upstream) is a constant
// here, so names are stable across compiles.

import { createHash } from 'node:crypto';
import { base32 } from '../kube-proxy/chain-names.js';

/** The sync version in chain names: a fixed value instead of the wall clock (deterministic). */
export const SYNC_VERSION = '1';

export function hash16(s: string): string {
  return base32(createHash('sha256').update(s).digest()).slice(0, 16);
}

/** networkPolicyChainName(): KUBE-NWPLCY- + h(ns + name + version + "IPv4"). */
export function policyChainName(ns: string, name: string, version = SYNC_VERSION): string {
  return `KUBE-NWPLCY-${hash16(ns + name + version + 'IPv4')}`;
}

/**
 * The chain for the egress rules of a policy with both types: packetwalk splits such a policy in two (see
 * docs/networkpolicy.md: kube-router jumps one chain without a direction filter, which the spec forbids).
 */
export function policyEgressChainName(ns: string, name: string, version = SYNC_VERSION): string {
  return `KUBE-NWPLCY-${hash16(ns + name + version + 'IPv4' + 'egress')}`;
}

/** podFirewallChainName(): KUBE-POD-FW- + h(ns + name + version). */
export function podChainName(ns: string, name: string, version = SYNC_VERSION): string {
  return `KUBE-POD-FW-${hash16(ns + name + version)}`;
}

/** policyDestinationPodIPSetName() / policySourcePodIPSetName(): the policy's target pods. */
export function targetSetName(dir: 'SRC' | 'DST', ns: string, name: string): string {
  return `KUBE-${dir}-${hash16(ns + name + 'IPv4')}`;
}

/** policyIndexedSourcePodIPSetName() and kin: `kind` is pod, ipblock; `ruleType` ingressrule or egressrule. */
export function ruleSetName(dir: 'SRC' | 'DST', ns: string, name: string, ruleType: 'ingressrule' | 'egressrule', rule: number, kind: 'pod' | 'ipblock'): string {
  return `KUBE-${dir}-${hash16(ns + name + ruleType + rule + 'IPv4' + kind)}`;
}

/** policyIndexedIngressNamedPortIPSetName() / ...Egress...: rule i, named port endpoint j. */
export function namedPortSetName(ns: string, name: string, ruleType: 'ingressrule' | 'egressrule', rule: number, j: number): string {
  return `KUBE-DST-${hash16(ns + name + ruleType + rule + j + 'IPv4' + 'namedport')}`;
}

/** A rule's UUID as kube-router appends it to its hook comments: h(chain + args joined). */
export function ruleUuid(chain: string, args: readonly string[]): string {
  return hash16(chain + args.join(''));
}
