// kube-router's NetworkPolicy controller (pkg/controllers/netpol, v2.11): one node's filter rules and ipsets.
// Hooks at the top of INPUT, FORWARD and OUTPUT; the shared COMMON, DEFAULT and TAIL chains; one
// KUBE-NWPLCY- chain per policy (every policy, on every node) holding mark-and-return pairs over ipsets;
// one KUBE-POD-FW- chain per local pod, jumped by destination (ingress) and source (egress), which REJECTs
// what no rule marked 0x10000 and marks 0x20000 what passed, so KUBE-ROUTER-FORWARD's tail ACCEPTs it.
// Where kube-router departs from the specification this follows the specification (docs/networkpolicy.md):
// a policy with both types gets a second chain for its egress rules; named ports that resolve nowhere allow
// nothing; each ipBlock peer gets its own set (another peer's `except` never hides it); egress named ports
// resolve on the destination pods anywhere in the cluster, also behind an ipBlock.

import { formatIpv4, formatPrefix } from '../../wire/ipv4-addr.js';
import type { Ipv4Prefix } from '../../wire/headers.js';
import type { IpsetSpec } from '../../kernel/netns/world-spec.js';
import type { NetworkPolicyObject, NetworkPolicyPeer, NetworkPolicyRule, Protocol } from '../model.js';
import { isolatingPolicies, peerMatches } from './evaluate.js';
import type { PolicyPod, PolicyView } from './policy-view.js';
import { selectorMatches } from './selector.js';
import {
  namedPortSetName, podChainName, policyChainName, policyEgressChainName, ruleSetName, ruleUuid, targetSetName,
} from './kube-router-names.js';

export const MARK_ALLOWED = '0x10000/0x10000';
export const MARK_PASSED = '0x20000/0x20000';
/** kube-router's NFLOG group for dropped packets. */
export const NFLOG_GROUP = 100;

export interface NetpolNodeRules {
  /** iptables-restore input for the filter table, applied after kube-proxy's (hooks inserted at the top). */
  text: string;
  ipsets: IpsetSpec[];
  /** What each KUBE-NWPLCY-, KUBE-POD-FW-, KUBE-SRC- and KUBE-DST- name stands for. */
  labels: Map<string, string>;
}

export interface NetpolNodeConfig {
  name: string;
  serviceCIDR: Ipv4Prefix;
  /** --service-node-port-range as iptables writes it. */
  nodePortRange?: string;
}

/** isNetPolActionable(): a running pod with an address of its own. */
function actionable(p: PolicyPod): p is PolicyPod & { ip: number } {
  return p.ip !== undefined && !p.hostNetwork;
}

const ip32 = (ip: number) => `${formatIpv4(ip)}/32`;

class Rules {
  readonly chains = new Map<string, string[]>();
  readonly sets: IpsetSpec[] = [];
  readonly labels = new Map<string, string>();

  chain(name: string): string[] {
    let c = this.chains.get(name);
    if (c === undefined) {
      c = [];
      this.chains.set(name, c);
    }
    return c;
  }

  set(name: string, type: 'hash:ip' | 'hash:net', members: string[], label: string): string {
    if (!this.sets.some((s) => s.name === name)) this.sets.push({ name, type, members });
    this.labels.set(name, label);
    return name;
  }
}

interface PortSpec {
  protocol: Protocol;
  port?: number;
  endPort?: number;
  /** The set of destination pods this (resolved named) port is theirs. */
  namedSet?: string;
}

/** `-p P -m P --dport N[:E]` as iptables-save prints kube-router's `-p TCP --dport N`; SCTP through multiport. */
function portMatch(p: PortSpec): { proto: string; dport: string } {
  const proto = p.protocol.toLowerCase();
  if (p.port === undefined) return { proto: `-p ${proto}`, dport: '' };
  const r = p.endPort !== undefined && p.endPort !== p.port ? `${p.port}:${p.endPort}` : `${p.port}`;
  return { proto: `-p ${proto}`, dport: proto === 'sctp' ? ` -m multiport --dports ${r}` : ` -m ${proto} --dport ${r}` };
}

/** appendRuleToPolicyChain(): the MARK and RETURN pair. */
function allowPair(chain: string[], comment: string, sets: [string, 'src' | 'dst'][], port: PortSpec | undefined): void {
  const pm = port === undefined ? { proto: '', dport: '' } : portMatch(port);
  const m = `${pm.proto === '' ? '' : `${pm.proto} `}-m comment --comment "${comment}"${sets.map(([s, d]) => ` -m set --match-set ${s} ${d}`).join('')}${pm.dport}`;
  chain.push(`${m} -j MARK --set-xmark ${MARK_ALLOWED}`);
  chain.push(`${m} -m mark --mark ${MARK_ALLOWED} -j RETURN`);
}

