// kube-proxy's ShouldSkipService(): an ExternalName Service and a headless one (clusterIP: None) get no rules
// at all (no KUBE-SVC/SEP chain, no KUBE-SERVICES rule, no REJECT), even when the headless one has ready
// endpoints; a trace addressed to either by svc/NAME says why it cannot be sent there.
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../src/scenario/load.js';

const SCENARIO = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: skipped}
cluster: {podCIDR: 10.244.0.0/16, serviceCIDR: 10.96.0.0/12, network: flannel-vxlan}
underlay: {cidr: 192.168.56.0/24}
nodes:
  - {name: node-a, ip: 192.168.56.11}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {containers: [{name: c}]}}
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db}
    spec:
      serviceName: db
      replicas: 2
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec: {containers: [{name: pg, ports: [{name: pg, containerPort: 5432}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: db}
    spec: {clusterIP: None, selector: {app: db}, ports: [{name: pg, port: 5432, targetPort: pg}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: docs}
    spec: {type: ExternalName, externalName: docs.example.com}
  - apiVersion: v1
    kind: Service
    metadata: {name: api}
    spec: {clusterIP: 10.96.0.20, selector: {app: db}, ports: [{name: pg, port: 5432, targetPort: pg}]}
`;

describe('Services kube-proxy skips', () => {
  it('an ExternalName and a headless Service get no chains and no rules', () => {
    const r = loadScenarioText(`${SCENARIO}traces: [{name: t, from: pod/client, to: svc/api, proto: tcp, expect: {disposition: DELIVERED}}]\n`, 'skipped.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
    const c = r.scenario.cluster!;
    // The headless Service has endpoints (its slice exists), so only the skip keeps its rules out.
    expect(c.endpointSlices.some((s) => s.serviceName === 'db' && s.endpoints.length === 2)).toBe(true);
    const rules = c.world.namespaces.find((n) => n.name === 'node-a')!.iptables ?? '';
    const labels = [...c.serviceChains.values()].map((l) => JSON.stringify(l));
    for (const name of ['default/db', 'default/docs']) {
      expect(rules).not.toContain(`"${name}`);
      expect(rules).not.toContain(`--comment ${name}`);
      expect(labels.some((l) => l.includes(name))).toBe(false);
    }
    // The ClusterIP Service over the same pods does get its chains: the check above could fail.
    expect(rules).toContain('default/api:pg cluster IP');
    expect(rules).toMatch(/:KUBE-SEP-\w+ - \[0:0\]/);
    expect(labels.filter((l) => l.includes('default/api')).length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['docs', /service "default\/docs" is type ExternalName: cluster DNS answers its name with a CNAME to docs\.example\.com, and kube-proxy writes no rules for it/],
    ['db', /service "default\/db" is headless \(clusterIP: None\): kube-proxy writes no rules for it/],
  ])('a trace to svc/%s says why it has no address', (name, message) => {
    const r = loadScenarioText(`${SCENARIO}traces: [{name: t, from: pod/client, to: svc/${name}, proto: tcp}]\n`, 'skipped.yaml');
    expect(r.ok).toBe(false);
    const d = r.ok ? [] : r.diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0].message).toMatch(message);
    expect([d[0].line, d[0].column]).toEqual([32, 46]);
  });
});
