// Printers for `net show <scenario> <netns> addr|link|route|rule|neigh|fdb`: a namespace's state as iproute2 6.1
// prints it from a real kernel, byte for byte (IPv4 only; see each printer for what it leaves out).

export { showAddr, ifaList } from './ip-addr.js';
export { showLink, linkLines, devicesByIfindex } from './ip-link.js';
export { showRoute, routeTableExists, tableDumpOrder } from './ip-route.js';
export type { RouteTableSelector } from './ip-route.js';
export { showRule } from './ip-rule.js';
export { showNeigh } from './ip-neigh.js';
export { showFdb, multicastList } from './bridge-fdb.js';
export type { ShowFdbOptions } from './bridge-fdb.js';
export { carrierOk, operState, linkFlags } from './link-state.js';
export type { OperState } from './link-state.js';
