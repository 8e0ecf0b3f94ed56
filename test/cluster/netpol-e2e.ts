// Kubernetes' NetworkPolicy e2e truth tables (test/conformance/networkpolicy/upstream-e2e.json) as Cluster
// scenarios: the model's namespaces x/y/z and pods (labels pod=<name>, one container per served port and
// protocol with the named port serve-<port>-<proto>), one ClusterIP Service per pod, the pods spread over two
// flannel VXLAN nodes (so bridged and VXLAN paths both occur), and each test's steps as a timeline: apply,
// kubectl label, kubectl delete networkpolicy --all, and a `point` per validate step.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export interface E2eStep {
  op: 'createPolicy' | 'updatePolicy' | 'addNamespaceLabel' | 'addPodLabels' | 'deleteAllPolicies' | 'validate';
  namespace?: string;
  policy?: unknown;
  policyFull9?: unknown;
  key?: string;
  value?: string;
  pod?: string;
  labels?: Record<string, string>;
  port?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  matrix?: Record<'head' | 'full9', Record<string, Record<string, boolean>>>;
  matrixFull9?: unknown;
}

export interface E2eTest {
  id: string;
  it: string;
  serve: { protocols: ('TCP' | 'UDP' | 'SCTP')[]; ports: number[] };
  pods: { head: string[]; full9: string[] };
  steps: E2eStep[];
}

export type Variant = 'head' | 'full9';

export function loadE2e(): { tests: E2eTest[] } {
  const file = fileURLToPath(new URL('../conformance/networkpolicy/upstream-e2e.json', import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')) as { tests: E2eTest[] };
}

export const NODES = ['node-a', 'node-b'];

/** Pod i goes to node i mod 2 with the address .2, .3, ... of that node's /24 (written as status.podIP). */
export function podPlacement(pods: readonly string[]): Map<string, { node: string; ip: string }> {
  const out = new Map<string, { node: string; ip: string }>();
  const next = [2, 2];
  pods.forEach((p, i) => {
    const n = i % 2;
    out.set(p, { node: NODES[n], ip: `10.244.${n}.${next[n]++}` });
  });
  return out;
}

/** `{podIP:x/a}` and `{podNet4:x/a}` as the data defines them; full9's unmasked `/4` is masked (see the test). */
export function substitute(value: unknown, ips: ReadonlyMap<string, { ip: string }>): unknown {
  const text = JSON.stringify(value).replace(/\{(podIP|podNet4):([a-z]\/[a-z])\}(\/\d+)?/g, (_m, kind: string, pod: string, len: string | undefined) => {
    const ip = ips.get(pod)?.ip;
    if (ip === undefined) throw new Error(`placeholder names pod ${pod}, which this variant does not create`);
    const l = len === undefined ? 32 : Number(len.slice(1));
    const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const bits = kind === 'podNet4' ? 4 : l;
    const masked = bits === 0 ? 0 : (n & (0xffffffff << (32 - bits))) >>> 0;
    const addr = [24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.');
    return len === undefined ? addr : `${addr}${len}`;
  });
  return JSON.parse(text);
}

/** The scenario YAML of one test and variant; `points` lists the validate steps by point name. */
export function scenarioOf(test: E2eTest, variant: Variant): { yaml: string; points: Map<string, E2eStep> } {
  const pods = test.pods[variant];
  const place = podPlacement(pods);
  const objects: unknown[] = ['x', 'y', 'z'].map((ns) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
  let svcIp = 100;
  for (const p of pods) {
    const [ns, name] = p.split('/');
    const containers = [];
    for (const port of test.serve.ports) {
      for (const proto of test.serve.protocols) {
        const l = proto.toLowerCase();
        containers.push({ name: `cont-${port}-${l}`, image: 'agnhost', ports: [{ containerPort: port, name: `serve-${port}-${l}`, protocol: proto }] });
      }
    }
    const at = place.get(p)!;
    objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { pod: name } }, spec: { nodeName: at.node, containers }, status: { podIP: at.ip } });
    const ports = [];
    for (const port of test.serve.ports) for (const proto of test.serve.protocols) ports.push({ name: `service-port-${proto.toLowerCase()}-${port}`, protocol: proto, port });
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s-${ns}-${name}`, namespace: ns }, spec: { selector: { pod: name }, clusterIP: `10.96.0.${svcIp++}`, ports } });
  }
  const timeline: unknown[] = [];
  const points = new Map<string, E2eStep>();
  test.steps.forEach((s, i) => {
    switch (s.op) {
      case 'createPolicy':
      case 'updatePolicy':
        timeline.push({ apply: [substitute(variant === 'full9' && s.policyFull9 !== undefined ? s.policyFull9 : s.policy, place)] });
        return;
      case 'addNamespaceLabel':
        timeline.push({ kubectl: `kubectl label namespace ${s.namespace} ${s.key}=${s.value}` });
        return;
      case 'addPodLabels': {
        const [ns, name] = s.pod!.split('/');
        if (!place.has(s.pod!)) return;
        timeline.push({ kubectl: `kubectl label pod ${name} -n ${ns} ${Object.entries(s.labels!).map(([k, v]) => `${k}=${v}`).join(' ')}` });
        return;
      }
      case 'deleteAllPolicies':
        for (const ns of ['x', 'y', 'z']) timeline.push({ kubectl: `kubectl delete networkpolicy --all -n ${ns}` });
        return;
      case 'validate':
        timeline.push({ point: `validate-${i}` });
        points.set(`validate-${i}`, s);
        return;
    }
  });
  // A timeline runs at least one trace.
  const [first] = pods;
  timeline.push({ trace: { name: 'end', from: podRef(first), to: place.get(first)!.ip, proto: 'icmp' } });
  const doc = {
    apiVersion: 'packetwalk/v1', kind: 'Cluster', metadata: { name: test.id.slice(0, 60) },
    cluster: { podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', network: 'flannel-vxlan' },
    underlay: { cidr: '192.168.56.0/24' },
    nodes: [{ name: 'node-a', ip: '192.168.56.11' }, { name: 'node-b', ip: '192.168.56.12' }],
    objects,
    timeline,
  };
  return { yaml: stringify(doc), points };
}

export function podRef(p: string): string {
  return p;
}

export function podNetns(p: string): string {
  const [ns, name] = p.split('/');
  return `${ns}_${name}`;
}
