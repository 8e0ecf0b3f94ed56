// Endpoints by name (DESIGN §4): `pod/NAME` (namespace default, or the only pod of that name), `NS/NAME`,
// `node/NAME`, `ext/NAME`, a namespace of the compiled World, or `IP`; each may end in `:PORT`. A sender
// is a namespace (a hostNetwork pod sends from its node's); a destination is an address.

import type { Ipv4Addr } from '../wire/headers.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import type { SyntaxResult } from '../kernel/syntax-words.js';
import { syntaxError } from '../kernel/syntax-words.js';
import type { CompiledCluster } from './compile.js';

export interface NamedEndpoint {
  /** The namespace that sends from it. */
  netns: string;
  /** Its address as a destination. */
  addr: Ipv4Addr;
  port?: number;
}

/** Resolves `text`; an IP[:PORT] has no namespace of its own unless some namespace holds that address. */
export function resolveEndpoint(c: CompiledCluster, text: string): SyntaxResult<NamedEndpoint> {
  const colon = text.lastIndexOf(':');
  let port: number | undefined;
  let name = text;
  if (colon >= 0) {
    const p = text.slice(colon + 1);
    if (!/^[1-9][0-9]{0,4}$/.test(p) || Number(p) > 65535) return syntaxError(`"${p}" is not a port (1..65535)`, colon + 2);
    port = Number(p);
    name = text.slice(0, colon);
  }
  const r = resolveName(c, name);
  if (!r.ok) return r;
  return { ok: true, value: port === undefined ? r.value : { ...r.value, port } };
}

function resolveName(c: CompiledCluster, name: string): SyntaxResult<NamedEndpoint> {
  const ip = parseIpv4(name);
  if (ip !== undefined) {
    const holder = c.world.namespaces.find((n) => n.links.some((l) => l.addresses.some((a) => a.addr === ip)));
    return { ok: true, value: { netns: holder?.name ?? '', addr: ip } };
  }
  const slash = name.indexOf('/');
  if (slash < 0) {
    const ns = c.world.namespaces.find((n) => n.name === name);
    const addr = ns?.links.find((l) => l.name === 'eth0')?.addresses[0]?.addr;
    if (ns === undefined || addr === undefined) {
      return syntaxError(`"${name}" is not an endpoint: write pod/NAME, NAMESPACE/NAME, node/NAME, ext/NAME or IP[:PORT]`, 1);
    }
    return { ok: true, value: { netns: ns.name, addr } };
  }
  const kind = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  if (kind === 'node') {
    const n = c.nodes.find((x) => x.name === rest);
    return n === undefined ? syntaxError(`no node "${rest}" (nodes: ${c.nodes.map((x) => x.name).join(', ')})`, slash + 2) : { ok: true, value: { netns: n.netns, addr: n.ip } };
  }
  if (kind === 'ext') {
    const e = c.externals.find((x) => x.name === rest);
    return e === undefined ? syntaxError(`no external host "${rest}"`, slash + 2) : { ok: true, value: { netns: e.netns, addr: e.ip } };
  }
  const candidates = kind === 'pod'
    ? c.pods.filter((p) => p.name === rest && p.namespace === 'default').concat(c.pods.filter((p) => p.name === rest && p.namespace !== 'default'))
    : c.pods.filter((p) => p.name === rest && p.namespace === kind);
  const pod = candidates[0];
  if (pod === undefined) {
    const names = c.pods.map((p) => (p.namespace === 'default' ? p.name : `${p.namespace}/${p.name}`));
    const known = names.length === 0 ? 'the cluster has no pods' : `pods: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`;
    return syntaxError(`no pod "${rest}"${kind === 'pod' ? '' : ` in namespace ${kind}`} (${known})`, slash + 2);
  }
  if (kind === 'pod' && pod.namespace !== 'default' && candidates.length > 1) {
    return syntaxError(`pod "${rest}" is in several namespaces: write NAMESPACE/${rest}`, slash + 2);
  }
  if (pod.netns === undefined || pod.ip === undefined) return syntaxError(`pod "${pod.namespace}/${pod.name}" has no node or address`, slash + 2);
  return { ok: true, value: { netns: pod.netns, addr: pod.ip } };
}
