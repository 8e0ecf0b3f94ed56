// pkg/proxy/endpointschangetracker.go with endpointslicecache.go: EndpointSlice events are kept per Service
// as pending slices; checking out the changes turns them into endpoint lists and reports the Services whose
// endpoints really changed (a slice update that leaves the endpoints as they were is dropped).

import type { EndpointInfo } from './endpoints.js';
import { endpointsByServicePort, sameEndpointMaps } from './endpoints.js';
import { serviceName } from './service-names.js';
import type { EndpointSlice, IpFamily, ProxierConfig } from './types.js';

export interface UpdateEndpointsMapResult {
  /** `ns/name` of every Service whose endpoints changed. */
  updatedServices: Set<string>;
  /** UDP endpoints (`key ip:port`) that are gone: conntrack entries through them are stale. */
  deletedUDPEndpoints: Array<{ servicePort: string; endpoint: string }>;
  /** UDP service ports that had no endpoints and now have some (issue 48370). */
  newlyActiveUDPServices: string[];
  /**
   * A changed Service had or has a UDP port with endpoints: after a successful restore kube-proxy runs
   * conntrack.CleanStaleEntries() (EndpointsMap.Update(); a Service deleted without an endpoint change does
   * not trigger it, upstream issue 141371).
   */
  conntrackCleanupRequired: boolean;
}

/** A Service without endpoints (never changed). */
const NONE: ReadonlyMap<string, EndpointInfo[]> = new Map();

export class EndpointsChangeTracker {
  /** Slices as of the last checkout, per Service, per slice name. */
  private readonly applied = new Map<string, Map<string, EndpointSlice>>();
  /** Pending slice versions (null: deleted), per Service. */
  private readonly pendingSlices = new Map<string, Map<string, EndpointSlice | null>>();
  /** Endpoints as of the last checkout, per service port key. */
  private readonly endpoints = new Map<string, EndpointInfo[]>();
  /**
   * Per Service with pending slices: what its slices and endpoints become when the changes are applied, as the
   * last event computed them (every event of the Service computes them again), so checkout() does not.
   */
  private readonly pendingAfter = new Map<string, { slices: Map<string, EndpointSlice>; endpoints: Map<string, EndpointInfo[]> }>();
  /** The keys of `endpoints` per Service (`ns/name`), in the order they were set: its ports without a scan of all. */
  private readonly keysOf = new Map<string, ReadonlyMap<string, unknown>>();
  private readonly family: IpFamily;
  private readonly nodeName: string;

  constructor(config: Pick<ProxierConfig, 'family' | 'nodeName'>) {
    this.family = config.family;
    this.nodeName = config.nodeName;
  }

  private slicesAfter(nn: string): Map<string, EndpointSlice> {
    const base = this.applied.get(nn);
    const out = base === undefined ? new Map<string, EndpointSlice>() : new Map(base);
    const pending = this.pendingSlices.get(nn);
    if (pending === undefined) return out;
    // Keys, then values: an entries() loop makes an array per entry.
    for (const name of pending.keys()) {
      const s = pending.get(name);
      if (s) out.set(name, s);
      else out.delete(name);
    }
    return out;
  }

  /** `slices`: the slices of the Service `nn`. */
  private endpointsOf(nn: string, slices: Map<string, EndpointSlice>): Map<string, EndpointInfo[]> {
    const eps = endpointsByServicePort(slices.values(), this.family, this.nodeName, nn);
    for (const k of eps.keys()) if (eps.get(k)!.length === 0) eps.delete(k);
    return eps;
  }

  private appliedEndpointsOf(nn: string): ReadonlyMap<string, EndpointInfo[]> {
    const keys = this.keysOf.get(nn);
    if (keys === undefined) return NONE;
    const out = new Map<string, EndpointInfo[]>();
    for (const k of keys.keys()) {
      const v = this.endpoints.get(k);
      if (v !== undefined && (k.startsWith(`${nn}:`) || k.startsWith(`${nn}/`))) out.set(k, v);
    }
    return out;
  }

  /** EndpointSliceUpdate(): true when the Service has a pending change after this event. */
  endpointSliceUpdate(slice: EndpointSlice, remove: boolean): boolean {
    const nn = serviceName(slice.namespace, slice.service);
    let p = this.pendingSlices.get(nn);
    if (!p) this.pendingSlices.set(nn, (p = new Map()));
    p.set(slice.name, remove ? null : slice);
    const slices = this.slicesAfter(nn);
    const after = this.endpointsOf(nn, slices);
    if (sameEndpointMaps(after, this.appliedEndpointsOf(nn))) {
      // Nothing kube-proxy uses changed: keep the slices, drop the change.
      this.applied.set(nn, slices);
      this.pendingSlices.delete(nn);
      this.pendingAfter.delete(nn);
      return false;
    }
    this.pendingAfter.set(nn, { slices, endpoints: after });
    return true;
  }

  pending(): number {
    return this.pendingSlices.size;
  }

  /** EndpointsMap.Update(): applies and clears the pending changes. */
  checkout(): UpdateEndpointsMapResult {
    const result: UpdateEndpointsMapResult = { updatedServices: new Set(), deletedUDPEndpoints: [], newlyActiveUDPServices: [], conntrackCleanupRequired: false };
    for (const nn of [...this.pendingSlices.keys()].sort()) {
      const computed = this.pendingAfter.get(nn);
      const slices = computed?.slices ?? this.slicesAfter(nn);
      const before = this.appliedEndpointsOf(nn);
      const after = computed?.endpoints ?? this.endpointsOf(nn, slices);
      result.updatedServices.add(nn);
      // Keys, then values: an entries() loop makes an array per entry.
      let udp = false;
      for (const k of before.keys()) {
        if (!k.endsWith('/UDP')) continue;
        udp = true;
        const now = after.get(k) ?? [];
        for (const ep of before.get(k)!) if (!now.some((e) => e.text === ep.text)) result.deletedUDPEndpoints.push({ servicePort: k, endpoint: ep.text });
      }
      for (const k of before.keys()) this.endpoints.delete(k);
      for (const k of after.keys()) {
        const v = after.get(k)!;
        if (k.endsWith('/UDP')) {
          udp = true;
          if (v.length > 0 && !before.has(k)) result.newlyActiveUDPServices.push(k);
        }
        this.endpoints.set(k, v);
      }
      if (udp) result.conntrackCleanupRequired = true;
      // The checked-out map itself (never changed after): its keys, without a copy.
      if (after.size > 0) this.keysOf.set(nn, after);
      else this.keysOf.delete(nn);
      if (slices.size) this.applied.set(nn, slices);
      else this.applied.delete(nn);
    }
    this.pendingSlices.clear();
    this.pendingAfter.clear();
    return result;
  }

  /** The endpoints map as of the last checkout (service port key -> endpoints, sorted). */
  endpointsMap(): ReadonlyMap<string, readonly EndpointInfo[]> {
    return this.endpoints;
  }
}

