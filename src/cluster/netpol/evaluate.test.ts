import { describe, expect, it } from 'vitest';
import type { LabelSelector, NetworkPolicyObject, NetworkPolicyRule } from '../model.js';
import { evaluateConnection } from './evaluate.js';
import type { Connection } from './evaluate.js';
import type { PolicyPod, PolicyView } from './policy-view.js';
import { NAMESPACE_NAME_LABEL } from './policy-view.js';

const sel = (matchLabels: Record<string, string> = {}): LabelSelector => ({ matchLabels, matchExpressions: [] });
const pod = (namespace: string, name: string, ip: number, node = 'n1'): PolicyPod => ({
  namespace, name, labels: { pod: name }, ip, node, hostNetwork: false,
  ports: [{ name: 'serve-80-tcp', containerPort: 80, protocol: 'TCP' }, { name: 'web', containerPort: name === 'b' ? 8080 : 80, protocol: 'TCP' }],
});
const xa = pod('x', 'a', 0x0af40002);
const xb = pod('x', 'b', 0x0af40003, 'n2');
const ya = pod('y', 'a', 0x0af40102);
function policy(name: string, podSelector: LabelSelector, types: ('Ingress' | 'Egress')[], ingress: NetworkPolicyRule[] = [], egress: NetworkPolicyRule[] = []): NetworkPolicyObject {
  return { kind: 'NetworkPolicy', meta: { name, namespace: 'x', labels: {}, deleting: false }, podSelector, policyTypes: types, ingress, egress };
}
function view(...policies: NetworkPolicyObject[]): PolicyView {
  return { policies, pods: [xa, xb, ya], namespaceLabels: new Map<string, Record<string, string>>([['x', { [NAMESPACE_NAME_LABEL]: 'x' }], ['y', { [NAMESPACE_NAME_LABEL]: 'y', team: 'blue' }]]) };
}
const conn = (src: PolicyPod, dst: PolicyPod, port = 80): Connection => ({ src: { ip: src.ip!, pod: src }, dst: { ip: dst.ip!, pod: dst }, protocol: 'TCP', port });

describe('evaluateConnection', () => {
  it('deny-all ingress isolates every pod of the namespace, and only in that direction', () => {
    const v = view(policy('deny', sel(), ['Ingress']));
    expect(evaluateConnection(v, conn(ya, xa)).allowed).toBe(false);
    expect(evaluateConnection(v, conn(xa, ya)).allowed).toBe(true);
  });

  it('one peer with both selectors is an AND; two peers are an OR', () => {
    const and = view(policy('p', sel({ pod: 'a' }), ['Ingress'], [{ peers: [{ namespaceSelector: sel({ team: 'blue' }), podSelector: sel({ pod: 'b' }) }], ports: [] }]));
    expect(evaluateConnection(and, conn(ya, xa)).allowed).toBe(false);
    const or = view(policy('p', sel({ pod: 'a' }), ['Ingress'], [{ peers: [{ namespaceSelector: sel({ team: 'blue' }) }, { podSelector: sel({ pod: 'b' }) }], ports: [] }]));
    expect(evaluateConnection(or, conn(ya, xa)).allowed).toBe(true);
    expect(evaluateConnection(or, conn(xb, xa)).allowed).toBe(true);
  });

  it('ipBlock except subtracts only inside its own peer', () => {
    const block = { cidr: { addr: 0x0af40000, len: 16 }, except: [{ addr: 0x0af40102, len: 32 }] };
    const v = view(policy('p', sel({ pod: 'a' }), ['Ingress'], [{ peers: [{ ipBlock: block }], ports: [] }]));
    expect(evaluateConnection(v, conn(xb, xa)).allowed).toBe(true);
    expect(evaluateConnection(v, conn(ya, xa)).allowed).toBe(false);
  });

  it('named ports resolve on the destination pod; endPort is inclusive', () => {
    const named = view(policy('p', sel(), ['Ingress'], [{ peers: [], ports: [{ protocol: 'TCP', port: 'web' }] }]));
    expect(evaluateConnection(named, conn(ya, xb, 8080)).allowed).toBe(true);
    expect(evaluateConnection(named, conn(ya, xb, 80)).allowed).toBe(false);
    expect(evaluateConnection(named, conn(ya, xa, 80)).allowed).toBe(true);
    const range = view(policy('p', sel(), ['Ingress'], [{ peers: [], ports: [{ protocol: 'TCP', port: 80, endPort: 90 }] }]));
    expect(evaluateConnection(range, conn(ya, xa, 90)).allowed).toBe(true);
    expect(evaluateConnection(range, conn(ya, xa, 91)).allowed).toBe(false);
    const udp = view(policy('p', sel(), ['Ingress'], [{ peers: [], ports: [{ protocol: 'UDP', port: 80 }] }]));
    expect(evaluateConnection(udp, conn(ya, xa, 80)).allowed).toBe(false);
  });

  it('egress AND ingress must both allow; the pod\'s own node is always allowed in', () => {
    const v = view(policy('eg', sel({ pod: 'a' }), ['Egress']), policy('in', sel({ pod: 'b' }), ['Ingress'], [{ peers: [{ podSelector: sel({ pod: 'a' }) }], ports: [] }]));
    const r = evaluateConnection(v, conn(xa, xb));
    expect(r).toMatchObject({ allowed: false, egress: { allowed: false, isolatedBy: ['x/eg'] }, ingress: { allowed: true, allowedBy: ['x/in ingress[0]'] } });
    expect(evaluateConnection(v, { src: { ip: 0xc0a8380c, node: 'n2' }, dst: { ip: xb.ip!, pod: xb }, protocol: 'TCP', port: 80 }).allowed).toBe(true);
    expect(evaluateConnection(v, { src: { ip: 0xc0a8380b, node: 'n1' }, dst: { ip: xb.ip!, pod: xb }, protocol: 'TCP', port: 80 }).allowed).toBe(false);
  });
});
