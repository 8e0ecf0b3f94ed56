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
  if (text.startsWith('svc/')) return resolveService(c, text);
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
      return syntaxError(`"${name}" is not an endpoint: write pod/NAME, NAMESPACE/NAME, node/NAME, ext/NAME, svc/NAME[.NS][:PORT] or IP[:PORT]`, 1);
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

/**
 * `svc/NAME[.NS][:PORT]`: the Service's ClusterIP and the port given by number or by its name (a Service with
 * one port needs none). NS defaults to `default`, or to the only namespace holding a Service of that name.
 */
function resolveService(c: CompiledCluster, text: string): SyntaxResult<NamedEndpoint> {
  const colon = text.indexOf(':');
  const ref = colon < 0 ? text.slice(4) : text.slice(4, colon);
  const portText = colon < 0 ? undefined : text.slice(colon + 1);
  const dot = ref.indexOf('.');
  const name = dot < 0 ? ref : ref.slice(0, dot);
  const ns = dot < 0 ? undefined : ref.slice(dot + 1);
  const named = c.services.filter((s) => s.meta.name === name && (ns === undefined || s.meta.namespace === ns));
  const svc = named.find((s) => s.meta.namespace === 'default') ?? (named.length === 1 ? named[0] : undefined);
  if (svc === undefined) {
    const all = c.services.map((s) => `${s.meta.name}.${s.meta.namespace}`);
    if (named.length > 1) return syntaxError(`service "${name}" is in several namespaces: write svc/${name}.NAMESPACE`, 5);
    return syntaxError(`no service "${name}"${ns === undefined ? '' : ` in namespace ${ns}`} (${all.length === 0 ? 'the cluster has no services' : `services: ${all.slice(0, 12).join(', ')}`})`, 5);
  }
  const full = `${svc.meta.namespace}/${svc.meta.name}`;
  // kube-proxy's ShouldSkipService(): an ExternalName Service and a headless one (clusterIP None) get no rules,
  // so there is no address a packet could be sent to in their name; say what to trace instead.
  if (svc.type === 'ExternalName') {
    return syntaxError(`service "${full}" is type ExternalName: cluster DNS answers its name with a CNAME to ${svc.externalName ?? '(no externalName)'}, and kube-proxy writes no rules for it; trace to the address that name resolves to`, 5);
  }
  if (typeof svc.clusterIP !== 'number') {
    return syntaxError(`service "${full}" is headless (clusterIP: None): kube-proxy writes no rules for it and cluster DNS answers with its ready endpoints' pod addresses; trace to one of its pods`, 5);
  }
  if (portText === undefined) {
    return { ok: true, value: svc.ports.length === 1 ? { netns: '', addr: svc.clusterIP, port: svc.ports[0].port } : { netns: '', addr: svc.clusterIP } };
  }
  const byNumber = /^[0-9]+$/.test(portText) ? svc.ports.find((p) => p.port === Number(portText)) : undefined;
  const port = byNumber ?? svc.ports.find((p) => p.name === portText);
  if (port === undefined) {
    const known = svc.ports.map((p) => (p.name === undefined ? String(p.port) : `${p.port} (${p.name})`)).join(', ');
    return syntaxError(`service "${full}" has no port "${portText}" (ports: ${known})`, colon + 2);
  }
  return { ok: true, value: { netns: '', addr: svc.clusterIP, port: port.port } };
}
