// EndpointSlices to per-service-port endpoint lists (pkg/proxy/endpointslicecache.go) and the choice of
// endpoints per traffic policy (pkg/proxy/topology.go CategorizeEndpoints()).

import { addressTexts, endpointText } from './address-texts.js';
import type { AddressTexts } from './address-texts.js';
import { portNames, serviceName } from './service-names.js';
import type { PortNames } from './service-names.js';
import type { ServicePortInfo } from './service-port.js';
import { usesClusterEndpoints, usesLocalEndpoints } from './service-port.js';
import type { EndpointSlice, IpFamily } from './types.js';

/** Shared by every slice, event and proxier with the same values (endpointInfo()): read only. */
export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`, `[ip]:port` for IPv6: the DNAT destination and the sort key. */
  readonly text: string;
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/**
 * The endpoints of every service port named in `slices` (all slices of the Services), deduplicated on
 * `ip:port` (a local copy wins) and sorted by that string, as endpointsMapFromEndpointInfo() does. `service`:
 * the `ns/name` (serviceName()) of the one Service every slice is of, when the caller has it.
 */
export function endpointsByServicePort(slices: Iterable<EndpointSlice>, family: IpFamily, nodeName: string, service?: string): Map<string, readonly EndpointInfo[]> {
  const out = new Map<string, EndpointInfo[]>();
  /** The names of each port in `out`, in its order. */
  const names: PortNames[] = [];
  /** The index of each text in a list longer than SCAN_MAX (shorter ones are scanned). */
  let indexes: Map<EndpointInfo[], Map<string, number>> | null = null;
  for (const slice of slices) {
    if (slice.addressType !== family) continue;
    // Each endpoint's address, parsed once for all the slice's ports.
    let ips: (AddressTexts | undefined)[] | null = null;
    // The slice's Service's `ns/name`, looked up once for all its ports.
    let nn: string | null = service ?? null;
    for (const p of slice.ports) {
      if (p.port === null || p.port === 0) continue;
      nn ??= serviceName(slice.namespace, slice.service);
      const pn = portNames(nn, p.name, p.protocol ?? 'TCP');
      const key = pn.key;
      let list = out.get(key);
      if (!list) {
        out.set(key, (list = []));
        names.push(pn);
      }
      // A slice of one port looks each address up once anyway: no array of them.
      if (ips === null && slice.ports.length > 1) ips = slice.endpoints.map(addressOf);
      for (let i = 0; i < slice.endpoints.length; i++) {
        const ep = slice.endpoints[i];
        const addr = ips === null ? addressOf(ep) : ips[i];
        const ipText = addr?.ip;
        // An IPv6 address's text has a colon, an IPv4 one's none.
        if (addr === undefined || ipText === undefined || ipText.includes(':') !== (family === 'IPv6')) continue;
        const isLocal = ep.nodeName !== null && ep.nodeName !== undefined && ep.nodeName === nodeName;
        const text = endpointText(addr, ipText, p.port, family === 'IPv6');
        // An endpoint already listed (the same `ip:port`) is replaced only by a local copy.
        let at = -1;
        let index: Map<string, number> | undefined;
        if (list.length <= SCAN_MAX) {
          for (let j = 0; j < list.length; j++) {
            if (list[j].text === text) {
              at = j;
              break;
            }
          }
        } else {
          indexes ??= new Map();
          index = indexes.get(list);
          if (index === undefined) {
            index = new Map();
            for (let j = 0; j < list.length; j++) index.set(list[j].text, j);
            indexes.set(list, index);
          }
          at = index.get(text) ?? -1;
        }
        if (at >= 0 && !isLocal) continue;
        const c = ep.conditions;
        const info = endpointInfo(
          addr, ipText, p.port, text, isLocal,
          c?.ready === null || c?.ready === undefined || c.ready,
          c?.serving === null || c?.serving === undefined || c.serving,
          c?.terminating === true,
        );
        if (at >= 0) list[at] = info;
        else {
          index?.set(text, list.length);
          list.push(info);
        }
      }
    }
  }
  let i = 0;
  for (const key of out.keys()) out.set(key, sharedList(names[i++], sortByText(out.get(key)!)));
  return out;
}

/**
 * `list` (sorted), or the port's last list (kept on its PortNames) when it holds the same endpoint infos, which
 * are themselves shared per values (endpointInfo()): a list is read only once made, so every event and proxier
 * with the port's endpoints shares one, rather than keeping one each (grown by push(), with room for 17).
 */
function sharedList(pn: PortNames, list: EndpointInfo[]): EndpointInfo[] {
  if (!interning) return list;
  const last = pn.endpoints;
  if (last !== null && last.length === list.length) {
    let same = true;
    for (let i = 0; i < list.length; i++) {
      if (last[i] !== list[i]) {
        same = false;
        break;
      }
    }
    if (same) return last;
  }
  // At its exact size (the one kept, possibly by many proxiers).
  const kept = list.slice();
  pn.endpoints = kept;
  return kept;
}

let interning = true;

/** Tests: false makes every endpoint a new EndpointInfo and every list a new one (the plain path endpointInfo()'s and sharedList()'s shared ones are held to). */
export function setEndpointInterning(on: boolean): void {
  interning = on;
}

/** Endpoint infos kept over all addresses: when INFOS_MAX are, a new generation starts (every address's are dropped). */
const INFOS_MAX = 1 << 18;
let infosKept = 0;
let generation = 1;

/**
 * The EndpointInfo of these values. It is a pure function of them and never changed once made, so the last one
 * made of an address (`a`, whose text is `ip` and whose endpoint text at `port` is `text`) for each port is kept
 * with it and given again for the same conditions: every slice, Service port, event and proxier of the process
 * with that endpoint shares one object rather than making one per endpoint per event (each would outlive the
 * young generation with the proxier's state).
 */
function endpointInfo(
  a: AddressTexts, ip: string, port: number, text: string, isLocal: boolean, ready: boolean, serving: boolean, terminating: boolean,
): EndpointInfo {
  if (!interning) return { ip, port, text, isLocal, ready, serving, terminating };
  if (a.infosOf !== generation) {
    a.info = null;
    a.infos = null;
    a.infosOf = generation;
  }
  const one = a.info;
  const last = one !== null && one.port === port ? one : a.infos?.get(port);
  if (last !== undefined && last.text === text && last.ip === ip && last.isLocal === isLocal
    && last.ready === ready && last.serving === serving && last.terminating === terminating) return last;
  if (++infosKept > INFOS_MAX) {
    generation++;
    infosKept = 1;
    a.info = null;
    a.infos = null;
    a.infosOf = generation;
  }
  const info: EndpointInfo = { ip, port, text, isLocal, ready, serving, terminating };
  if (a.info === null || a.info.port === port) a.info = info;
  else (a.infos ??= new Map()).set(port, info);
  return info;
}

/** The texts of an endpoint's first address (the one kube-proxy uses); undefined: none. */
function addressOf(ep: EndpointSlice['endpoints'][number]): AddressTexts | undefined {
  return ep.addresses.length === 0 ? undefined : addressTexts(ep.addresses[0]);
}

/** Endpoint lists up to this long are searched for a text by a scan, longer ones through a map. */
const SCAN_MAX = 16;

const byText = (a: EndpointInfo, b: EndpointInfo): number => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

/**
 * `list` sorted by `text` in place (the texts are distinct: any sort gives the same order). A short list is
 * sorted by insertion, without the work array Array.prototype.sort allocates.
 */
export function sortByText(list: EndpointInfo[]): EndpointInfo[] {
  if (list.length > 16) return list.sort(byText);
  for (let i = 1; i < list.length; i++) {
    const e = list[i];
    let j = i - 1;
    while (j >= 0 && list[j].text > e.text) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = e;
  }
  return list;
}

/**
 * Whether two endpoint maps (service port key -> endpoints) hold the same endpoints, field for field, as
 * reflect.DeepEqual compares them (what endpointSliceUpdate() needs to drop a no-op change). `port` is not looked
 * at apart from `text`, which is `ip:port` and so tells two ports apart as their JSON would.
 */
export function sameEndpointMaps(a: ReadonlyMap<string, readonly EndpointInfo[]>, b: ReadonlyMap<string, readonly EndpointInfo[]>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) {
    const la = a.get(k)!;
    const lb = b.get(k);
    if (lb === undefined || lb.length !== la.length) return false;
    for (let i = 0; i < la.length; i++) {
      const x = la[i];
      const y = lb[i];
      if (x.text !== y.text || x.ip !== y.ip || x.isLocal !== y.isLocal || x.ready !== y.ready || x.serving !== y.serving || x.terminating !== y.terminating) return false;
    }
  }
  return true;
}

/** The endpoint's KUBE-SEP chain (chain-names.ts keeps the names already hashed). */
export function sepChain(svc: ServicePortInfo, ep: EndpointInfo): string {
  return svc.endpointChains.name(ep.text);
}

export interface Categorized {
  cluster: readonly EndpointInfo[];
  local: readonly EndpointInfo[];
  /** Endpoints that get a KUBE-SEP chain, in `text` order. */
  allReachable: readonly EndpointInfo[];
  hasAny: boolean;
}

const NONE: readonly EndpointInfo[] = [];

/** `eps` itself when every endpoint is ready (the list is not copied), else its ready ones. */
function readyOf(eps: readonly EndpointInfo[]): readonly EndpointInfo[] {
  for (let i = 0; i < eps.length; i++) if (!eps[i].ready) return eps.filter((e) => e.ready);
  return eps;
}

/** CategorizeEndpoints() without topology hints: ready first, serving-and-terminating as the fallback. */
export function categorizeEndpoints(eps: readonly EndpointInfo[], svc: ServicePortInfo): Categorized {
  let cluster: readonly EndpointInfo[] = NONE;
  let hasAny = false;
  if (usesClusterEndpoints(svc)) {
    cluster = readyOf(eps);
    if (cluster.length === 0) cluster = eps.filter((e) => e.serving && e.terminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!usesLocalEndpoints(svc)) return { cluster, local: NONE, allReachable: cluster, hasAny };
  let localReady = false;
  let localServingTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  let local: readonly EndpointInfo[] = NONE;
  if (localReady) local = eps.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) local = eps.filter((e) => e.isLocal && e.serving && e.terminating);
  if (!usesClusterEndpoints(svc)) return { cluster, local, allReachable: local, hasAny };
  const union = new Map<string, EndpointInfo>();
  for (const e of cluster) union.set(e.text, e);
  for (const e of local) union.set(e.text, e);
  const allReachable = sortByText(Array.from(union.values()));
  return { cluster, local, allReachable, hasAny };
}
