// CoreDNS's kubernetes plugin as a pure function from a query to a response (plugin/kubernetes/handler.go
// ServeDNS, kubernetes.go Services/Records/findServices/findPods, reverse.go, plugin/backend_lookup.go A/AAAA/
// SRV/TXT/PTR/CNAME/NS/SOA). Comments name the Go function each step follows.

import { addressFromReverse, endpointHostname, ipFamily, isSubDomain, matchZone, reverseKind } from './names.js';
import type { KubernetesPluginConfig } from './plugin-config.js';
import type { Rcode, Rr } from './rr.js';
import { fqdn } from './rr.js';
import type { DnsEndpointAddress, DnsPort, DnsView } from './view.js';

/** kubernetes/dns specification version served at `dns-version.<zone>` TXT (DNSSchemaVersion). */
export const DNS_SCHEMA_VERSION = '1.1.0';

export interface DnsQuestion {
  /** As sent, case kept; a missing root dot is added. */
  name: string;
  /** Mnemonic ('A', 'SRV', ...), or 'UNKNOWN_<n>' for a type number without one. */
  type: string;
}

/** What the next plugin (forward, to the scenario's upstream) answered; undefined: it failed. */
export interface UpstreamReply {
  rcode: Rcode;
  answer: Rr[];
  authority: Rr[];
  truncated: boolean;
}

export type Upstream = (name: string, type: string) => UpstreamReply | undefined;

export interface DnsResponse {
  rcode: Rcode;
  /** AA: set on every answer the kubernetes plugin writes. */
  authoritative: boolean;
  truncated: boolean;
  answer: Rr[];
  authority: Rr[];
  additional: Rr[];
  /** Who wrote it: the kubernetes plugin, the next plugin (forward), or nobody (no zone, no upstream). */
  by: 'kubernetes' | 'upstream' | 'none';
}

interface Entry {
  /** An IP, a CNAME target, or '' for TXT. */
  host: string;
  port: number;
  ttl: number;
  /** msg.Domain(Key): the name this entry stands for (SRV targets, additional owners). */
  domain: string;
  text?: string;
}

/** Entries, or a name error (errNoItems, errNsNotExposed, errInvalidRequest: NXDOMAIN). */
type Found = Entry[] | 'name-error';

interface State {
  /** The query name as sent. */
  qname: string;
  /** Lowercase (request.Name()). */
  name: string;
  qtype: string;
  /** The matched zone in the query's case. */
  zone: string;
}

interface Ctx {
  view: DnsView;
  cfg: KubernetesPluginConfig;
  upstream?: Upstream;
}

interface ParsedRequest {
  podOrSvc: string;
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
  /** `<topozone>.pin|prefer._zone.<svc>...` (the `zonal` option, CoreDNS PR #8388). */
  zonal?: { zone: string; mode: 'pin' | 'prefer' };
}

