// networking.k8s.io/v1 NetworkPolicy read as the API server takes it: defaulted as
// pkg/apis/networking/v1/defaults.go does (a port's protocol TCP; policyTypes [Ingress], plus Egress when
// spec.egress has rules) and validated as pkg/apis/networking/validation/validation.go does
// (ValidateNetworkPolicySpec: peers, ports, endPort, ipBlock with except, policyTypes), each mistake located.

import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import type { ScenarioSource } from '../../scenario/yaml-source.js';
import { describeNode, readInt, readList, readString } from '../../scenario/yaml-fields.js';
import { formatPrefix, inPrefix, parsePrefix, prefixNetwork } from '../../wire/ipv4-addr.js';
import type { Ipv4Prefix } from '../../wire/headers.js';
import type {
  LabelSelector, LabelSelectorRequirement, NetworkPolicyObject, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule, ObjectMeta, Protocol,
} from '../model.js';
import { child, readPortName, readStringMap } from '../objects/read-objects.js';

const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const OPERATORS: readonly LabelSelectorRequirement['operator'][] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
/** A qualified name (label key) and a label value, as apimachinery's IsQualifiedName / IsValidLabelValue. */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A label key's problem, or undefined when it is valid (validation.IsQualifiedName). */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !LABEL_PREFIX.test(prefix))) return `prefix part must be a DNS-1123 subdomain`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)`;
  return undefined;
}

/** A label value's problem, or undefined (validation.IsValidLabelValue: empty is valid). */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  return value.length <= 63 && LABEL_NAME.test(value) ? undefined : `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)`;
}

/** Reads one NetworkPolicy's spec; undefined when it has errors (reported on `src`). */
export function readNetworkPolicy(src: ScenarioSource, node: Node, what: string, meta: ObjectMeta, origin: unknown): NetworkPolicyObject | undefined {
  const before = src.diagnostics.length;
  const spec = child(src, node, 'spec');
  if (spec !== undefined && !isMap(spec)) {
    src.error(spec, `${what}: spec: expected a map, got ${describeNode(spec)}`);
    return undefined;
  }
  const podSelector = readSelector(src, child(src, spec, 'podSelector'), `${what}: spec.podSelector`);
  const ingress = readRules(src, child(src, spec, 'ingress'), `${what}: spec.ingress`, 'from');
  const egress = readRules(src, child(src, spec, 'egress'), `${what}: spec.egress`, 'to');
  const typesNode = child(src, spec, 'policyTypes');
  let policyTypes: ('Ingress' | 'Egress')[] = [];
  if (typesNode !== undefined) {
    const items = readList(src, typesNode, `${what}: spec.policyTypes`) ?? [];
    // ValidateNetworkPolicySpec: "may not specify more than two policyTypes".
    if (items.length > 2) src.error(typesNode, `${what}: spec.policyTypes: Invalid value: may not specify more than two policyTypes`);
    items.forEach((t, i) => {
      const s = readString(src, t, `${what}: spec.policyTypes[${i}]`);
      if (s === undefined) return;
      if (s !== 'Ingress' && s !== 'Egress') src.error(t, `${what}: spec.policyTypes[${i}]: Unsupported value: "${s}": supported values: "Ingress", "Egress"`);
      else if (!policyTypes.includes(s)) policyTypes.push(s);
    });
  }
  // SetDefaults_NetworkPolicy: every policy affects ingress; egress only when it has egress rules.
  if (policyTypes.length === 0) {
    policyTypes = ['Ingress'];
    if (egress.length > 0) policyTypes.push('Egress');
  }
  if (src.diagnostics.length > before) return undefined;
  return { kind: 'NetworkPolicy', meta, podSelector, policyTypes, ingress, egress, origin };
}