function blockMembers(peer: NetworkPolicyPeer): string[] {
  const b = peer.ipBlock!;
  // ipset cannot hold /0: kube-router splits it in two halves.
  const cidrs = b.cidr.len === 0 ? ['0.0.0.0/1', '128.0.0.0/1'] : [formatPrefix(b.cidr)];
  return [...cidrs, ...b.except.map((e) => `${formatPrefix(e)} nomatch`)];
}

/** One direction of one policy: its rules into `chainName`, over the target set `target`. */
function policyDirection(out: Rules, view: PolicyView, pods: readonly (PolicyPod & { ip: number })[], p: NetworkPolicyObject, type: 'Ingress' | 'Egress', chainName: string, targets: (PolicyPod & { ip: number })[]): void {
  const ns = p.meta.namespace;
  const name = p.meta.name;
  const id = `${ns}/${name}`;
  const ingress = type === 'Ingress';
  const dir = ingress ? 'ingress' : 'egress';
  const ruleType = ingress ? 'ingressrule' : 'egressrule';
  const chain = out.chain(chainName);
  out.labels.set(chainName, `${id} (${dir})`);
  const target = out.set(targetSetName(ingress ? 'DST' : 'SRC', ns, name), 'hash:ip', targets.map((t) => formatIpv4(t.ip)), `${id} selected pods`);
  const targetSide: 'src' | 'dst' = ingress ? 'dst' : 'src';
  const peerSide: 'src' | 'dst' = ingress ? 'src' : 'dst';
  const rules = ingress ? p.ingress : p.egress;
  rules.forEach((rule: NetworkPolicyRule, i) => {
    // Ports: numbers as given; names resolved on the destination pods (ingress: the selected pods; egress:
    // any pod of the cluster), one set per resolved number as namedPort2...EPs groups them.
    const ports: PortSpec[] = [];
    let j = 0;
    for (const port of rule.ports) {
      if (typeof port.port !== 'string') {
        ports.push({ protocol: port.protocol, port: port.port, endPort: port.endPort });
        continue;
      }
      const owners = ingress ? targets : pods;
      const byNumber = new Map<number, string[]>();
      for (const o of owners) {
        const cp = o.ports.find((x) => x.name === port.port && x.protocol === port.protocol);
        if (cp === undefined) continue;
        const list = byNumber.get(cp.containerPort) ?? [];
        list.push(formatIpv4(o.ip));
        byNumber.set(cp.containerPort, list);
      }
      for (const [n, ips] of [...byNumber].sort((a, b) => a[0] - b[0])) {
        const set = out.set(namedPortSetName(ns, name, ruleType, i, j++), 'hash:ip', ips, `${id} ${dir} rule ${i} port ${port.port} = ${port.protocol}/${n}`);
        ports.push({ protocol: port.protocol, port: n, namedSet: set });
      }
    }
    // A rule whose ports all failed to resolve allows nothing (kube-router would open every port).
    if (rule.ports.length > 0 && ports.length === 0) return;
    const emit = (kind: string, peerSet: string | undefined) => {
      const base: [string, 'src' | 'dst'][] = peerSet === undefined ? [] : [[peerSet, peerSide]];
      if (rule.ports.length === 0) {
        allowPair(chain, `${id} ${dir} ${kind}`, ingress ? [...base, [target, targetSide]] : [[target, targetSide], ...base], undefined);
        return;
      }
      for (const port of ports) {
        const tgt: [string, 'src' | 'dst'][] = port.namedSet === undefined ? [[target, targetSide]] : ingress ? [[port.namedSet, 'dst']] : [[target, 'src'], [port.namedSet, 'dst']];
        const sets = ingress ? [...base, ...tgt] : [tgt[0], ...base, ...tgt.slice(1)];
        allowPair(chain, `${id} ${dir} ${kind}${port.namedSet === undefined ? '' : ' np'}`, sets, port);
      }
    };
    if (rule.peers.length === 0) {
      emit('any', undefined);
      return;
    }
    const selectorPeers = rule.peers.filter((x) => x.ipBlock === undefined);
    if (selectorPeers.length > 0) {
      const matched = pods.filter((pod) => selectorPeers.some((x) => peerMatches(view, p, x, { ip: pod.ip, pod })));
      if (matched.length > 0) {
        const set = out.set(ruleSetName(ingress ? 'SRC' : 'DST', ns, name, ruleType, i, 'pod'), 'hash:ip', matched.map((m) => formatIpv4(m.ip)), `${id} ${dir} rule ${i} pods`);
        emit('pods', set);
      }
    }
    let k = 0;
    for (const peer of rule.peers) {
      if (peer.ipBlock === undefined) continue;
      const base = ruleSetName(ingress ? 'SRC' : 'DST', ns, name, ruleType, i, 'ipblock');
      // One set per ipBlock peer: in one hash:net another peer's `nomatch` except would hide this peer's cidr.
      const setName = k === 0 ? base : `${base.slice(0, -2)}${String(k).padStart(2, '0')}`;
      k++;
      const set = out.set(setName, 'hash:net', blockMembers(peer), `${id} ${dir} rule ${i} ipBlock ${formatPrefix(peer.ipBlock.cidr)}${peer.ipBlock.except.length === 0 ? '' : ` except ${peer.ipBlock.except.map(formatPrefix).join(',')}`}`);
      emit('cidr', set);
    }
  });
}

