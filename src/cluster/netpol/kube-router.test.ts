import { describe, expect, it } from 'vitest';
import type { NetworkPolicyObject } from '../model.js';
import { renderKubeRouter } from './kube-router.js';
import type { PolicyPod, PolicyView } from './policy-view.js';

const pod = (namespace: string, name: string, ip: number, node: string): PolicyPod => ({ namespace, name, labels: { pod: name }, ip, node, hostNetwork: false, ports: [] });
const sel = (matchLabels: Record<string, string>) => ({ matchLabels, matchExpressions: [] });

// The worked example of reference networkpolicy.md §3.6 (e2e tcp-13): x/a allows only y/a.
const policy: NetworkPolicyObject = {
  kind: 'NetworkPolicy', meta: { name: 'allow-ns-y-pod-a-via-namespace-pod-selector', namespace: 'x', labels: {}, deleting: false },
  podSelector: sel({ pod: 'a' }), policyTypes: ['Ingress'],
  ingress: [{ peers: [{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'y' }), podSelector: sel({ pod: 'a' }) }], ports: [] }],
  egress: [],
};
const view: PolicyView = {
  policies: [policy],
  pods: [pod('x', 'a', 0x0af40102, 'node1'), pod('y', 'a', 0x0af40203, 'node2')],
  namespaceLabels: new Map([['x', { 'kubernetes.io/metadata.name': 'x' }], ['y', { 'kubernetes.io/metadata.name': 'y' }]]),
};

describe('renderKubeRouter', () => {
  const r = renderKubeRouter({ name: 'node1', serviceCIDR: { addr: 0x0a600000, len: 12 } }, view);
  const lines = r.text.split('\n');

  it('writes the policy chain as MARK and RETURN pairs over the target and peer sets', () => {
    const m = '-m comment --comment "x/allow-ns-y-pod-a-via-namespace-pod-selector ingress pods" -m set --match-set KUBE-SRC-QOAUOSQHZ65QKP6N src -m set --match-set KUBE-DST-JT7G4RSHSTSO5IFL dst';
    expect(lines).toContain(`-A KUBE-NWPLCY-2UXTJ73SWOAWIYYR ${m} -j MARK --set-xmark 0x10000/0x10000`);
    expect(lines).toContain(`-A KUBE-NWPLCY-2UXTJ73SWOAWIYYR ${m} -m mark --mark 0x10000/0x10000 -j RETURN`);
    expect(r.ipsets).toEqual(expect.arrayContaining([
      { name: 'KUBE-DST-JT7G4RSHSTSO5IFL', type: 'hash:ip', members: ['10.244.1.2'] },
      { name: 'KUBE-SRC-QOAUOSQHZ65QKP6N', type: 'hash:ip', members: ['10.244.2.3'] },
    ]));
  });

  it('writes a pod chain only for the local pod, in kube-router\'s order', () => {
    const chain = lines.filter((l) => l.startsWith('-A KUBE-POD-FW-QYUVA5AFBMRLTDZQ ')).map((l) => l.slice('-A KUBE-POD-FW-QYUVA5AFBMRLTDZQ '.length));
    expect(chain).toEqual([
      '-m comment --comment "common netpol rules" -j KUBE-NWPLCY-COMMON',
      '-d 10.244.1.2/32 -m comment --comment "from local node" -m addrtype --src-type LOCAL -j ACCEPT',
      '-s 10.244.1.2/32 -m comment --comment "default egress" -j KUBE-NWPLCY-DEFAULT',
      '-d 10.244.1.2/32 -m comment --comment "x/allow-ns-y-pod-a-via-namespace-pod-selector policy" -j KUBE-NWPLCY-2UXTJ73SWOAWIYYR',
      '-m comment --comment "x/a log-drop" -m mark ! --mark 0x10000/0x10000 -m limit --limit 10/min --limit-burst 10 -j NFLOG --nflog-group 100',
      '-m comment --comment "x/a reject" -m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp-port-unreachable',
      '-j MARK --set-xmark 0x0/0x10000',
      '-m comment --comment "set netpol-ok mark" -j MARK --set-xmark 0x20000/0x20000',
    ]);
    expect(r.text).not.toContain('"y/a in"');
    expect(lines).toContain('-I FORWARD -m comment --comment "kube-router netpol - TEMCG2JMHZYE7H7T" -j KUBE-ROUTER-FORWARD');
    expect(r.labels.get('KUBE-SRC-QOAUOSQHZ65QKP6N')).toBe('x/allow-ns-y-pod-a-via-namespace-pod-selector ingress rule 0 pods');
  });

  it('splits a policy with both types into an ingress and an egress chain (the specification, not kube-router)', () => {
    const both: NetworkPolicyObject = { ...policy, meta: { ...policy.meta, name: 'both' }, policyTypes: ['Ingress', 'Egress'], egress: [] };
    const t = renderKubeRouter({ name: 'node1', serviceCIDR: { addr: 0x0a600000, len: 12 } }, { ...view, policies: [both] }).text;
    expect(t).toMatch(/-d 10\.244\.1\.2\/32 -m comment --comment "x\/both policy" -j KUBE-NWPLCY-/);
    expect(t).toMatch(/-s 10\.244\.1\.2\/32 -m comment --comment "x\/both policy" -j KUBE-NWPLCY-/);
  });
});
