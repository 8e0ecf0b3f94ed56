import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../scenario/load.js';
import { worldGraph } from './graph.js';

function graphOf(file: string) {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return worldGraph(r.scenario.world, r.scenario.cluster);
}

describe('worldGraph', () => {
  it('groups a cluster by node, names what each namespace stands for, and wires veths, ports and the VXLAN mesh', () => {
    const g = graphOf('scenarios/two-node-service.yaml');
    expect(g.nodes).toEqual(['node-a', 'node-b']);
    const kind = Object.fromEntries(g.namespaces.map((n) => [n.id, [n.kind, n.node, n.label]]));
    expect(kind).toMatchObject({ 'node-a': ['node', 'node-a', 'node-a'], client: ['pod', 'node-a', 'default/client'], 'web-0': ['pod', 'node-b', 'default/web-0'], underlay: ['underlay', null, 'underlay'] });
    const wire = (a: string, b: string) => g.wires.find((w) => (w.a === a && w.b === b) || (w.a === b && w.b === a));
    expect(wire('client/eth0', 'node-a/' + g.namespaces.find((n) => n.id === 'node-a')!.devices.find((d) => d.type === 'veth' && d.master === 'cni0')!.name)?.kind).toBe('veth');
    expect(g.wires.filter((w) => w.kind === 'vxlan').map((w) => [w.a, w.b])).toEqual([['node-a/flannel.1', 'node-b/flannel.1']]);
    // Every veth pair once, whichever end is read first.
    const veths = g.wires.filter((w) => w.kind === 'veth');
    expect(new Set(veths.map((w) => w.id)).size).toBe(veths.length);
    expect(g.services).toEqual([{ name: 'default/web', addresses: ['10.96.0.10:80/TCP'], type: 'ClusterIP' }]);
    expect(g.namespaces.find((n) => n.id === 'client')!.routes).toContain('default via 10.244.0.1 dev eth0');
  });

  it('draws a Topology scenario without node boxes', () => {
    const g = graphOf('scenarios/router-between-subnets.yaml');
    expect(g.nodes).toEqual([]);
    expect(g.namespaces.map((n) => n.kind)).toEqual(g.namespaces.map(() => 'netns'));
    expect(g.wires.filter((w) => w.kind === 'veth').length).toBe(2);
  });
});