/** Answers one question the way CoreDNS's kubernetes plugin (then its next plugin) would. */
export function answerQuery(view: DnsView, cfg: KubernetesPluginConfig, q: DnsQuestion, upstream?: Upstream): DnsResponse {
  const ctx: Ctx = { view, cfg, upstream };
  const qname = fqdn(q.name);
  const zoneL = matchZone(cfg.zones, qname);
  if (zoneL === undefined) return next(ctx, qname, q.type, 'REFUSED');
  const zone = qname.slice(qname.length - zoneL.length);
  const st: State = { qname, name: qname.toLowerCase(), qtype: q.type, zone };
  let records: Rr[] = [];
  let extra: Rr[] = [];
  let truncated = false;
  let err = false;
  const take = (r: { records: Rr[]; truncated: boolean } | 'name-error'): void => {
    if (r === 'name-error') err = true;
    else {
      records = r.records;
      truncated = r.truncated;
    }
  };
  switch (q.type) {
    case 'AXFR':
    case 'IXFR':
      // Zone transfers need the transfer plugin; the kubernetes plugin refuses them.
      return { rcode: 'REFUSED', authoritative: false, truncated: false, answer: [], authority: [], additional: [], by: 'kubernetes' };
    case 'A':
    case 'AAAA':
      take(addresses(ctx, st, q.type, []));
      break;
    case 'TXT':
      take(txt(ctx, st));
      break;
    case 'CNAME': {
      const s = services(ctx, st);
      if (s === 'name-error') err = true;
      else if (s.length > 0 && ipFamily(s[0]!.host) === undefined && s[0]!.text === undefined) {
        records = [{ name: st.qname, ttl: s[0]!.ttl, type: 'CNAME', data: fqdn(s[0]!.host) }];
      }
      break;
    }
    case 'PTR': {
      const r = ptr(ctx, st);
      if (r === 'name-error') err = true;
      else records = r;
      break;
    }
    case 'SRV': {
      const r = srv(ctx, st);
      if (r === 'name-error') err = true;
      else ({ records, extra } = r);
      break;
    }
    case 'SOA':
      // Only the apex has an SOA; any other in-zone name gets NODATA, even one that does not exist.
      if (st.qname === st.zone) records = [soa(ctx, st.zone)];
      break;
    case 'NS':
      if (st.qname === st.zone) {
        ({ records, extra } = ns(ctx, st));
        break;
      }
      err = fakeA(ctx, st);
      break;
    default:
      // A fake A lookup tells NODATA from NXDOMAIN for every other type (MX included: no k8s entry is mail).
      err = fakeA(ctx, st);
  }
  if (err) {
    if (fallsThrough(cfg, st.name)) return next(ctx, qname, q.type, 'SERVFAIL');
    return negative(ctx, st, view.synced ? 'NXDOMAIN' : 'SERVFAIL');
  }
  if (records.length === 0) return negative(ctx, st, 'NOERROR');
  return { rcode: 'NOERROR', authoritative: true, truncated, answer: records, authority: [], additional: extra, by: 'kubernetes' };
}

function fakeA(ctx: Ctx, st: State): boolean {
  return addresses(ctx, { ...st, qtype: 'A' }, 'A', []) === 'name-error';
}

/** plugin.NextOrFailure: the next plugin is forward to the scenario's upstream; without one, `failure`. */
function next(ctx: Ctx, qname: string, qtype: string, failure: Rcode): DnsResponse {
  const none: DnsResponse = { rcode: failure, authoritative: false, truncated: false, answer: [], authority: [], additional: [], by: 'none' };
  if (ctx.upstream === undefined) return none;
  const r = ctx.upstream(qname, qtype);
  if (r === undefined) return { ...none, rcode: 'SERVFAIL' };
  return { rcode: r.rcode, authoritative: false, truncated: r.truncated, answer: r.answer, authority: r.authority, additional: [], by: 'upstream' };
}

function fallsThrough(cfg: KubernetesPluginConfig, name: string): boolean {
  if (cfg.fallthrough === undefined) return false;
  if (cfg.fallthrough.length === 0) return true;
  return cfg.fallthrough.some((z) => isSubDomain(z, name));
}

/** plugin.BackendError: rcode with exactly one SOA in authority. */
function negative(ctx: Ctx, st: State, rcode: Rcode): DnsResponse {
  return { rcode, authoritative: true, truncated: false, answer: [], authority: [soa(ctx, st.zone)], additional: [], by: 'kubernetes' };
}

/** plugin.SOA: TTL min(ttl, 300), minttl = ttl; the serial is the last API change. */
function soa(ctx: Ctx, zone: string): Rr {
  const t = ctx.cfg.ttl;
  return {
    name: zone,
    ttl: Math.min(t, 300),
    type: 'SOA',
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: ctx.view.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: t },
  };
}

