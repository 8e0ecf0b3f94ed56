// The reconciler's state between syncs (pkg/proxy/iptables/proxier.go Proxier): the change trackers, the
// service port map, and when the next sync must be a full one (first sync, a failed restore, a lost canary,
// FullSyncPeriod elapsed). Time is the caller's virtual clock, in seconds.

import { EndpointsChangeTracker } from './endpoints-change-tracker.js';
import type { UpdateEndpointsMapResult } from './endpoints-change-tracker.js';
import type { EndpointInfo } from './endpoints.js';
import { hookJumps } from './hook-jumps.js';
import type { HookJump } from './hook-jumps.js';
import { renderSync } from './render.js';
import { RenderMemo } from './render-memo.js';
import type { RenderSegments } from './render.js';
import { ServiceChangeTracker } from './service-change-tracker.js';
import type { UpdateServiceMapResult } from './service-change-tracker.js';
import type { ServicePortInfo } from './service-port.js';
import type { EndpointSlice, ProxierConfig, Service } from './types.js';

export interface SyncOptions {
  /** The virtual clock, seconds. */
  now: number;
  /** The nat chains in the kernel now; null: the stale-chain clean-up is skipped. */
  existingNatChains: Iterable<string> | null;
  /**
   * On a full sync, text to put before the restore input in SyncPlan.text (e.g. the hook jumps as restore text:
   * renderNodeProxy()), written into the one join of the text rather than concatenated to it after (a 23 MB
   * text at 10,000 Services would be copied again when first read). Ignored on a partial sync.
   */
  fullSyncPrefix?: string;
}

export interface SyncPlan {
  full: boolean;
  /** On a full sync, the hook jumps to ensure before the restore; [] otherwise. */
  hookJumps: HookJump[];
  /** The iptables-restore --noflush --counters input (after SyncOptions.fullSyncPrefix on a full sync). */
  text: string;
  /** `ns/name` of the Services whose own chains were written (all of them on a full sync). */
  changedServices: Set<string>;
  deletedChains: string[];
  largeClusterMode: boolean;
  serviceUpdate: UpdateServiceMapResult;
  endpointsUpdate: UpdateEndpointsMapResult;
  /** Run cleanStaleEntries() once the restore succeeded (endpointsUpdate.conntrackCleanupRequired). */
  conntrackCleanupRequired: boolean;
}

export class IptablesProxier {
  readonly config: ProxierConfig;
  private readonly serviceChanges: ServiceChangeTracker;
  private readonly endpointsChanges: EndpointsChangeTracker;
  private readonly serviceMap = new Map<string, ServicePortInfo>();
  private needFullSync = true;
  private lastFullSync = Number.NEGATIVE_INFINITY;
  private lastCleanup = Number.NEGATIVE_INFINITY;
  /** Each Service port's rendered lines, reused by later syncs while its port info and endpoints are the same objects. */
  private readonly segments: RenderSegments = new Map();
  private readonly memo = new RenderMemo();
  /** services() as of the last change of serviceMap. */
  private sortedServices: ServicePortInfo[] | null = null;

  constructor(config: ProxierConfig) {
    this.config = config;
    this.serviceChanges = new ServiceChangeTracker(config);
    this.endpointsChanges = new EndpointsChangeTracker(config);
  }

  onServiceAdd(svc: Service): void {
    this.serviceChanges.update(null, svc);
  }

  onServiceUpdate(previous: Service, current: Service): void {
    this.serviceChanges.update(previous, current);
  }

  onServiceDelete(svc: Service): void {
    this.serviceChanges.update(svc, null);
  }

  onEndpointSliceAdd(slice: EndpointSlice): void {
    this.endpointsChanges.endpointSliceUpdate(slice, false);
  }

