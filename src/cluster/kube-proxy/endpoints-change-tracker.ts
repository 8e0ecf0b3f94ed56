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

let sharedWithPending = true;

/** Tests: false makes slicesAfter() always copy (the plain path its sharing of the pending map is held to). */
export function setSlicesShared(on: boolean): void {
  sharedWithPending = on;
}

/** A Service without endpoints (never changed). */
const NONE: ReadonlyMap<string, readonly EndpointInfo[]> = new Map();

/** One Service's slices and endpoints in the tracker (one map entry for all of it: one lookup per event). */
interface ServiceState {
  /** Slices as of the last checkout, per slice name; null: none. */
  applied: Map<string, EndpointSlice> | null;
  /** The checked-out endpoints map of the Service (never changed after): its keys, in `endpoints`; null: none. */
  keys: ReadonlyMap<string, unknown> | null;
  /** Pending slice versions (null: deleted); null: no pending change. */
  pending: Map<string, EndpointSlice | null> | null;
  /** An event since `pending` was made deleted a slice (a null in it, or once was). */
  deletes: boolean;
  /**
   * What its slices and endpoints become when the changes are applied, as the last event computed them (every
   * event of the Service computes them again), so checkout() does not; null: not computed.
   */
  afterSlices: Map<string, EndpointSlice> | null;
  afterEndpoints: Map<string, readonly EndpointInfo[]> | null;
  /** Its name is in the tracker's queue (since its pending map was made; until the next checkout). */
  queued: boolean;
}

export class EndpointsChangeTracker {
  /** Per Service (`ns/name`) with slices, checked-out endpoints or pending changes. */
  private readonly states = new Map<string, ServiceState>();
  /**
   * The names of the Services with pending changes, in no order, each at least once (a change dropped as no change
   * leaves its name: checkout() skips a state without a pending map). A list rather than a map: a full sync's
   * 10,000 Services are each queued once, and nothing looks a name up in it.
   */
  private queue: string[] = [];
  /** The states with a pending map. */
  private pendingCount = 0;
  /** Endpoints as of the last checkout, per service port key. */
  private readonly endpoints = new Map<string, readonly EndpointInfo[]>();
  private readonly family: IpFamily;
  private readonly nodeName: string;

  constructor(config: Pick<ProxierConfig, 'family' | 'nodeName'>) {
    this.family = config.family;
    this.nodeName = config.nodeName;
  }

  /**
   * The Service's slices once its pending changes are applied. With none applied yet and no deletion pending, that
   * is the pending map itself (no copy: a Service's first events): the map is then never changed again, since each
   * event that adds to it computes these again and a checkout, or a change dropped as no change, ends it (pending
   * becomes null and the next event starts a new one).
   */
  private slicesAfter(st: ServiceState): Map<string, EndpointSlice> {
    const base = st.applied;
    const pending = st.pending;
    if (base === null && pending !== null && !st.deletes && sharedWithPending) return pending as Map<string, EndpointSlice>;
    const out = base === null ? new Map<string, EndpointSlice>() : new Map(base);
    if (pending === null) return out;
    // Keys, then values: an entries() loop makes an array per entry.
    for (const name of pending.keys()) {
      const s = pending.get(name);
      if (s) out.set(name, s);
      else out.delete(name);
    }
    return out;
  }

  /** `slices`: the slices of the Service `nn`. */
  private endpointsOf(nn: string, slices: Map<string, EndpointSlice>): Map<string, readonly EndpointInfo[]> {
    const eps = endpointsByServicePort(slices.values(), this.family, this.nodeName, nn);
    for (const k of eps.keys()) if (eps.get(k)!.length === 0) eps.delete(k);
    return eps;
  }

  private appliedEndpointsOf(nn: string, st: ServiceState): ReadonlyMap<string, readonly EndpointInfo[]> {
    const keys = st.keys;
    if (keys === null) return NONE;
    const out = new Map<string, readonly EndpointInfo[]>();
    for (const k of keys.keys()) {
      const v = this.endpoints.get(k);
      if (v !== undefined && (k.startsWith(`${nn}:`) || k.startsWith(`${nn}/`))) out.set(k, v);
    }
    return out;
  }

  /** EndpointSliceUpdate(): true when the Service has a pending change after this event. */
  endpointSliceUpdate(slice: EndpointSlice, remove: boolean): boolean {
    const nn = serviceName(slice.namespace, slice.service);
    let st = this.states.get(nn);
    if (st === undefined) this.states.set(nn, (st = { applied: null, keys: null, pending: null, deletes: false, afterSlices: null, afterEndpoints: null, queued: false }));
    let p = st.pending;
    if (p === null) {
      st.pending = p = new Map();
      st.deletes = false;
      this.pendingCount++;
      if (!st.queued) {
        st.queued = true;
        this.queue.push(nn);
      }
    }
    if (remove) st.deletes = true;
    p.set(slice.name, remove ? null : slice);
    const slices = this.slicesAfter(st);
    const after = this.endpointsOf(nn, slices);
    if (sameEndpointMaps(after, this.appliedEndpointsOf(nn, st))) {
      // Nothing kube-proxy uses changed: keep the slices, drop the change.
      st.applied = slices.size > 0 ? slices : null;
      st.pending = st.afterSlices = st.afterEndpoints = null;
      this.pendingCount--;
      if (st.applied === null && st.keys === null) this.states.delete(nn);
      return false;
    }
    st.afterSlices = slices;
    st.afterEndpoints = after;
    return true;
  }

  pending(): number {
    return this.pendingCount;
  }

  /** EndpointsMap.Update(): applies and clears the pending changes. */
  checkout(): UpdateEndpointsMapResult {
    const result: UpdateEndpointsMapResult = { updatedServices: new Set(), deletedUDPEndpoints: [], newlyActiveUDPServices: [], conntrackCleanupRequired: false };
    const queue = this.queue.sort();
    this.queue = [];
    this.pendingCount = 0;
    for (let i = 0; i < queue.length; i++) {
      const nn = queue[i];
      const st = this.states.get(nn);
      // Queued twice (its state was dropped and made again), or no longer pending (the change was dropped).
      if (st === undefined || (i > 0 && queue[i - 1] === nn)) continue;
      st.queued = false;
      if (st.pending === null) continue;
      const slices = st.afterSlices ?? this.slicesAfter(st);
      const before = this.appliedEndpointsOf(nn, st);
      const after = st.afterEndpoints ?? this.endpointsOf(nn, slices);
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
      st.keys = after.size > 0 ? after : null;
      st.applied = slices.size > 0 ? slices : null;
      st.pending = st.afterSlices = st.afterEndpoints = null;
      if (st.applied === null && st.keys === null) this.states.delete(nn);
    }
    return result;
  }

  /** The endpoints map as of the last checkout (service port key -> endpoints, sorted). */
  endpointsMap(): ReadonlyMap<string, readonly EndpointInfo[]> {
    return this.endpoints;
  }
}

