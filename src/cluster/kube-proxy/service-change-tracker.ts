// pkg/proxy/servicechangetracker.go: Service events become pending changes (previous and current port maps per
// `ns/name`); a change that leaves the proxier's view of the Service as it was is dropped. Applying them to
// the service port map reports which Services changed (the partial sync rewrites only their chains).

import type { ServicePortInfo } from './service-port.js';
import { serviceName } from './service-names.js';
import { servicePortsOf } from './service-port.js';
import type { IpFamily, ProxierConfig, Service } from './types.js';

interface ServiceChange {
  previous: readonly ServicePortInfo[];
  current: readonly ServicePortInfo[];
}

export interface UpdateServiceMapResult {
  /** `ns/name` of every Service whose ports changed (added, updated or deleted). */
  updatedServices: Set<string>;
  /** Cluster IPs of UDP ports that went away (conntrack entries to them are stale). */
  deletedUDPClusterIPs: Set<string>;
}

/** reflect.DeepEqual of the two port maps; source ranges compare by their text. */
const json = (ports: readonly ServicePortInfo[]): string => JSON.stringify(ports, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const same = (a: readonly ServicePortInfo[], b: readonly ServicePortInfo[]): boolean => a.length === b.length && json(a) === json(b);

/** No ports (an added Service's previous ones, a deleted one's current ones): one array, never changed. */
const NO_PORTS: readonly ServicePortInfo[] = Object.freeze([]);

export class ServiceChangeTracker {
  private readonly items = new Map<string, ServiceChange>();
  private readonly family: IpFamily;

  constructor(config: Pick<ProxierConfig, 'family'>) {
    this.family = config.family;
  }

  /** ServiceChangeTracker.Update(): true when changes are pending. `previous` null: added; `current` null: deleted. */
  update(previous: Service | null, current: Service | null): boolean {
    const svc = current ?? previous;
    if (!svc) return this.items.size > 0;
    const nn = serviceName(svc.namespace, svc.name);
    let change = this.items.get(nn);
    if (!change) {
      change = { previous: previous ? servicePortsOf(previous, this.family, previous === svc ? nn : undefined) : NO_PORTS, current: NO_PORTS };
      this.items.set(nn, change);
    }
    change.current = current ? servicePortsOf(current, this.family, nn) : NO_PORTS;
    // A change back to where it started (or an update that changed nothing kube-proxy uses) is no change.
    if (same(change.previous, change.current)) this.items.delete(nn);
    return this.items.size > 0;
  }

  pending(): number {
    return this.items.size;
  }

  /** ServicePortMap.Update(): applies and clears the pending changes. `map` is keyed by ServicePortInfo.key. */
  applyTo(map: Map<string, ServicePortInfo>): UpdateServiceMapResult {
    const result: UpdateServiceMapResult = { updatedServices: new Set(), deletedUDPClusterIPs: new Set() };
    // forEach and indexed loops: no iterator result per entry and port.
    this.items.forEach((change, nn) => {
      result.updatedServices.add(nn);
      const { previous, current } = change;
      for (let i = 0; i < previous.length; i++) map.delete(previous[i].key);
      for (let i = 0; i < current.length; i++) map.set(current[i].key, current[i]);
      for (let i = 0; i < previous.length; i++) {
        const p = previous[i];
        if (p.protocol === 'UDP' && !current.some((c) => c.key === p.key)) result.deletedUDPClusterIPs.add(p.clusterIP);
      }
    });
    this.items.clear();
    return result;
  }
}
