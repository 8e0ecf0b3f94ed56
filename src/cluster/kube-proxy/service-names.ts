// The names kube-proxy keys its maps by (a Service's `ns/name`, a service port's `ns/name:port` and its map key
// `ns/name:port/PROTOCOL`) are a pure function of the API object's strings. They are kept per process, looked up by
// those strings (which each event hands over again: their hashes are computed once), so every proxier and every
// event of the same Service gets the same string objects: no text built per event, map keys hashed once and
// compared by identity, and the render's line memo (line-memo.ts) compares its names by identity too. Emptied
// when it holds NAMES_MAX names (names handed out before stay valid: they are plain strings).

import { servicePortNames } from './chain-names.js';
import type { PortChainNames } from './chain-names.js';
import type { EndpointInfo } from './endpoints.js';
import type { ServicePortInfo } from './service-port.js';

/** One service port's names. */
export class PortNames {
  /** `ns/name`. */
  readonly service: string;
  /** ServicePortName.String(): `ns/name:port`, or `ns/name` for an unnamed port. */
  readonly name: string;
  /** `ns/name:port/PROTOCOL` (`ns/name/PROTOCOL` unnamed): ServicePortInfo.key, the endpoints map's key. */
  readonly key: string;
  /** As given to portNames(). */
  readonly portName: string;
  readonly protocol: string;
  #chains: PortChainNames | null = null;
  /**
   * service-port.ts: the ServicePortInfo last made of this port (servicePortsOf()), given again while every value
   * it holds is the same; and the one-port list that holds it alone (a Service of one port); null: none.
   */
  info: ServicePortInfo | null = null;
  only: readonly ServicePortInfo[] | null = null;
  /** endpoints.ts: the endpoint list last made of this port (sharedList()); null: none. */
  endpoints: EndpointInfo[] | null = null;

  constructor(service: string, portName: string, protocol: string) {
    this.service = service;
    this.portName = portName;
    this.protocol = protocol;
    this.name = portName === '' ? service : [service, ':', portName].join('');
    this.key = [this.name, '/', protocol].join('');
  }

  /** Its chain names (chain-names.ts), by `name` and the lowercase protocol; looked up when first asked. */
  get chains(): PortChainNames {
    return (this.#chains ??= servicePortNames(this.name, this.protocol));
  }
}

const NAMES_MAX = 1 << 18;
let count = 0;
/** namespace -> name -> `ns/name`. */
let services = new Map<string, Map<string, string>>();
/** `ns/name` -> its ports' names (a Service has few ports: a scan of them is cheaper than two more maps). */
let ports = new Map<string, PortNames[]>();

function room(): void {
  if (++count < NAMES_MAX) return;
  services = new Map();
  ports = new Map();
  count = 1;
}

/** `ns/name` of a Service or of a slice's Service. */
export function serviceName(namespace: string, name: string): string {
  let byName = services.get(namespace);
  if (byName === undefined) services.set(namespace, (byName = new Map()));
  let nn = byName.get(name);
  if (nn === undefined) {
    room();
    // Joined: one flat string (cheaper to hash, compare and copy than the concatenation's pieces).
    nn = [namespace, '/', name].join('');
    byName.set(name, nn);
  }
  return nn;
}

/** The names of port `portName` (`''`: unnamed) with `protocol` (as written: `TCP`) of the Service `nn` (serviceName()). */
export function portNames(nn: string, portName: string, protocol: string): PortNames {
  let list = ports.get(nn);
  if (list === undefined) ports.set(nn, (list = []));
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    if (p.portName === portName && p.protocol === protocol) return p;
  }
  room();
  const p = new PortNames(nn, portName, protocol);
  // room() may have emptied the memo: the list is then no longer in it.
  if (ports.get(nn) === list) list.push(p);
  else ports.set(nn, [p]);
  return p;
}