/** Kubernetes.nsAddrs: the Services whose endpoints hold one of our own IPs, else `ns.dns.<zone>` -> local IPs. */
function nsAddrs(ctx: Ctx): Entry[] {
  const zone = primaryZone(ctx.cfg);
  const out: Entry[] = [];
  for (const local of ctx.cfg.localIps) {
    for (const sl of ctx.view.endpointSlices) {
      if (!sl.addresses.some((a) => a.ready && a.ip === local)) continue;
      for (const svc of ctx.view.services) {
        if (svc.name !== sl.service || svc.namespace !== sl.namespace) continue;
        const domain = `${svc.name}.${svc.namespace}.svc.${zone}`;
        const ips = svc.headless ? sl.addresses.filter((a) => a.ready).map((a) => a.ip) : svc.clusterIPs;
        for (const ip of ips) if (!out.some((e) => e.domain === domain && e.host === ip)) out.push({ host: ip, port: 0, ttl: ctx.cfg.ttl, domain });
      }
    }
  }
  if (out.length > 0) return out;
  return ctx.cfg.localIps.map((ip) => ({ host: ip, port: 0, ttl: ctx.cfg.ttl, domain: `ns.dns.${zone}` }));
}

function primaryZone(cfg: KubernetesPluginConfig): string {
  return cfg.zones.find((z) => reverseKind(z) === 0) ?? cfg.zones[0] ?? 'cluster.local.';
}

/** plugin.NS at the apex: one NS per name, its addresses as glue. */
function ns(ctx: Ctx, st: State): { records: Rr[]; extra: Rr[] } {
  const records: Rr[] = [];
  const extra: Rr[] = [];
  for (const e of nsAddrs(ctx)) {
    const fam = ipFamily(e.host);
    if (fam === undefined) continue;
    extra.push({ name: e.domain, ttl: e.ttl, type: fam, data: e.host });
    if (!records.some((r) => r.data === e.domain)) records.push({ name: st.qname, ttl: e.ttl, type: 'NS', data: e.domain });
  }
  return { records, extra };
}

/** Kubernetes.Services: the type-specific special cases, then Records. */
function services(ctx: Ctx, st: State): Found {
  if (st.name === `ns.dns.${st.zone.toLowerCase()}`) {
    // isDefaultNS: the addresses of our own name server.
    return nsAddrs(ctx)
      .filter((e) => ipFamily(e.host) === st.qtype)
      .map((e) => ({ ...e, domain: st.qname }));
  }
  const s = records(ctx, st);
  if (st.qtype !== 'SRV' || s === 'name-error') return s;
  // SRV for ExternalName services is not implemented upstream: they are filtered out.
  return s.filter((e) => ipFamily(e.host) !== undefined);
}

/** parse.go parseRequest: `[endpoint | _port._proto] . service . namespace . (svc|pod) . zone`. */
function parseRequest(name: string, zone: string, zonal: boolean): ParsedRequest | 'empty' | 'invalid' {
  const base = name === zone ? '' : name.slice(0, name.length - zone.length - 1);
  if (base === '' || base === 'svc' || base === 'pod') return 'empty';
  const segs = base.split('.');
  const r: ParsedRequest = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };
  let last = segs.length - 1;
  r.podOrSvc = segs[last]!;
  if (r.podOrSvc !== 'pod' && r.podOrSvc !== 'svc') return 'invalid';
  if (--last < 0) return r;
  r.namespace = segs[last]!;
  if (--last < 0) return r;
  r.service = segs[last]!;
  if (--last < 0) return r;
  if (last === 0) r.endpoint = segs[0]!;
  else if (last === 1) {
    r.protocol = stripUnderscore(segs[1]!);
    r.port = stripUnderscore(segs[0]!);
  } else if (zonal && last === 2 && segs[2] === '_zone' && (segs[1] === 'pin' || segs[1] === 'prefer')) {
    r.zonal = { zone: segs[0]!, mode: segs[1] };
  } else return 'invalid'; // too long
  return r;
}

