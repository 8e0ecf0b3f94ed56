// Small builders for the reconciler's unit tests: a Service, an EndpointSlice, one render of them.

import { endpointsByServicePort } from './endpoints.js';
import { renderSync } from './render.js';
import type { RenderResult } from './render.js';
import { servicePortsOf } from './service-port.js';
import type { EndpointSlice, ProxierConfig, Service } from './types.js';
import { defaultProxierConfig } from './types.js';

/** NewFakeProxier()'s node: test-node, 192.168.0.2, pod CIDR 10.0.0.0/8, mark bit 14, both nfacct counters. */
export function fakeConfig(over: Partial<ProxierConfig> = {}): ProxierConfig {
  return defaultProxierConfig({
    localDetector: { kind: 'cidr', cidr: '10.0.0.0/8' },
    masqueradeMark: '0x4000',
    interfaces: { lo: ['127.0.0.1/8', '::1/128'], eth0: ['192.168.0.2/24', '192.168.1.2/24', '192.168.99.11/24', '2001:db8::1/64', '2001:db8:1::2/64'] },
    nfacctCounters: { ct_state_invalid_dropped_pkts: true, localhost_nps_accepted_pkts: true },
    ...over,
  });
}

export function svc(ns: string, name: string, over: Partial<Service> = {}): Service {
  return { namespace: ns, name, type: 'ClusterIP', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP' }], ...over };
}

/** One slice with `eps` as `ip` or `ip@node`, port p80/80 unless given. */
export function slice(ns: string, service: string, eps: string[], over: Partial<EndpointSlice> = {}): EndpointSlice {
  return {
    namespace: ns, service, name: `${service}-1`, addressType: 'IPv4',
    endpoints: eps.map((e) => {
      const [ip, node] = e.split('@');
      return { addresses: [ip], nodeName: node ?? null };
    }),
    ports: [{ name: 'p80', port: 80, protocol: 'TCP' }],
    ...over,
  };
}

/** A full sync of `services` and `slices`. */
export function renderOnce(services: Service[], slices: EndpointSlice[], config: ProxierConfig = fakeConfig()): RenderResult & { lines: string[] } {
  const ports = services.flatMap((s) => servicePortsOf(s, config.family));
  const r = renderSync({ config, services: ports, endpoints: endpointsByServicePort(slices, config.family, config.nodeName), changedServices: null, existingNatChains: null });
  return { ...r, lines: r.text.split('\n') };
}
