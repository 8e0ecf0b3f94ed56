// kube-proxy's sync on a node that was already running when the cluster changed: its proxier has the old
// Services and EndpointSlices (its first, full sync made the node's rules), the informers deliver what changed
// (add, update, delete events, as the API server's watch would), and the next syncProxyRules() writes only the
// changed Services' chains, deleting the stale KUBE-SVC-/KUBE-SEP- chains it finds in the node's nat table.
// The text is what kube-proxy feeds `iptables-restore --noflush --counters` (proxier.go syncProxyRules()).

import type { CompiledCluster } from './compile.js';
import type { EndpointSliceObject, ServiceObject } from './model.js';
import { IptablesProxier } from './kube-proxy/index.js';
import { defaultKubeProxySettings, nodeProxierConfig, toProxierService, toProxierSlice } from './services.js';

/** kube-proxy's second sync on `node` after `before` became `after`; undefined when the node runs no kube-proxy. */
export function nodeProxySync(before: CompiledCluster, after: CompiledCluster, node: string, existingNatChains: Iterable<string>): string | undefined {
  const settings = after.spec.kubeProxy ?? defaultKubeProxySettings();
  const n = after.nodes.find((x) => x.name === node);
  if (settings.mode !== 'iptables' || after.spec.network === 'docker-bridge' || n === undefined) return undefined;
  const sysctls = after.spec.nodes.find((x) => x.name === node)?.sysctls ?? {};
  const proxier = new IptablesProxier(nodeProxierConfig(after.spec, { name: n.name, ip: n.ip, sysctls }, settings));
  for (const s of before.services) proxier.onServiceAdd(toProxierService(s));
  for (const e of before.endpointSlices) proxier.onEndpointSliceAdd(toProxierSlice(e));
  proxier.sync({ now: 0, existingNatChains: null });
  const svcKey = (s: ServiceObject) => `${s.meta.namespace}/${s.meta.name}`;
  const sliceKey = (e: EndpointSliceObject) => `${e.meta.namespace}/${e.meta.name}`;
  const oldSvc = new Map(before.services.map((s) => [svcKey(s), toProxierService(s)]));
  const newSvc = new Map(after.services.map((s) => [svcKey(s), toProxierService(s)]));
  for (const [k, s] of oldSvc) if (!newSvc.has(k)) proxier.onServiceDelete(s);
  for (const [k, s] of newSvc) {
    const was = oldSvc.get(k);
    if (was === undefined) proxier.onServiceAdd(s);
    else if (JSON.stringify(was) !== JSON.stringify(s)) proxier.onServiceUpdate(was, s);
  }
  const oldSlices = new Map(before.endpointSlices.map((e) => [sliceKey(e), toProxierSlice(e)]));
  const newSlices = new Map(after.endpointSlices.map((e) => [sliceKey(e), toProxierSlice(e)]));
  for (const [k, e] of oldSlices) if (!newSlices.has(k)) proxier.onEndpointSliceDelete(e);
  for (const [k, e] of newSlices) {
    const was = oldSlices.get(k);
    if (was === undefined) proxier.onEndpointSliceAdd(e);
    else if (JSON.stringify(was) !== JSON.stringify(e)) proxier.onEndpointSliceUpdate(e);
  }
  // Within FullSyncPeriod of the first sync: a partial one.
  return proxier.sync({ now: 1, existingNatChains }).text;
}
