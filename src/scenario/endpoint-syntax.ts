// The scenario's own small syntaxes for socket endpoints: `IP` or `IP:PORT` (trace destinations, what a
// receiver sees) and `PROTO/PORT` or `PROTO/IP:PORT` (listening sockets, as `ss -ltn` lists them).

import type { Ipv4Addr } from '../wire/headers.js';
import type { ListenSpec } from '../kernel/netns/world-spec.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import { syntaxError } from '../kernel/syntax-words.js';

export interface Endpoint {
  addr: Ipv4Addr;
  port?: number;
  /** kind Cluster: a DNS name the source resolves first (`addr` is 0 then). */
  name?: string;
}

/** A port 1..65535 in decimal; port 0 means "any" to bind() and is never a destination. */
export function parsePort(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** "10.0.2.2" or "10.0.2.2:80". */
export function parseEndpoint(text: string): SyntaxResult<Endpoint> {
  const colon = text.indexOf(':');
  const addrText = colon < 0 ? text : text.slice(0, colon);
  const addr = parseIpv4(addrText);
  if (addr === undefined) return syntaxError(`"${addrText}" is not an IPv4 address (expected IP or IP:PORT)`, 1);
  if (colon < 0) return { ok: true, value: { addr } };
  const port = parsePort(text.slice(colon + 1));
  if (port === undefined) return syntaxError(`"${text.slice(colon + 1)}" is not a port (1..65535)`, colon + 2);
  return { ok: true, value: { addr, port } };
}

/** A trace's `to:`: an address, or a namespace whose first address is meant, with an optional port. */
export type Destination = { addr: Ipv4Addr; port?: number } | { netns: string; port?: number };

/**
 * "10.0.2.2", "10.0.2.2:80", "right" or "right:80", as `net trace --to` takes them: a word that is not
 * digits and dots names a namespace (which the caller looks up).
 */
export function parseDestination(text: string): SyntaxResult<Destination> {
  const colon = text.indexOf(':');
  const head = colon < 0 ? text : text.slice(0, colon);
  if (/^[0-9.]*$/.test(head)) return parseEndpoint(text);
  if (/[/\s]/.test(head)) return syntaxError(`"${head}" is neither an IPv4 address nor a namespace name (expected IP, IP:PORT, NAMESPACE or NAMESPACE:PORT)`, 1);
  if (colon < 0) return { ok: true, value: { netns: head } };
  const port = parsePort(text.slice(colon + 1));
  if (port === undefined) return syntaxError(`"${text.slice(colon + 1)}" is not a port (1..65535)`, colon + 2);
  return { ok: true, value: { netns: head, port } };
}

/** "tcp/80", "udp/53", "sctp/5000" or "tcp/10.0.0.1:80"; the address is 0.0.0.0 (any) when omitted. */
export function parseListen(text: string): SyntaxResult<ListenSpec> {
  const slash = text.indexOf('/');
  const proto = slash < 0 ? text : text.slice(0, slash);
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') {
    return syntaxError(`"${proto}" is not a socket protocol (expected tcp/PORT, udp/PORT, sctp/PORT or tcp/IP:PORT)`, 1);
  }
  if (slash < 0) return syntaxError(`a listening socket needs a port: ${proto}/PORT or ${proto}/IP:PORT`, 1);
  const rest = text.slice(slash + 1);
  if (!rest.includes(':')) {
    const port = parsePort(rest);
    if (port === undefined) return syntaxError(`"${rest}" is not a port (1..65535)`, slash + 2);
    return { ok: true, value: { proto, port, addr: 0 } };
  }
  const ep = parseEndpoint(rest);
  if (!ep.ok) return syntaxError(ep.error, slash + 1 + ep.column);
  return { ok: true, value: { proto, port: ep.value.port!, addr: ep.value.addr } };
}