/** Renders one node's policy rules (fullPolicySync + syncPodFirewallChains) over the whole cluster's objects. */
export function renderKubeRouter(node: NetpolNodeConfig, view: PolicyView): NetpolNodeRules {
  const out = new Rules();
  const pods = view.pods.filter(actionable);
  const nodePorts = node.nodePortRange ?? '30000:32767';
  const hooks: string[] = [];
  for (const [builtin, chain] of [['INPUT', 'KUBE-ROUTER-INPUT'], ['FORWARD', 'KUBE-ROUTER-FORWARD'], ['OUTPUT', 'KUBE-ROUTER-OUTPUT']] as const) {
    out.chain(chain);
    const uuid = ruleUuid(builtin, ['-m', 'comment', '--comment', 'kube-router netpol', '-j', chain]);
    hooks.push(`-I ${builtin} -m comment --comment "kube-router netpol - ${uuid}" -j ${chain}`);
  }
  // ensureTopLevelChains: KUBE-ROUTER-INPUT lets the service range and LOCAL NodePorts through (IPVS's VIPs).
  const input = out.chain('KUBE-ROUTER-INPUT');
  const svc = formatPrefix(node.serviceCIDR);
  const cidrComment = 'allow traffic to primary/secondary cluster IP range';
  input.push(`-d ${svc} -m comment --comment "${cidrComment} - ${ruleUuid('KUBE-ROUTER-INPUT', ['-m', 'comment', '--comment', cidrComment, '-d', svc, '-j', 'RETURN'])}" -j RETURN`);
  for (const proto of ['tcp', 'udp', 'sctp']) {
    const c = `allow LOCAL ${proto.toUpperCase()} traffic to node ports`;
    const uuid = ruleUuid('KUBE-ROUTER-INPUT', ['-p', proto, '-m', 'comment', '--comment', c, '-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'multiport', '--dports', nodePorts, '-j', 'RETURN']);
    input.push(`-p ${proto} -m comment --comment "${c} - ${uuid}" -m addrtype --dst-type LOCAL -m multiport --dports ${nodePorts} -j RETURN`);
  }
  const common = out.chain('KUBE-NWPLCY-COMMON');
  common.push('-m comment --comment "rule to drop invalid state for pod" -m conntrack --ctstate INVALID -j DROP');
  common.push('-m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  common.push('-p icmp -m comment --comment "allow icmp echo requests" -m icmp --icmp-type 8 -j ACCEPT');
  common.push('-p icmp -m comment --comment "allow icmp destination unreachable messages" -m icmp --icmp-type 3 -j ACCEPT');
  common.push('-p icmp -m comment --comment "allow icmp time exceeded messages" -m icmp --icmp-type 11 -j ACCEPT');
  out.chain('KUBE-NWPLCY-DEFAULT').push(`-m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark ${MARK_ALLOWED}`);
  out.chain('KUBE-NWPLCY-TAIL').push(`-m comment --comment "accept netpol-ok" -m mark --mark ${MARK_PASSED} -j ACCEPT`);

  // Policy chains: every policy on every node.
  const chainsOf = new Map<NetworkPolicyObject, { ingress?: string; egress?: string }>();
  for (const p of view.policies) {
    const ns = p.meta.namespace;
    const targets = pods.filter((pod) => pod.namespace === ns && selectorMatches(p.podSelector, pod.labels));
    const both = p.policyTypes.includes('Ingress') && p.policyTypes.includes('Egress');
    const c: { ingress?: string; egress?: string } = {};
    if (p.policyTypes.includes('Ingress')) {
      c.ingress = policyChainName(ns, p.meta.name);
      policyDirection(out, view, pods, p, 'Ingress', c.ingress, targets);
    }
    if (p.policyTypes.includes('Egress')) {
      c.egress = both ? policyEgressChainName(ns, p.meta.name) : policyChainName(ns, p.meta.name);
      policyDirection(out, view, pods, p, 'Egress', c.egress, targets);
    }
    chainsOf.set(p, c);
  }

  // Pod chains: every actionable pod on this node.
  const fwd = out.chain('KUBE-ROUTER-FORWARD');
  const outp = out.chain('KUBE-ROUTER-OUTPUT');
  for (const pod of pods) {
    if (pod.node !== node.name) continue;
    const id = `${pod.namespace}/${pod.name}`;
    const name = podChainName(pod.namespace, pod.name);
    out.labels.set(name, `pod ${id}`);
    const c = out.chain(name);
    const ip = ip32(pod.ip);
    c.push('-m comment --comment "common netpol rules" -j KUBE-NWPLCY-COMMON');
    c.push(`-d ${ip} -m comment --comment "from local node" -m addrtype --src-type LOCAL -j ACCEPT`);
    const inPolicies = isolatingPolicies(view, pod, 'Ingress');
    const egPolicies = isolatingPolicies(view, pod, 'Egress');
    if (egPolicies.length === 0) c.push(`-s ${ip} -m comment --comment "default egress" -j KUBE-NWPLCY-DEFAULT`);
    if (inPolicies.length === 0) c.push(`-d ${ip} -m comment --comment "default ingress" -j KUBE-NWPLCY-DEFAULT`);
    // Written with -I 1 in policy list order, so the last policy's jump comes first.
    const selecting = view.policies.filter((p) => p.meta.namespace === pod.namespace && selectorMatches(p.podSelector, pod.labels));
    for (const p of [...selecting].reverse()) {
      const ch = chainsOf.get(p)!;
      const pid = `${p.meta.namespace}/${p.meta.name}`;
      if (ch.ingress !== undefined) c.push(`-d ${ip} -m comment --comment "${pid} policy" -j ${ch.ingress}`);
      if (ch.egress !== undefined) c.push(`-s ${ip} -m comment --comment "${pid} policy" -j ${ch.egress}`);
    }
    c.push(`-m comment --comment "${id} log-drop" -m mark ! --mark ${MARK_ALLOWED} -m limit --limit 10/min --limit-burst 10 -j NFLOG --nflog-group ${NFLOG_GROUP}`);
    c.push(`-m comment --comment "${id} reject" -m mark ! --mark ${MARK_ALLOWED} -j REJECT --reject-with icmp-port-unreachable`);
    c.push('-j MARK --set-xmark 0x0/0x10000');
    c.push(`-m comment --comment "set netpol-ok mark" -j MARK --set-xmark ${MARK_PASSED}`);
    // setupPodNetpolRules: to the pod (routed, node-originated, bridged), from the pod.
    fwd.push(`-d ${ip} -m comment --comment "${id} in" -j ${name}`);
    outp.push(`-d ${ip} -m comment --comment "${id} in" -j ${name}`);
    fwd.push(`-d ${ip} -m physdev --physdev-is-bridged -m comment --comment "${id} in" -j ${name}`);
    input.push(`-s ${ip} -m comment --comment "${id} out" -j ${name}`);
    fwd.push(`-s ${ip} -m comment --comment "${id} out" -j ${name}`);
    outp.push(`-s ${ip} -m comment --comment "${id} out" -j ${name}`);
    fwd.push(`-s ${ip} -m physdev --physdev-is-bridged -m comment --comment "${id} out" -j ${name}`);
  }
  for (const ch of [input, fwd, outp]) {
    ch.push('-m comment --comment "rule to explicitly handle traffic for network policies ACCEPT/REJECT decision" -j KUBE-NWPLCY-TAIL');
    ch.push(`-m comment --comment "rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark ${MARK_PASSED} -j ACCEPT`);
  }
  const lines = ['*filter'];
  for (const name of out.chains.keys()) lines.push(`:${name} - [0:0]`);
  for (const h of hooks) lines.push(h);
  for (const [name, rules] of out.chains) for (const r of rules) lines.push(`-A ${name} ${r}`);
  lines.push('COMMIT');
  return { text: `${lines.join('\n')}\n`, ipsets: out.sets, labels: out.labels };
}