/** metav1.LabelSelector; absent or `{}` selects everything. */
export function readSelector(src: ScenarioSource, node: Node | undefined, what: string): LabelSelector {
  const out: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  if (node === undefined) return out;
  if (!isMap(node)) {
    src.error(node, `${what}: expected a label selector (matchLabels, matchExpressions), got ${describeNode(node)}`);
    return out;
  }
  const ml = child(src, node, 'matchLabels');
  const labels = readStringMap(src, ml, `${what}.matchLabels`) ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const ke = labelKeyError(k);
    const ve = labelValueError(v);
    if (ke !== undefined) src.error(ml, `${what}.matchLabels: Invalid value: "${k}": ${ke}`);
    else if (ve !== undefined) src.error(ml, `${what}.matchLabels: Invalid value: "${v}": ${ve}`);
  }
  out.matchLabels = labels;
  const me = child(src, node, 'matchExpressions');
  (me === undefined ? [] : (readList(src, me, `${what}.matchExpressions`) ?? [])).forEach((e, i) => {
    const w = `${what}.matchExpressions[${i}]`;
    const keyNode = child(src, e, 'key');
    const opNode = child(src, e, 'operator');
    if (keyNode === undefined || opNode === undefined) {
      src.error(e, `${w}: missing required field "${keyNode === undefined ? 'key' : 'operator'}"`);
      return;
    }
    const key = readString(src, keyNode, `${w}.key`);
    const op = readString(src, opNode, `${w}.operator`);
    if (key === undefined || op === undefined) return;
    const ke = labelKeyError(key);
    if (ke !== undefined) src.error(keyNode, `${w}.key: Invalid value: "${key}": ${ke}`);
    if (!(OPERATORS as readonly string[]).includes(op)) {
      src.error(opNode, `${w}.operator: Invalid value: "${op}": not a valid selector operator (In, NotIn, Exists, DoesNotExist)`);
      return;
    }
    const valuesNode = child(src, e, 'values');
    const values: string[] = [];
    for (const v of valuesNode === undefined ? [] : (readList(src, valuesNode, `${w}.values`) ?? [])) {
      const s = readString(src, v, `${w}.values`);
      if (s !== undefined) values.push(s);
    }
    // ValidateLabelSelectorRequirement.
    if ((op === 'In' || op === 'NotIn') && values.length === 0) src.error(valuesNode ?? e, `${w}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) src.error(valuesNode ?? e, `${w}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
    out.matchExpressions.push({ key, operator: op as LabelSelectorRequirement['operator'], values });
  });
  return out;
}

function readRules(src: ScenarioSource, node: Node | undefined, what: string, peersKey: 'from' | 'to'): NetworkPolicyRule[] {
  if (node === undefined) return [];
  return (readList(src, node, what) ?? []).map((r, i) => {
    const w = `${what}[${i}]`;
    const rule: NetworkPolicyRule = { peers: [], ports: [] };
    if (!isMap(r)) {
      src.error(r, `${w}: expected a map (${peersKey}, ports), got ${describeNode(r)}`);
      return rule;
    }
    const ports = child(src, r, 'ports');
    (ports === undefined ? [] : (readList(src, ports, `${w}.ports`) ?? [])).forEach((p, j) => {
      const port = readPort(src, p, `${w}.ports[${j}]`);
      if (port !== undefined) rule.ports.push(port);
    });
    const peers = child(src, r, peersKey);
    (peers === undefined ? [] : (readList(src, peers, `${w}.${peersKey}`) ?? [])).forEach((p, j) => {
      const peer = readPeer(src, p, `${w}.${peersKey}[${j}]`);
      if (peer !== undefined) rule.peers.push(peer);
    });
    return rule;
  });
}

