import { describe, expect, it } from 'vitest';
import type { ClusterSpec, EndpointSliceObject, ServiceObject } from './model.js';
import { allocateNodePorts, defaultKubeProxySettings, hookJumpsText, nodeProxierConfig, proxyRulesNodeIndependent, renderNodeProxy, renderShareKey, toProxierService } from './services.js';
import { hookJumps } from './kube-proxy/index.js';
import { IptablesText } from './iptables-text.js';

function svc(name: string, type: ServiceObject['type'], nodePorts: (number | undefined)[]): ServiceObject {
  return {
    kind: 'Service', meta: { name, namespace: 'default', labels: {}, deleting: false }, type, publishNotReadyAddresses: false,
    clusterIP: 0x0a60000a, ports: nodePorts.map((n, i) => ({ name: `p${i}`, port: 80 + i, protocol: 'TCP', targetPort: 8080, nodePort: n })),
  };
}

describe('allocateNodePorts', () => {
  it('gives the lowest free port in object order, keeping given ones, none to ClusterIP Services', () => {
    const issues: { origin: unknown; message: string }[] = [];
    const out = allocateNodePorts([svc('a', 'NodePort', [undefined, 30001]), svc('b', 'ClusterIP', [undefined]), svc('c', 'LoadBalancer', [undefined])], issues);
    expect(out.map((s) => s.ports.map((p) => p.nodePort))).toEqual([[30000, 30001], [undefined], [30002]]);
    expect(issues).toEqual([]);
  });

  it('reports a port outside the range and a port taken twice', () => {
    const issues: { origin: unknown; message: string }[] = [];
    allocateNodePorts([svc('a', 'NodePort', [8080]), svc('b', 'NodePort', [30005]), svc('c', 'NodePort', [30005])], issues);
    expect(issues.map((i) => i.message)).toEqual([
      'service "default/a": nodePort 8080 is outside 30000-32767',
      'service "default/c": nodePort 30005 is already allocated',
    ]);
  });
});

describe('toProxierService', () => {
  it('writes addresses as text and unnamed ports as ""', () => {
    const s = { ...svc('a', 'LoadBalancer', [30000]), externalIPs: [0xc0a8380a], loadBalancerIngress: [0xc0a83864], externalTrafficPolicy: 'Local' as const };
    s.ports = [{ port: 80, protocol: 'TCP', targetPort: 8080, nodePort: 30000 }];
    expect(toProxierService(s)).toEqual({
      namespace: 'default', name: 'a', type: 'LoadBalancer', clusterIP: '10.96.0.10', externalIPs: ['192.168.56.10'],
      loadBalancerIngress: [{ ip: '192.168.56.100' }], externalTrafficPolicy: 'Local',
      ports: [{ name: '', port: 80, protocol: 'TCP', nodePort: 30000, targetPort: 8080 }],
    });
  });
});

describe('hookJumpsText', () => {
  it('leaves the jumps in the order EnsureRule(Prepend) does: the last ensured first', () => {
    const t = new IptablesText();
    t.append('filter', 'FORWARD', '-j FLANNEL-FWD');
    t.applyRestore(hookJumpsText(hookJumps()));
    const forward = t.render().split('\n').filter((l) => l.startsWith('-A FORWARD'));
    expect(forward[0]).toContain('-j KUBE-PROXY-FIREWALL');
    expect(forward.at(-1)).toBe('-A FORWARD -j FLANNEL-FWD');
    expect(t.render()).toContain(':KUBE-PROXY-CANARY - [0:0]');
  });
});

describe('SCTP', () => {
  it('keeps SCTP ports: kube-proxy renders -p sctp -m sctp rules for them, which our netfilter models', () => {
    const s = svc('a', 'ClusterIP', [undefined, undefined]);
    s.ports[1] = { ...s.ports[1], protocol: 'SCTP' };
    expect(toProxierService(s).ports.map((p) => p.protocol)).toEqual(['TCP', 'SCTP']);
  });
});

describe('proxyRulesNodeIndependent', () => {
  const slice = (addrs: [number, string][]): EndpointSliceObject => ({
    kind: 'EndpointSlice', meta: { name: 'a-1', namespace: 'default', labels: {}, deleting: false }, serviceName: 'a',
    ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }],
    endpoints: addrs.map(([ip, node]) => ({ addresses: [ip], nodeName: node, conditions: { ready: true, serving: true, terminating: false } })),
  });
  const spec = { underlay: { cidr: { addr: 0xc0a83800, len: 24 }, mtu: 1500 }, podCIDR: { addr: 0x0af40000, len: 16 } } as ClusterSpec;
  const nodeA = nodeProxierConfig(spec, { name: 'node-a', ip: 0xc0a8380b, sysctls: {} }, defaultKubeProxySettings());
  const nodeB = nodeProxierConfig(spec, { name: 'node-b', ip: 0xc0a8380c, sysctls: {} }, defaultKubeProxySettings());
  const eps = slice([[0x0af40002, 'node-a'], [0x0af40102, 'node-b']]);

  it('holds for ClusterIP Services: two nodes share a key and render the same text', () => {
    const services = [svc('a', 'ClusterIP', [undefined])];
    expect(proxyRulesNodeIndependent(services, [eps])).toBe(true);
    expect(renderShareKey(nodeA)).toBe(renderShareKey(nodeB));
    expect(renderNodeProxy(nodeA, services, [eps]).text).toBe(renderNodeProxy(nodeB, services, [eps]).text);
  });

  it('fails for a Local traffic policy (whose rules differ per node), NodePorts and an address given twice', () => {
    const local = { ...svc('a', 'ClusterIP', [undefined]), internalTrafficPolicy: 'Local' as const };
    expect(proxyRulesNodeIndependent([local], [eps])).toBe(false);
    expect(renderNodeProxy(nodeA, [local], [eps]).text).not.toBe(renderNodeProxy(nodeB, [local], [eps]).text);
    expect(proxyRulesNodeIndependent([svc('a', 'NodePort', [30000])], [eps])).toBe(false);
    expect(proxyRulesNodeIndependent([svc('a', 'ClusterIP', [undefined])], [eps, slice([[0x0af40002, 'node-b']])])).toBe(false);
  });

  it('keeps nodes apart whose settings differ (conntrack liberal mode)', () => {
    const liberal = nodeProxierConfig(spec, { name: 'node-c', ip: 0xc0a8380d, sysctls: { 'net.netfilter.nf_conntrack_tcp_be_liberal': 1 } }, defaultKubeProxySettings());
    expect(renderShareKey(liberal)).not.toBe(renderShareKey(nodeA));
  });
});