function stripUnderscore(s: string): string {
  return s.startsWith('_') ? s.slice(1) : s;
}

/** Kubernetes.namespaceExposed: allowed by the `namespaces` option and existing. */
function namespaceExposed(ctx: Ctx, ns: string): boolean {
  if (ctx.cfg.namespaces.length > 0 && !ctx.cfg.namespaces.includes(ns)) return false;
  return ctx.view.namespaces.includes(ns);
}

/** Kubernetes.Records. */
function records(ctx: Ctx, st: State): Found {
  const r = parseRequest(st.name, st.zone.toLowerCase(), ctx.cfg.zonal === true);
  if (r === 'invalid') return 'name-error';
  if (r === 'empty' || r.podOrSvc === '') return [];
  if (reverseKind(st.name) !== 0) return 'name-error';
  if (!namespaceExposed(ctx, r.namespace)) return 'name-error';
  return r.podOrSvc === 'pod' ? findPods(ctx, r, st.zone) : findServices(ctx, r, st.zone);
}

/** match(): an empty query part matches anything; otherwise case-insensitive equality. */
function match(a: string, b: string): boolean {
  return a === '' || a.toLowerCase() === b.toLowerCase();
}

interface Subset {
  addresses: DnsEndpointAddress[];
  ports: DnsPort[];
}

/** The Endpoints of a service as CoreDNS converts EndpointSlices: ready addresses; no ports -> port -1. */
function endpointsOf(ctx: Ctx, service: string, namespace: string): Subset[] {
  if (ctx.cfg.noEndpoints) return [];
  return ctx.view.endpointSlices
    .filter((s) => s.service === service && s.namespace === namespace)
    .map((s) => ({
      addresses: s.addresses.filter((a) => a.ready),
      ports: s.ports.length > 0 ? s.ports : [{ name: '', protocol: '', port: -1 }],
    }));
}

/** Kubernetes.findServices. */
function findServices(ctx: Ctx, r: ParsedRequest, zone: string): Found {
  if (r.service === '') return []; // <ns>.svc.<zone>: NODATA (the namespace is exposed, checked above)
  let found = false;
  const out: Entry[] = [];
  const ttl = ctx.cfg.ttl;
  for (const svc of ctx.view.services) {
    if (svc.namespace !== r.namespace || svc.name !== r.service) continue;
    const base = `${svc.name}.${svc.namespace}.svc.${zone}`;
    if (ctx.cfg.ignoreEmptyService && svc.type !== 'ExternalName' && !svc.headless) {
      const count = endpointsOf(ctx, svc.name, svc.namespace).reduce((n, s) => n + s.addresses.length, 0);
      if (count === 0) continue;
    }
    if (svc.type === 'ExternalName') {
      // #6161/#6162: nothing lives under an ExternalName (no endpoint, no _port._proto).
      if (r.endpoint !== '' || r.port !== '' || r.protocol !== '') continue;
      const host = svc.externalName ?? '';
      // HostType(): an IP literal is not a CNAME, so the service is not served (#2164).
      if (host !== '' && ipFamily(host) === undefined) {
        out.push({ host, port: 0, ttl, domain: base });
        found = true;
      }
      continue;
    }
    if (r.zonal !== undefined) {
      // Zone-scoped names exist for headless Services only.
      if (!svc.headless) continue;
      found = true;
      for (const e of zonalEntries(ctx, svc.name, svc.namespace, base, r.zonal)) out.push(e);
      continue;
    }
    if (svc.headless || r.endpoint !== '') {
      for (const sub of endpointsOf(ctx, svc.name, svc.namespace)) {
        for (const addr of sub.addresses) {
          const host = endpointHostname(addr, ctx.cfg.endpointPodNames);
          if (r.endpoint !== '' && !match(r.endpoint, host)) continue;
          for (const p of sub.ports) {
            if (!match(r.port, p.name) || !match(r.protocol, p.protocol)) continue;
            out.push({ host: addr.ip, port: p.port, ttl, domain: `${host}.${base}` });
            found = true;
          }
        }
      }
      continue;
    }
    for (const p of svc.ports) {
      if (!match(r.port, p.name) || !match(r.protocol, p.protocol)) continue;
      found = true;
      for (const ip of svc.clusterIPs) out.push({ host: ip, port: p.port, ttl, domain: base });
    }
  }
  return found ? out : 'name-error';
}

