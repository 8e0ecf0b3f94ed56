// EndpointSlices printed in the shape of `kubectl describe endpointslice` (kubectl's describe.go,
// describeEndpointSliceV1), with the three conditions the dataplane reads (ready, serving, terminating)
// where kubectl prints Ready only: enough to see a readiness change reach the slice.

import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { EndpointSliceObject } from './model.js';

function table(rows: string[][], indent: string): string[] {
  const widths = rows[0].map((_, c) => rows.reduce((m, r) => Math.max(m, r[c].length), 0));
  return rows.map((r) => `${indent}${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 2))).join('')}`.trimEnd());
}

export function describeEndpointSlices(slices: readonly EndpointSliceObject[]): string {
  const out: string[] = [];
  for (const s of slices) {
    if (out.length > 0) out.push('');
    out.push(`Name:         ${s.meta.name}`);
    out.push(`Namespace:    ${s.meta.namespace}`);
    out.push(`Labels:       kubernetes.io/service-name=${s.serviceName}`);
    out.push('AddressType:  IPv4');
    out.push('Ports:');
    for (const l of table([['Name', 'Port', 'Protocol'], ['----', '----', '--------'], ...s.ports.map((p) => [p.name ?? '<unset>', String(p.port), p.protocol])], '  ')) out.push(l);
    out.push('Endpoints:');
    if (s.endpoints.length === 0) out.push('  <none>');
    for (const e of s.endpoints) {
      out.push(`  - Addresses:  ${e.addresses.map(formatIpv4).join(',')}`);
      out.push('    Conditions:');
      out.push(`      Ready:        ${e.conditions.ready}`);
      out.push(`      Serving:      ${e.conditions.serving}`);
      out.push(`      Terminating:  ${e.conditions.terminating}`);
      out.push(`    Hostname:   ${e.hostname ?? '<unset>'}`);
      out.push(`    TargetRef:  ${e.pod === undefined ? '<unset>' : `Pod/${e.pod.slice(e.pod.indexOf('/') + 1)}`}`);
      out.push(`    NodeName:   ${e.nodeName ?? '<unset>'}`);
    }
  }
  return out.join('\n');
}
