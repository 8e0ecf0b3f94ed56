// The port blocks are only a cache: renders that write a plain port's pieces as an earlier render (of this or
// another proxier, in the same or another mode and configuration) kept them give what renders that make every
// line give.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { portLines } from './line-memo.js';
import { endpointChainNames } from './chain-names.js';
import { setPortBlocks } from './port-block.js';
import { IptablesProxier } from './proxier.js';
import { fakeConfig, renderOnce, svc } from './testing.js';
import type { EndpointSlice, ProxierConfig, Service } from './types.js';

afterEach(() => setPortBlocks(true));

const endpointArb = fc.record({
  ip: fc.constantFrom('10.0.4.1', '10.0.4.2', '10.0.4.11', '10.9.4.1'),
  local: fc.boolean(),
  ready: fc.constantFrom(true, true, false),
  serving: fc.boolean(),
  terminating: fc.boolean(),
});
const serviceArb = fc.record({
  name: fc.constantFrom('pb-a', 'pb-b', 'pb-c'),
  port: fc.constantFrom(80, 8080),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  clusterIP: fc.constantFrom('172.30.8.1', '172.30.8.2'),
  // Mostly plain ports (the ones kept), some that are never kept.
  kind: fc.constantFrom('plain', 'plain', 'plain', 'nodePort', 'itpLocal', 'affinity'),
  eps: fc.uniqueArray(endpointArb, { selector: (e) => e.ip, maxLength: 4 }),
});
const servicesArb = fc.uniqueArray(serviceArb, { selector: (s) => s.name, maxLength: 3 });
const configArb = fc.record({
  large: fc.boolean(),
  detector: fc.constantFrom('10.0.0.0/8', '10.0.0.0/16', 'none'),
  masqueradeAll: fc.boolean(),
  /** The Service whose first endpoint changes readiness (or whose last endpoint goes) before the partial sync. */
  change: fc.nat(2),
  drop: fc.boolean(),
  /** The first Service's kind in this step, when not null (the same port and endpoints, plain or not). */
  kind: fc.constantFrom(null, null, 'plain' as const, 'nodePort' as const, 'itpLocal' as const, 'affinity' as const),
});
/** Steps that render one of two sets of Services under changing configurations (so kept blocks meet other values). */
const runArb = fc.record({
  sets: fc.tuple(servicesArb, servicesArb),
  steps: fc.array(fc.record({ set: fc.nat(1), config: configArb }), { minLength: 2, maxLength: 6 }),
});

type Step = (typeof configArb extends fc.Arbitrary<infer T> ? T : never) & { services: typeof servicesArb extends fc.Arbitrary<infer S> ? S : never };

function objects(step: Step): { services: Service[]; slices: EndpointSlice[]; config: ProxierConfig } {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (const [i, one] of step.services.entries()) {
    const s = i === 0 && step.kind !== null ? { ...one, kind: step.kind } : one;
    const ports = [{ name: 'p', port: s.port, protocol: s.protocol }];
    services.push(svc('ns', s.name, {
      clusterIP: s.clusterIP,
      type: s.kind === 'nodePort' ? 'NodePort' : 'ClusterIP',
      ports: [{ ...ports[0], nodePort: s.kind === 'nodePort' ? 30080 : 0 }],
      internalTrafficPolicy: s.kind === 'itpLocal' ? 'Local' : 'Cluster',
      sessionAffinity: s.kind === 'affinity' ? 'ClientIP' : 'None',
    }));
    slices.push({
      namespace: 'ns', service: s.name, name: `${s.name}-1`, addressType: 'IPv4', ports,
      endpoints: s.eps.map((e) => ({
        addresses: [e.ip], nodeName: e.local ? 'test-node' : 'other-node',
        conditions: { ready: e.ready, serving: e.serving, terminating: e.terminating },
      })),
    });
  }
  const config = fakeConfig({
    largeClusterEndpointsThreshold: step.large ? 0 : 1000,
    localDetector: step.detector === 'none' ? { kind: 'none' } : { kind: 'cidr', cidr: step.detector },
    masqueradeAll: step.masqueradeAll,
  });
  return { services, slices, config };
}

/**
 * A proxier's full sync and a partial one after one Service's endpoint changed, then two fresh full syncs (so
 * the next step starts with the blocks of a full sync of other values).
 */
function texts(step: Step): string[] {
  const { services, slices, config } = objects(step);
  const out: string[] = [];
  const proxier = new IptablesProxier(config);
  for (const s of services) proxier.onServiceAdd(s);
  for (const e of slices) proxier.onEndpointSliceAdd(e);
  out.push(proxier.sync({ now: 0, existingNatChains: null }).text);
  const changed = slices[step.change];
  if (changed !== undefined && changed.endpoints.length > 0 && step.drop) {
    proxier.onEndpointSliceUpdate({ ...changed, endpoints: changed.endpoints.slice(0, -1) });
  } else if (changed !== undefined && changed.endpoints.length > 0) {
    const [first, ...rest] = changed.endpoints;
    proxier.onEndpointSliceUpdate({ ...changed, endpoints: [{ ...first, conditions: { ready: !(first.conditions?.ready ?? true) } }, ...rest] });
  }
  out.push(proxier.sync({ now: 1, existingNatChains: null }).text);
  out.push(renderOnce(services, slices, config).text, renderOnce(services, slices, config).text);
  return out;
}

describe('port blocks (port-block.ts)', () => {
  it('renders that write kept blocks give what renders without them give', () => {
    fc.assert(
      fc.property(runArb, (run) => {
        for (const { set, config } of run.steps) {
          const step: Step = { services: run.sets[set], ...config };
          setPortBlocks(true);
          const kept = texts(step);
          setPortBlocks(false);
          const plain = texts(step);
          setPortBlocks(true);
          expect(kept).toEqual(plain);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a port rendered twice keeps its block, handed back only for the same values', () => {
    const services = [svc('ns', 'pb-x', { clusterIP: '172.30.8.9', ports: [{ name: 'p', port: 80, protocol: 'TCP' }] })];
    const slices: EndpointSlice[] = [{ namespace: 'ns', service: 'pb-x', name: 'pb-x-1', addressType: 'IPv4', ports: [{ name: 'p', port: 80, protocol: 'TCP' }], endpoints: [{ addresses: ['10.0.5.1'] }, { addresses: ['10.0.5.2'] }] }];
    const first = renderOnce(services, slices).text;
    const record = portLines(endpointChainNames('ns/pb-x:p', 'TCP'), 'ns/pb-x:p', 'tcp', '172.30.8.9', 80);
    expect(record.block).toBeNull();
    expect(renderOnce(services, slices).text).toBe(first);
    const block = record.block;
    expect(block?.natRules.lines).toBe(8);
    expect(block?.active).toHaveLength(3);
    // A hit writes the block as kept; other values render again and keep theirs.
    expect(renderOnce(services, slices).text).toBe(first);
    expect(record.block).toBe(block);
    const large = renderOnce(services, slices, fakeConfig({ largeClusterEndpointsThreshold: 0 })).text;
    expect(large).not.toContain('"ns/pb-x:p -> 10.0.5.1:80"');
    expect(record.block).not.toBe(block);
    expect(record.block?.large).toBe(true);
  });
});
