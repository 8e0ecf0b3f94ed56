// The texts kube-proxy makes of the addresses the API objects write (ParseIPSloppy() then String(), and an
// endpoint's `ip:port`) are a pure function of the address string. They are kept per process, one string object
// per text, for every proxier and event (each node's proxier reads the same slices and Services), so the maps and
// the render's line memo (line-memo.ts) that key on them hash them once and compare them by identity.

import type { EndpointInfo } from './endpoints.js';
import { ipTextSloppy } from './ip-sloppy.js';
import type { IpFamily } from './types.js';

/** An address as written: its text as ParseIPSloppy() prints it (undefined: not an address), and its endpoint texts. */
export interface AddressTexts {
  readonly ip: string | undefined;
  /** `ip:port` (`[ip]:port` for IPv6) by port. */
  texts: Map<number, string> | null;
  /**
   * endpoints.ts: the endpoint info last made of this address (endpointInfo()), for one port in `info` and, once a
   * second port comes, for the others in `infos` (most addresses have one port: no map); of generation `infosOf`.
   */
  info: EndpointInfo | null;
  infos: Map<number, EndpointInfo> | null;
  infosOf: number;
}

/** The texts of the addresses asked for; emptied when it holds ADDRESS_TEXTS_MAX addresses. */
const ADDRESS_TEXTS = new Map<string, AddressTexts>();
const ADDRESS_TEXTS_MAX = 1 << 16;
/** The `ip:port` texts kept per address; emptied when it holds this many ports (so the whole memo stays bounded). */
const PORT_TEXTS_MAX = 64;

export function addressTexts(address: string): AddressTexts {
  let a = ADDRESS_TEXTS.get(address);
  if (a === undefined) {
    if (ADDRESS_TEXTS.size >= ADDRESS_TEXTS_MAX) ADDRESS_TEXTS.clear();
    a = { ip: ipTextSloppy(address), texts: null, info: null, infos: null, infosOf: 0 };
    ADDRESS_TEXTS.set(address, a);
  }
  return a;
}

/** `ip:port`, or `[ip]:port` for IPv6, of the address `a` (whose text is `ip`). */
export function endpointText(a: AddressTexts, ip: string, port: number, v6: boolean): string {
  const texts = (a.texts ??= new Map());
  let t = texts.get(port);
  if (t === undefined) {
    t = v6 ? ['[', ip, ']:', String(port)].join('') : [ip, ':', String(port)].join('');
    if (texts.size >= PORT_TEXTS_MAX) texts.clear();
    texts.set(port, t);
  }
  return t;
}

/** The family of an address text (ParseIPSloppy()'s: an IPv6 text has a colon, an IPv4 one none). */
export function familyOfText(ip: string): IpFamily {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}
