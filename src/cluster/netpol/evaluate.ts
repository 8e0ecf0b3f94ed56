// The specification evaluator: is a connection allowed by NetworkPolicy? A pure function of the objects,
// written from the API's own words (networking/v1 types.go, the concepts page) and independent of the
// compiled iptables rules, so the two can be checked against each other.
//   - A pod is isolated in a direction when a policy of its own namespace selects it with that type.
//   - An isolated pod allows the union of the rules of the policies selecting it in that direction.
//   - A connection is allowed iff egress(source) AND ingress(destination) allow it.
//   - Ingress from the destination pod's own node is always allowed.
//   - Ports are the destination's (after Service DNAT); named ports resolve on the destination pod.
//   - Selector peers never match hostNetwork pods nor non-pod addresses; ipBlock peers match addresses.

import type { Ipv4Addr } from '../../wire/headers.js';
import { inPrefix } from '../../wire/ipv4-addr.js';
import type { NetworkPolicyObject, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule, Protocol } from '../model.js';
import type { PolicyPod, PolicyView } from './policy-view.js';
import { selectorMatches } from './selector.js';

export interface Endpoint {
  ip: Ipv4Addr;
  /** The pod holding `ip`, when one does (a hostNetwork pod counts as its node). */
  pod?: PolicyPod;
  /** A node process (or hostNetwork pod) on this node sends it. */
  node?: string;
}

export interface Connection {
  src: Endpoint;
  dst: Endpoint;
  protocol: Protocol;
  /** The destination port as the destination pod sees it (the container port, after DNAT). */
  port: number;
}

export interface DirectionVerdict {
  allowed: boolean;
  /** The policies isolating the pod in this direction ([] when it is not isolated). */
  isolatedBy: string[];
  /** `ns/policy` and rule index of the rules that allow it. */
  allowedBy: string[];
}

export interface PolicyVerdict {
  allowed: boolean;
  egress: DirectionVerdict;
  ingress: DirectionVerdict;
}

/** egress(src) AND ingress(dst), per the specification. */
export function evaluateConnection(view: PolicyView, c: Connection): PolicyVerdict {
  const egress = direction(view, c, 'Egress');
  const ingress = direction(view, c, 'Ingress');
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

function isPolicyPod(p: PolicyPod | undefined): p is PolicyPod {
  return p !== undefined && !p.hostNetwork;
}

/** The policies of the pod's namespace selecting it for `type`. */
export function isolatingPolicies(view: PolicyView, pod: PolicyPod, type: 'Ingress' | 'Egress'): NetworkPolicyObject[] {
  return view.policies.filter((p) => p.meta.namespace === pod.namespace && p.policyTypes.includes(type) && selectorMatches(p.podSelector, pod.labels));
}

function direction(view: PolicyView, c: Connection, type: 'Ingress' | 'Egress'): DirectionVerdict {
  const subject = type === 'Egress' ? c.src.pod : c.dst.pod;
  if (!isPolicyPod(subject)) return { allowed: true, isolatedBy: [], allowedBy: [] };
  const policies = isolatingPolicies(view, subject, type);
  const isolatedBy = policies.map((p) => `${p.meta.namespace}/${p.meta.name}`);
  if (policies.length === 0) return { allowed: true, isolatedBy, allowedBy: [] };
  // types.go: traffic is allowed to a pod ... if the traffic source is the pod's local node.
  if (type === 'Ingress' && c.src.node !== undefined && c.src.node === subject.node) return { allowed: true, isolatedBy, allowedBy: ['(from the pod\'s node)'] };
  const peer = type === 'Egress' ? c.dst : c.src;
  const allowedBy: string[] = [];
  for (const p of policies) {
    const rules = type === 'Egress' ? p.egress : p.ingress;
    rules.forEach((r, i) => {
      if (ruleMatches(view, p, r, peer, c)) allowedBy.push(`${p.meta.namespace}/${p.meta.name} ${type.toLowerCase()}[${i}]`);
    });
  }
  return { allowed: allowedBy.length > 0, isolatedBy, allowedBy };
}

function ruleMatches(view: PolicyView, policy: NetworkPolicyObject, rule: NetworkPolicyRule, peer: Endpoint, c: Connection): boolean {
  const peerOk = rule.peers.length === 0 || rule.peers.some((x) => peerMatches(view, policy, x, peer));
  const portOk = rule.ports.length === 0 || rule.ports.some((x) => portMatches(x, c));
  return peerOk && portOk;
}

export function peerMatches(view: PolicyView, policy: NetworkPolicyObject, peer: NetworkPolicyPeer, e: Endpoint): boolean {
  if (peer.ipBlock !== undefined) return inPrefix(e.ip, peer.ipBlock.cidr) && !peer.ipBlock.except.some((x) => inPrefix(e.ip, x));
  const pod = e.pod;
  if (!isPolicyPod(pod)) return false;
  if (peer.namespaceSelector !== undefined) {
    if (!selectorMatches(peer.namespaceSelector, view.namespaceLabels.get(pod.namespace) ?? {})) return false;
  } else if (pod.namespace !== policy.meta.namespace) return false;
  return peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels);
}

/** A destination port match: the protocol, then the number, range or name resolved on the destination pod. */
export function portMatches(p: NetworkPolicyPort, c: Connection): boolean {
  if (p.protocol !== c.protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') return c.port >= p.port && c.port <= (p.endPort ?? p.port);
  const dst = c.dst.pod;
  if (!isPolicyPod(dst)) return false;
  return dst.ports.some((cp) => cp.name === p.port && cp.protocol === p.protocol && cp.containerPort === c.port);
}
