// servicePortsOf() hands out one ServicePortInfo per port and values (kept on the port's names): what it gives
// is what making every port anew gives, across calls that share names and change one value at a time.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { servicePortsOf, setServicePortInterning } from './service-port.js';
import type { Service } from './types.js';

const serviceArb: fc.Arbitrary<Service> = fc.record({
  namespace: fc.constantFrom('ns1', 'ns2'),
  name: fc.constantFrom('a', 'b'),
  type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const, 'LoadBalancer' as const),
  clusterIP: fc.constantFrom('172.30.0.1', '172.30.0.2', 'fd00::1', 'None', '172.030.0.1'),
  externalIPs: fc.option(fc.array(fc.constantFrom('1.2.3.4', '1.2.3.5', 'fd00::9', 'x'), { maxLength: 2 }), { nil: undefined }),
  loadBalancerIngress: fc.option(fc.array(fc.record({ ip: fc.constantFrom('5.6.7.8', '5.6.7.9'), ipMode: fc.constantFrom('VIP' as const, 'Proxy' as const, null) }), { maxLength: 2 }), { nil: undefined }),
  loadBalancerSourceRanges: fc.option(fc.array(fc.constantFrom('10.0.0.0/8', '192.168.0.0/16'), { maxLength: 1 }), { nil: undefined }),
  externalTrafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const, null),
  internalTrafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const, null),
  sessionAffinity: fc.constantFrom('None' as const, 'ClientIP' as const),
  sessionAffinityTimeoutSeconds: fc.constantFrom(null, 60),
  healthCheckNodePort: fc.constantFrom(0, 32000),
  ports: fc.array(fc.record({
    name: fc.constantFrom('', 'http', 'dns'),
    port: fc.constantFrom(80, 53),
    protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
    nodePort: fc.constantFrom(0, 30080),
  }), { minLength: 1, maxLength: 3 }),
});

describe('servicePortsOf: port infos shared per port and values', () => {
  it('gives what making every port anew gives, and the same object for the same values', () => {
    fc.assert(
      fc.property(fc.array(serviceArb, { minLength: 1, maxLength: 8 }), fc.constantFrom('IPv4' as const, 'IPv6' as const), (services, family) => {
        for (const svc of services) {
          setServicePortInterning(true);
          const shared = servicePortsOf(svc, family);
          const again = servicePortsOf({ ...svc, ports: svc.ports.map((p) => ({ ...p })) }, family);
          setServicePortInterning(false);
          try {
            expect(shared).toEqual(servicePortsOf(svc, family));
          } finally {
            setServicePortInterning(true);
          }
          // A port of the same values (and no source range, whose parses are made per event) is the same object,
          // unless another port of the Service has its name and protocol (the names keep one info).
          const names = svc.ports.map((p) => `${p.name}/${p.protocol ?? 'TCP'}`);
          for (let i = 0; i < shared.length; i++) {
            if (shared[i].loadBalancerSourceRanges.length === 0 && names.filter((n) => n === names[i]).length === 1) expect(again[i]).toBe(shared[i]);
          }
        }
      }),
      { numRuns: 400, seed: 11 },
    );
  });
});
