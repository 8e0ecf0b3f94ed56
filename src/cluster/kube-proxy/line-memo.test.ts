// The line memo is only a cache: renders that find their lines kept (by earlier renders of the same service
// ports, in other modes and configurations) give what renders that make every line again give.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointChainNames } from './chain-names.js';
import { endpointLines, portLines, sepJump, sepRules, servicesRule, setLineMemo } from './line-memo.js';
import { fakeConfig, renderOnce, slice, svc } from './testing.js';
import type { EndpointSlice, Service } from './types.js';

afterEach(() => setLineMemo(true));

const serviceArb = fc.record({
  name: fc.constantFrom('lm-a', 'lm-b', 'lm-c'),
  port: fc.constantFrom(80, 8080),
  protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
  clusterIP: fc.constantFrom('172.30.7.1', '172.30.7.2'),
  itpLocal: fc.boolean(),
  affinity: fc.boolean(),
  eps: fc.subarray(['10.0.3.1', '10.0.3.2', '10.0.3.11', '10.9.0.1@test-node', '10.9.0.2@test-node']),
});
const stepArb = fc.record({
  services: fc.uniqueArray(serviceArb, { selector: (s) => s.name, maxLength: 3 }),
  large: fc.boolean(),
  cidr: fc.constantFrom('10.0.0.0/8', '10.0.0.0/16'),
  masqueradeAll: fc.boolean(),
});

describe('line memo (line-memo.ts)', () => {
  it('renders with lines kept by earlier renders give what renders without the memo give', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 2, maxLength: 6 }), (steps) => {
        for (const step of steps) {
          const services: Service[] = [];
          const slices: EndpointSlice[] = [];
          for (const s of step.services) {
            services.push(svc('ns', s.name, {
              clusterIP: s.clusterIP,
              ports: [{ name: 'p', port: s.port, protocol: s.protocol }],
              internalTrafficPolicy: s.itpLocal ? 'Local' : 'Cluster',
              sessionAffinity: s.affinity ? 'ClientIP' : 'None',
            }));
            slices.push(slice('ns', s.name, s.eps, { ports: [{ name: 'p', port: s.port, protocol: s.protocol }] }));
          }
          const config = fakeConfig({ largeClusterEndpointsThreshold: step.large ? 0 : 1000, localDetector: { kind: 'cidr', cidr: step.cidr }, masqueradeAll: step.masqueradeAll });
          setLineMemo(true);
          const kept = renderOnce(services, slices, config).text;
          setLineMemo(false);
          const plain = renderOnce(services, slices, config).text;
          setLineMemo(true);
          expect(kept).toBe(plain);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a kept line is handed back only for the values it was made from', () => {
    const t = endpointChainNames('ns/lm-x:p', 'TCP');
    const c = t.chain('10.0.0.1:80');
    const r = endpointLines(c, 'ns/lm-x:p', 'tcp', '10.0.0.1', '10.0.0.1:80');
    const small = sepRules(r, c.name, false);
    expect(sepRules(r, c.name, false)).toBe(small);
    expect(sepRules(r, c.name, true)).not.toContain('comment');
    expect(endpointLines(c, 'ns/lm-x:p', 'tcp', '10.0.0.1', '10.0.0.1:80')).toBe(r);
    expect(endpointLines(c, 'ns/lm-x:p', 'udp', '10.0.0.1', '10.0.0.1:80')).not.toBe(r);
    expect(sepJump(endpointLines(c, 'ns/lm-x:p', 'tcp', '10.0.0.1', '10.0.0.1:80'), c.name, 'KUBE-SVC-X', 2, false)).toContain('--probability 0.5000000000');
    const p = portLines(t, 'ns/lm-x:p', 'tcp', '172.30.0.9', 80);
    expect(servicesRule(p, 'KUBE-SVC-X')).toBe('\n-A KUBE-SERVICES -m comment --comment "ns/lm-x:p cluster IP" -m tcp -p tcp -d 172.30.0.9 --dport 80 -j KUBE-SVC-X');
    expect(servicesRule(portLines(t, 'ns/lm-x:p', 'tcp', '172.30.0.9', 81), 'KUBE-SVC-X')).toContain('--dport 81 ');
  });
});