/** The endpoints of a headless Service in one topology zone: `pin` only those, `prefer` all when none is. */
function zonalEntries(ctx: Ctx, service: string, namespace: string, base: string, z: { zone: string; mode: 'pin' | 'prefer' }): Entry[] {
  const all: { e: Entry; zone?: string }[] = [];
  for (const sub of endpointsOf(ctx, service, namespace)) {
    for (const addr of sub.addresses) {
      const domain = `${endpointHostname(addr, ctx.cfg.endpointPodNames)}.${base}`;
      for (const p of sub.ports) all.push({ e: { host: addr.ip, port: p.port, ttl: ctx.cfg.ttl, domain }, zone: addr.zone });
    }
  }
  const inZone = all.filter((x) => x.zone !== undefined && x.zone.toLowerCase() === z.zone);
  return (inZone.length > 0 || z.mode === 'pin' ? inZone : all).map((x) => x.e);
}

/** Kubernetes.findPods: `a-b-c-d.<ns>.pod.<zone>` by pod mode. */
function findPods(ctx: Ctx, r: ParsedRequest, zone: string): Found {
  if (ctx.cfg.pods === 'disabled') return 'name-error';
  const podname = r.service;
  if (podname === '') return [];
  const dashes = podname.split('-').length - 1;
  const ip = dashes === 3 && !podname.includes('--') ? podname.replaceAll('-', '.') : podname.replaceAll('-', ':');
  const entry: Entry = { host: ip, port: 0, ttl: ctx.cfg.ttl, domain: `${podname}.${r.namespace}.pod.${zone}` };
  if (ctx.cfg.pods === 'insecure') return ipFamily(ip) === undefined ? 'name-error' : [entry];
  const hits = ctx.view.pods.filter((p) => p.ip === ip && p.namespace === r.namespace);
  return hits.length > 0 ? hits.map(() => entry) : 'name-error';
}

/** plugin.A / plugin.AAAA, with ExternalName CNAME chasing inside the zone or through the upstream. */
function addresses(ctx: Ctx, st: State, family: 'A' | 'AAAA', previous: Rr[]): { records: Rr[]; truncated: boolean } | 'name-error' {
  const found = services(ctx, st);
  if (found === 'name-error') return found;
  const out: Rr[] = [];
  let truncated = false;
  const dup = new Set<string>();
  for (const e of found) {
    const what = e.text !== undefined ? 'TXT' : ipFamily(e.host) ?? 'CNAME';
    if (what === 'CNAME') {
      const target = fqdn(e.host);
      if (target.toLowerCase() === st.name) continue; // x CNAME x
      const cname: Rr = { name: st.qname, ttl: e.ttl, type: 'CNAME', data: target };
      if (previous.length > 7) continue; // chains are capped
      if (previous.some((p) => p.type === 'CNAME' && p.name.toLowerCase() === cname.name.toLowerCase() && p.data.toLowerCase() === target.toLowerCase())) continue;
      if (isSubDomain(st.zone, target)) {
        const r = addresses(ctx, { ...st, qname: target, name: target.toLowerCase() }, family, [...previous, cname]);
        if (r !== 'name-error') {
          if (r.records.length > 0) {
            out.push(cname);
            for (const rr of r.records) out.push(rr);
          }
          if (r.truncated) truncated = true;
        }
        continue;
      }
      const m = ctx.upstream?.(target, family);
      if (m === undefined) continue; // the lookup failed: drop the CNAME too
      if (m.truncated) truncated = true;
      out.push(cname);
      for (const rr of m.answer) out.push(rr);
      continue;
    }
    if (what === family && !dup.has(e.host)) {
      dup.add(e.host);
      out.push({ name: st.qname, ttl: e.ttl, type: family, data: e.host });
    }
  }
  return { records: out, truncated };
}