  onEndpointSliceUpdate(slice: EndpointSlice): void {
    this.endpointsChanges.endpointSliceUpdate(slice, false);
  }

  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.endpointsChanges.endpointSliceUpdate(slice, true);
  }

  /** Changes are waiting for a sync. */
  pending(): boolean {
    return this.serviceChanges.pending() > 0 || this.endpointsChanges.pending() > 0;
  }

  /** A failed restore or a lost canary: the next sync is a full one (forceSyncProxyRules()). */
  forceFullSync(): void {
    this.needFullSync = true;
  }

  services(): ServicePortInfo[] {
    return this.sorted().slice();
  }

  private sorted(): readonly ServicePortInfo[] {
    this.sortedServices ??= byKey(this.serviceMap);
    return this.sortedServices;
  }

  endpoints(): ReadonlyMap<string, readonly EndpointInfo[]> {
    return this.endpointsChanges.endpointsMap();
  }

  /** syncProxyRules(): applies the pending changes and renders the sync. Call syncFailed() if the restore fails. */
  sync(opts: SyncOptions): SyncPlan {
    const full = this.needFullSync || opts.now - this.lastFullSync >= this.config.fullSyncPeriodSeconds;
    const serviceUpdate = this.serviceChanges.applyTo(this.serviceMap);
    if (serviceUpdate.updatedServices.size > 0) this.sortedServices = null;
    const endpointsUpdate = this.endpointsChanges.checkout();
    // A full sync writes every Service whatever changed (and counts every endpoint): no set of the changed ones.
    let changed: Set<string> | undefined;
    if (!full) {
      changed = new Set(serviceUpdate.updatedServices);
      for (const nn of endpointsUpdate.updatedServices) changed.add(nn);
    }
    const services = this.sorted();
    const endpoints = this.endpoints();
    // Counted again only for the Services that changed (render-memo.ts); renderSync takes this total rather than count again.
    const total = this.memo.endpointTotal(services, endpoints, changed);
    const large = total > this.config.largeClusterEndpointsThreshold;
    // In large-cluster mode the iptables-save for the clean-up runs at most once per sync period.
    const cleanup = opts.existingNatChains !== null && (!large || opts.now - this.lastCleanup >= this.config.syncPeriodSeconds);
    const r = renderSync({
      config: this.config, services, endpoints,
      changedServices: changed ?? null,
      existingNatChains: cleanup ? opts.existingNatChains : null,
      segments: this.segments,
      memo: this.memo,
      touched: changed,
      endpointTotal: total,
      prefix: full ? opts.fullSyncPrefix : undefined,
    });
    if (cleanup) this.lastCleanup = opts.now;
    if (full) {
      this.lastFullSync = opts.now;
      this.needFullSync = false;
    }
    // A full sync's set (every Service) is made when first read: a caller that only applies the text never does.
    let names = changed;
    return {
      full,
      hookJumps: full ? hookJumps() : [],
      text: r.text,
      get changedServices(): Set<string> {
        return (names ??= serviceNames(services));
      },
      deletedChains: r.deletedChains,
      largeClusterMode: r.largeClusterMode,
      serviceUpdate,
      endpointsUpdate,
      conntrackCleanupRequired: endpointsUpdate.conntrackCleanupRequired,
    };
  }

  /** The restore failed: the kernel kept the old rules; resync everything next time. */
  syncFailed(): void {
    this.needFullSync = true;
  }
}

/**
 * The map's values in the order of their keys (each value's own `key`). The keys are sorted by the default sort
 * (UTF-16 code units, as `<` compares strings: the same order), which compares strings without calling a
 * comparator, then looked up: about twice as fast as sorting the values by a comparator at 20,000 ports.
 */
function byKey(map: ReadonlyMap<string, ServicePortInfo>): ServicePortInfo[] {
  const keys = [...map.keys()].sort();
  const out = new Array<ServicePortInfo>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = map.get(keys[i])!;
  return out;
}

function serviceNames(services: readonly ServicePortInfo[]): Set<string> {
  const out = new Set<string>();
  for (const s of services) out.add(s.service);
  return out;
}
