// What each per-service chain stands for, so a trace can say `KUBE-SVC-XPGD46QRK7WJZT7O = ns1/svc1:p80` and
// `KUBE-SEP-SXIVWICOYRO3J4NJ = ns1/svc1:p80 -> 10.180.0.1:80` (the cluster layer may add the pod's name).

import type { EndpointInfo } from './endpoints.js';
import { sepChain } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

export interface ChainLabel {
  /** ServicePortName.String(): `ns/name[:port]`. */
  servicePort: string;
  kind: 'service' | 'local' | 'external' | 'firewall' | 'endpoint';
  /** For endpoint chains: `ip:port`. */
  endpoint?: string;
  /** `ns1/svc1:p80`, or `ns1/svc1:p80 -> 10.180.0.1:80`. */
  text: string;
}

/** Labels for every chain the Services and endpoints can have (used or not by the current sync). */
export function chainLabels(services: Iterable<ServicePortInfo>, endpoints: ReadonlyMap<string, readonly EndpointInfo[]>): Map<string, ChainLabel> {
  const out = new Map<string, ChainLabel>();
  for (const s of services) {
    const { svc, svl, ext, fw } = s.chains;
    for (const [chain, kind] of [[svc, 'service'], [svl, 'local'], [ext, 'external'], [fw, 'firewall']] as const) {
      out.set(chain, { servicePort: s.name, kind, text: s.name });
    }
    for (const ep of endpoints.get(s.key) ?? []) {
      out.set(sepChain(s, ep), { servicePort: s.name, kind: 'endpoint', endpoint: ep.text, text: `${s.name} -> ${ep.text}` });
    }
  }
  return out;
}