/** Kubernetes.Services for TXT, then plugin.TXT. */
function txt(ctx: Ctx, st: State): { records: Rr[]; truncated: boolean } | 'name-error' {
  const base = st.name === st.zone.toLowerCase() ? '' : st.name.slice(0, st.name.length - st.zone.length - 1);
  if (base === 'dns-version') {
    return { records: [{ name: st.qname, ttl: 28800, type: 'TXT', data: [DNS_SCHEMA_VERSION] }], truncated: false };
  }
  // Another type exists at this name: NODATA; otherwise NXDOMAIN (an empty Records result counts as none).
  const s = records(ctx, st);
  const zonal = st.name.includes('._zone.') && ctx.cfg.zonal === true;
  return s !== 'name-error' && (s.length > 0 || zonal) ? { records: [], truncated: false } : 'name-error';
}

/** plugin.SRV: weight floor(100/n) over every entry (port -1 sentinels included), at least 1. */
function srv(ctx: Ctx, st: State): { records: Rr[]; extra: Rr[] } | 'name-error' {
  const found = services(ctx, st);
  if (found === 'name-error') return found;
  const records: Rr[] = [];
  const extra: Rr[] = [];
  const dup = new Set<string>();
  const total = found.length * 100;
  for (const e of found) {
    if (e.port === -1) continue;
    const fam = ipFamily(e.host);
    if (fam === undefined) continue;
    const weight = Math.max(1, Math.floor((100 / total) * 100));
    const target = e.domain;
    const srvKey = `${target}\u0000\u0000${e.port}`;
    if (!dup.has(srvKey)) {
      dup.add(srvKey);
      records.push({ name: st.qname, ttl: e.ttl, type: 'SRV', data: { priority: 0, weight, port: e.port, target } });
    }
    const addrKey = `${target}\u0000${e.host}\u00000`;
    if (!dup.has(addrKey)) {
      dup.add(addrKey);
      extra.push({ name: target, ttl: e.ttl, type: fam, data: e.host });
    }
  }
  return { records, extra };
}

/** Kubernetes.Reverse then plugin.PTR: a ClusterIP first (the first service wins), else every endpoint. */
function ptr(ctx: Ctx, st: State): Rr[] | 'name-error' {
  const ip = addressFromReverse(st.name);
  if (ip === '') {
    const s = records(ctx, st);
    return s === 'name-error' ? s : [];
  }
  const zone = primaryZone(ctx.cfg);
  const hosts: string[] = [];
  const filtered = (ns: string): boolean => ctx.cfg.namespaces.length > 0 && !namespaceExposed(ctx, ns);
  const svc = ctx.view.services.find((s) => s.clusterIPs.includes(ip) && !filtered(s.namespace));
  if (svc !== undefined) hosts.push(`${svc.name}.${svc.namespace}.svc.${zone}`);
  else {
    for (const sl of ctx.view.endpointSlices) {
      if (filtered(sl.namespace)) continue;
      for (const a of sl.addresses) {
        if (a.ready && a.ip === ip) hosts.push(`${endpointHostname(a, ctx.cfg.endpointPodNames)}.${sl.service}.${sl.namespace}.svc.${zone}`);
      }
    }
  }
  if (hosts.length === 0) return 'name-error';
  const out: Rr[] = [];
  for (const h of hosts) if (!out.some((r) => r.data === h)) out.push({ name: st.qname, ttl: ctx.cfg.ttl, type: 'PTR', data: h });
  return out;
}
