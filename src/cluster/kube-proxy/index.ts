// kube-proxy, iptables mode: change trackers, the pure renderer (state + config -> iptables-restore text), the
// hook jumps, the apply step into our own netfilter, and the UDP conntrack clean-up.

export type {
  Endpoint, EndpointConditions, EndpointSlice, EndpointSlicePort, IpFamily, LoadBalancerIngress, LocalTrafficDetector,
  ProxierConfig, Service, ServicePort, ServiceProtocol, ServiceType, TrafficPolicy,
} from './types.js';
export { defaultProxierConfig } from './types.js';
export type { ServicePortInfo } from './service-port.js';
export { DEFAULT_AFFINITY_TIMEOUT_SECONDS, externallyAccessible, servicePortsOf, shouldSkipService } from './service-port.js';
export type { Categorized, EndpointInfo } from './endpoints.js';
export { categorizeEndpoints, endpointsByServicePort, sepChain } from './endpoints.js';
export type { ServiceChainNames } from './chain-names.js';
export { base32, endpointChainName, isServiceChainName, portProtoHash, serviceChainNames } from './chain-names.js';
export { ServiceChangeTracker } from './service-change-tracker.js';
export type { UpdateServiceMapResult } from './service-change-tracker.js';
export { EndpointsChangeTracker } from './endpoints-change-tracker.js';
export type { UpdateEndpointsMapResult } from './endpoints-change-tracker.js';
export type { RenderInput, RenderResult, RenderSegments, ServiceSegment } from './render.js';
export { masqueradeMark, renderSync, totalEndpoints } from './render.js';
export { probability } from './probability.js';
export { sortIptablesRules } from './sort-rules.js';
export type { HookJump } from './hook-jumps.js';
export { CANARY_TABLES, KUBE_PROXY_CANARY, hookJumpCommands, hookJumps } from './hook-jumps.js';
export type { ApplyResult } from './apply.js';
export { applyHookJumps, applySync, canaryLost, ensureChain, ensureRule, natChainNames } from './apply.js';
export type { ConntrackEntryView, ConntrackFilter } from './conntrack-cleanup.js';
export { cleanStaleEntries, conntrackEntryView, filterMatches, staleConntrackEntries, staleConntrackFilters } from './conntrack-cleanup.js';
export type { SyncOptions, SyncPlan } from './proxier.js';
export { IptablesProxier } from './proxier.js';
export type { ParsedCidr, ParsedIp } from './ip-sloppy.js';
export { cidrContains, parseCidrSloppy, parseIpSloppy } from './ip-sloppy.js';
export type { ChainLabel } from './chain-labels.js';
export { chainLabels } from './chain-labels.js';
