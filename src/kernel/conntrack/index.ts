// Connection tracking and NAT bindings: the conntrack and nf_nat cores of one network namespace.

export type { Tuple, CtState, CtStatus, CtDirection, CtView } from './tuple.js';
export type { CtEntry } from './entry.js';
export { tupleKey, zonedKey, tupleEqual } from './tuple-key.js';
export { natOf, statusOf, CT_PROTOCOLS, type ConntrackSpec, type NatImplied } from './entry-spec.js';
export { parseEntry, TCP_CT_STATES, CT_TIMEOUT_MAX } from './parse-entry.js';
export { tupleOf, headerTuple, invertTuple, isIcmpError, icmpInverseType, icmpOpensConnection } from './tuple-of.js';
export { LINUX_CT_TIMEOUTS, type CtTimeouts } from './timeouts.js';
export { ConntrackTable, LINUX_CT_CONFIG, type CtConfig, type CtConfigInput, type CtStats, type CtHashHit, type ConfirmResult } from './table.js';
export type { CtResolution, CtInvalidReason } from './resolve.js';
export type { TcpCtState, TcpSysctls } from './tcp-state.js';
export { natRequestOf, manipOfHook, manipOfRequest, type NatRequest, type NatManip, type NatHookName, type RuleNatRequest } from './nat-request.js';
export { setupNat, allocNullBinding, natInitialized, type NatSetupResult } from './nat.js';
export { chooseAddress, type RandomSource } from './nat-unique.js';
export { translate, type NatTranslation } from './nat-translate.js';
export { natHook, type NatHookResult } from './nat-hook.js';
export { formatEntry, formatTuple, formatTable, listingOf, type CtListing, type EntryPrinted } from './print.js';
export { view, resolutionView, stateOf, secondsLeft } from './view.js';