function readPort(src: ScenarioSource, node: Node, what: string): NetworkPolicyPort | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map (protocol, port, endPort), got ${describeNode(node)}`);
    return undefined;
  }
  const protoNode = child(src, node, 'protocol');
  let protocol: Protocol = 'TCP';
  if (protoNode !== undefined) {
    const s = readString(src, protoNode, `${what}.protocol`);
    if (s === undefined) return undefined;
    if (!(PROTOCOLS as readonly string[]).includes(s)) {
      src.error(protoNode, `${what}.protocol: Unsupported value: "${s}": supported values: "SCTP", "TCP", "UDP"`);
      return undefined;
    }
    protocol = s as Protocol;
  }
  const out: NetworkPolicyPort = { protocol };
  const portNode = child(src, node, 'port');
  if (portNode !== undefined) {
    if (isScalar(portNode) && typeof portNode.value === 'number') {
      const n = readInt(src, portNode, `${what}.port`, 1, 65535);
      if (n === undefined) return undefined;
      out.port = n;
    } else {
      const name = readPortName(src, portNode, `${what}.port`);
      if (name === undefined) return undefined;
      out.port = name;
    }
  }
  const endNode = child(src, node, 'endPort');
  if (endNode !== undefined) {
    const end = readInt(src, endNode, `${what}.endPort`, 1, 65535);
    if (end === undefined) return undefined;
    // ValidateNetworkPolicyPort.
    if (out.port === undefined) src.error(endNode, `${what}.endPort: Required value: may not be specified when \`port\` is not specified`);
    else if (typeof out.port === 'string') src.error(endNode, `${what}.endPort: Invalid value: ${end}: may not be specified when \`port\` is non-numeric`);
    else if (end < out.port) src.error(endNode, `${what}.endPort: Invalid value: ${end}: must be greater than or equal to \`port\``);
    else out.endPort = end;
  }
  return out;
}

function readPeer(src: ScenarioSource, node: Node, what: string): NetworkPolicyPeer | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map (podSelector, namespaceSelector or ipBlock), got ${describeNode(node)}`);
    return undefined;
  }
  const ps = child(src, node, 'podSelector');
  const ns = child(src, node, 'namespaceSelector');
  const ib = child(src, node, 'ipBlock');
  const count = [ps, ns, ib].filter((x) => x !== undefined).length;
  // ValidateNetworkPolicyPeer.
  if (count === 0) {
    src.error(node, `${what}: Required value: must specify a peer`);
    return undefined;
  }
  if (ib !== undefined && count > 1) {
    src.error(node, `${what}: Forbidden: may not specify both ipBlock and another peer`);
    return undefined;
  }
  const peer: NetworkPolicyPeer = {};
  if (ps !== undefined) peer.podSelector = readSelector(src, ps, `${what}.podSelector`);
  if (ns !== undefined) peer.namespaceSelector = readSelector(src, ns, `${what}.namespaceSelector`);
  if (ib !== undefined) {
    const block = readIpBlock(src, ib, `${what}.ipBlock`);
    if (block === undefined) return undefined;
    peer.ipBlock = block;
  }
  return peer;
}

/** A CIDR as IsValidCIDRForLegacyField takes it under StrictIPCIDRValidation: no host bits, no leading zeros. */
function readCidr(src: ScenarioSource, node: Node, what: string): Ipv4Prefix | undefined {
  const text = readString(src, node, what);
  if (text === undefined) return undefined;
  const p = text.includes('/') ? parsePrefix(text) : undefined;
  if (p === undefined || !/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}\/\d+$/.test(text)) {
    src.error(node, `${what}: Invalid value: "${text}": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`);
    return undefined;
  }
  if (prefixNetwork(p) !== p.addr) {
    src.error(node, `${what}: Invalid value: "${text}": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64) (host bits set: did you mean "${formatPrefix({ addr: prefixNetwork(p), len: p.len })}"?)`);
    return undefined;
  }
  return p;
}

function readIpBlock(src: ScenarioSource, node: Node, what: string): { cidr: Ipv4Prefix; except: Ipv4Prefix[] } | undefined {
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map (cidr, except), got ${describeNode(node)}`);
    return undefined;
  }
  const cidrNode = child(src, node, 'cidr');
  if (cidrNode === undefined) {
    src.error(node, `${what}.cidr: Required value`);
    return undefined;
  }
  const cidr = readCidr(src, cidrNode, `${what}.cidr`);
  if (cidr === undefined) return undefined;
  const except: Ipv4Prefix[] = [];
  const ex = child(src, node, 'except');
  (ex === undefined ? [] : (readList(src, ex, `${what}.except`) ?? [])).forEach((e, i) => {
    const p = readCidr(src, e, `${what}.except[${i}]`);
    if (p === undefined) return;
    // ValidateIPBlock: each except must be a strict subset of cidr.
    if (!inPrefix(p.addr, cidr) || cidr.len >= p.len) src.error(e, `${what}.except[${i}]: Invalid value: "${formatPrefix(p)}": must be a strict subset of \`cidr\``);
    else except.push(p);
  });
  return { cidr, except };
}
