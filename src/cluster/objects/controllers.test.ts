import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeSpec, PodObject, ServiceObject, WorkloadObject } from '../model.js';
import { expandWorkload } from './controllers.js';
import { deriveEndpointSlices, PodIndex } from './endpoint-slices.js';
import { schedulePods } from './scheduler.js';

const node = (name: string): NodeSpec => ({ name, ip: 0, sysctls: {}, forwardPolicy: 'ACCEPT', listen: [] });
const nodes = [node('a'), node('b')];
const workload = (kind: WorkloadObject['kind'], replicas: number): WorkloadObject => ({
  kind,
  meta: { name: 'web', namespace: 'default', labels: {}, deleting: false },
  replicas,
  selector: { app: 'web' },
  template: { labels: { app: 'web' }, spec: { hostNetwork: false, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] } },
  serviceName: 'web',
});

describe('controllers', () => {
  it('names Deployment pods <deployment>-<hash>-<5> with the pod-template-hash label', () => {
    const pods = expandWorkload(workload('Deployment', 3), nodes, new Set());
    expect(pods).toHaveLength(3);
    const hash = pods[0].meta.labels['pod-template-hash'];
    for (const p of pods) {
      expect(p.meta.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(p.meta.labels.app).toBe('web');
    }
    expect(new Set(pods.map((p) => p.meta.name)).size).toBe(3);
    expect(expandWorkload(workload('Deployment', 3), nodes, new Set()).map((p) => p.meta.name)).toEqual(pods.map((p) => p.meta.name));
  });

  it('avoids names already taken', () => {
    const first = expandWorkload(workload('ReplicaSet', 1), nodes, new Set())[0].meta.name;
    const again = expandWorkload(workload('ReplicaSet', 1), nodes, new Set([`default/${first}`]))[0].meta.name;
    expect(again).not.toBe(first);
  });

  it('gives StatefulSet pods ordinals, hostname and subdomain', () => {
    const pods = expandWorkload(workload('StatefulSet', 2), nodes, new Set());
    expect(pods.map((p) => [p.meta.name, p.spec.hostname, p.spec.subdomain])).toEqual([['web-0', 'web-0', 'web'], ['web-1', 'web-1', 'web']]);
  });

  it('runs one DaemonSet pod per node, pinned', () => {
    const pods = expandWorkload(workload('DaemonSet', 1), nodes, new Set());
    expect(pods.map((p) => p.spec.nodeName)).toEqual(['a', 'b']);
  });
});

describe('scheduler', () => {
  it('keeps pinned pods and spreads the rest to the least loaded node, first in order on ties', () => {
    const pods = expandWorkload(workload('ReplicaSet', 3), nodes, new Set());
    const pinned: PodObject = { ...pods[0], meta: { ...pods[0].meta, name: 'x' }, spec: { ...pods[0].spec, nodeName: 'b' } };
    expect(schedulePods([pinned, ...pods], nodes)).toEqual(['b', 'a', 'a', 'b']);
  });
});

/** The scan the heap replaced: the least-loaded node, the first written on ties. */
function scanSchedule(pods: readonly PodObject[], ns: readonly NodeSpec[]): (string | undefined)[] {
  const load = new Map<string, number>(ns.map((n) => [n.name, 0]));
  const out: (string | undefined)[] = pods.map((p) => p.spec.nodeName);
  for (const name of out) if (name !== undefined && load.has(name)) load.set(name, load.get(name)! + 1);
  if (ns.length === 0) return out;
  for (let i = 0; i < pods.length; i++) {
    if (out[i] !== undefined) continue;
    let best = ns[0].name;
    for (const n of ns) if (load.get(n.name)! < load.get(best)!) best = n.name;
    out[i] = best;
    load.set(best, load.get(best)! + 1);
  }
  return out;
}

describe('scheduler at scale', () => {
  it('places every pod where the scan over all nodes would (pins, unknown and repeated node names included)', () => {
    const base = expandWorkload(workload('ReplicaSet', 1), nodes, new Set())[0];
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { maxLength: 7 }), fc.array(fc.option(fc.constantFrom('a', 'c', 'z')), { maxLength: 40 }), (names, pins) => {
        const ns = names.map(node);
        const pods = pins.map((pin, i): PodObject => ({ ...base, meta: { ...base.meta, name: `p${i}` }, spec: pin === null ? { ...base.spec } : { ...base.spec, nodeName: pin } }));
        expect(schedulePods(pods, ns)).toEqual(scanSchedule(pods, ns));
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

describe('EndpointSlice controller', () => {
  const svc: ServiceObject = {
    kind: 'Service', meta: { name: 'web', namespace: 'default', labels: {}, deleting: false }, selector: { app: 'web' }, type: 'ClusterIP',
    ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], publishNotReadyAddresses: false,
  };
  it('resolves named ports per pod and sets conditions from readiness and deletion', () => {
    const [p1, p2, p3] = expandWorkload(workload('ReplicaSet', 3), nodes, new Set());
    p2.status.ready = false;
    p3.meta.deleting = true;
    const slices = deriveEndpointSlices(svc, [{ pod: p1, node: 'a', ip: 1 }, { pod: p2, node: 'b', ip: 2 }, { pod: p3, node: 'a', ip: 3 }]);
    expect(slices).toHaveLength(1);
    expect(slices[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slices[0].endpoints.map((e) => e.conditions)).toEqual([
      { ready: true, serving: true, terminating: false },
      { ready: false, serving: false, terminating: false },
      { ready: false, serving: true, terminating: true },
    ]);
  });

  it('groups pods whose named port resolves differently into separate slices, and skips other namespaces', () => {
    const [p1, p2, p3] = expandWorkload(workload('ReplicaSet', 3), nodes, new Set());
    p2.spec = { ...p2.spec, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 9090, protocol: 'TCP' }] }] };
    p3.meta = { ...p3.meta, namespace: 'other' };
    const slices = deriveEndpointSlices(svc, [{ pod: p1, ip: 1 }, { pod: p2, ip: 2 }, { pod: p3, ip: 3 }]);
    expect(slices.map((s) => [s.ports[0].port, s.endpoints.length])).toEqual([[8080, 1], [9090, 1]]);
    expect(deriveEndpointSlices({ ...svc, selector: undefined }, [{ pod: p1, ip: 1 }])).toEqual([]);
  });
});

describe('EndpointSlice controller with the pod index', () => {
  it('derives the same slices from the index as from the whole pod list', () => {
    const base = expandWorkload(workload('ReplicaSet', 1), nodes, new Set())[0];
    const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'x'), fc.constantFrom('web', 'db', ''), { maxKeys: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(labels, fc.constantFrom('default', 'prod'), fc.boolean()), { maxLength: 25 }), fc.option(labels), fc.constantFrom('default', 'prod'), (specs, selector, namespace) => {
        const placed = specs.map(([l, ns, addressed], i) => ({
          pod: { ...base, meta: { ...base.meta, name: `p${i}`, namespace: ns, labels: l } },
          node: 'a',
          ...(addressed ? { ip: i + 1 } : {}),
        }));
        const svc: ServiceObject = {
          kind: 'Service', meta: { name: 'web', namespace, labels: {}, deleting: false }, type: 'ClusterIP', publishNotReadyAddresses: false,
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], ...(selector === null ? {} : { selector }),
        };
        expect(deriveEndpointSlices(svc, new PodIndex(placed))).toEqual(deriveEndpointSlices(svc, placed));
      }),
      { numRuns: 300, seed: 6 },
    );
  });
});
