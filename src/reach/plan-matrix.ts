// From selectors to the rows, columns and probe jobs of a matrix, on a compiled Cluster. A pod's columns are
// its declared container ports (what the e2e suite's pods serve), a Service's its ClusterIP ports (and, when
// asked, every node's NodePort), a container's, node's or host's the sockets it listens on; `--ports`
// replaces the declared ports and filters the Services'.

import type { CompiledCluster } from '../cluster/compile.js';
import type { Protocol, ServiceObject } from '../cluster/model.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { labelsMatch } from './label-selector.js';
import type { ReachJob, ReachProto, ReachSource, ReachTarget } from './model.js';
import type { PortList } from './port-list.js';
import type { SelectorTerm } from './selector.js';

export interface PlanOptions {
  /** Parsed `--from` terms with their text; empty: every pod and container. */
  from: { text: string; term: SelectorTerm }[];
  /** Parsed `--to` terms; empty: every pod, container and Service. */
  to: { text: string; term: SelectorTerm }[];
  ports?: PortList;
  proto?: ReachProto;
  /** Also a column per node for each NodePort of the selected Services. */
  nodePorts?: boolean;
}

export interface MatrixPlan {
  rows: ReachSource[];
  cols: ReachTarget[];
  jobs: ReachJob[];
}

export type PlanResult = { ok: true; plan: MatrixPlan } | { ok: false; message: string };

/** A destination before its columns are laid out. */
interface Entity {
  entity: string;
  kind: ReachTarget['kind'];
  addr: number;
  netns: string;
  /** Ports as declared: number, protocol, name. */
  ports: { port: number; proto: ReachProto; name?: string }[];
  holders: string[];
  pods: string[];
  service?: ServiceObject;
}

class PlanError extends Error {}

const protoOf = (p: Protocol): ReachProto => (p === 'TCP' ? 'tcp' : p === 'UDP' ? 'udp' : 'sctp');
const podLabel = (namespace: string, name: string): string => `${namespace}/${name}`;
const wild = (pattern: string, name: string): boolean => pattern === '*' || pattern === name;

function fail(flag: string, text: string, column: number, message: string): never {
  throw new PlanError(`${flag} ${text}: column ${column}: ${message}`);
}

function listOf(names: string[]): string {
  return names.length === 0 ? 'none' : `${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`;
}

function podEntities(c: CompiledCluster, term: SelectorTerm, flag: string, text: string): Entity[] {
  const placed = c.pods.filter((p) => p.netns !== undefined && p.ip !== undefined);
  let pods = placed;
  if (term.kind === 'pod') {
    pods = placed.filter((p) => wild(term.name, p.name) && (term.namespace === undefined ? term.name === '*' || p.namespace === 'default' || !placed.some((q) => q.name === p.name && q.namespace === 'default') : p.namespace === term.namespace));
    if (term.namespace === undefined && term.name !== '*' && new Set(pods.map((p) => p.namespace)).size > 1) {
      fail(flag, text, 5, `pod "${term.name}" is in several namespaces: write pod/NAMESPACE/${term.name}`);
    }
    if (pods.length === 0 && term.name !== '*') fail(flag, text, text.lastIndexOf('/') + 2, `no pod "${term.name}"${term.namespace === undefined ? '' : ` in namespace ${term.namespace}`} (pods: ${listOf(placed.map((p) => podLabel(p.namespace, p.name)))})`);
  } else if (term.kind === 'ns') {
    pods = placed.filter((p) => wild(term.namespace, p.namespace));
    if (pods.length === 0 && term.namespace !== '*') fail(flag, text, 4, `no pod in namespace "${term.namespace}" (namespaces: ${listOf([...new Set(placed.map((p) => p.namespace))])})`);
  } else if (term.kind === 'labels') {
    pods = placed.filter((p) => (term.namespace === undefined || p.namespace === term.namespace) && labelsMatch(term.reqs, p.labels));
  }
  return pods
    .map((p) => {
      const ports: Entity['ports'] = [];
      for (const ctr of p.object.spec.containers) {
        for (const cp of ctr.ports) {
          const proto = protoOf(cp.protocol);
          ports.push({ port: cp.containerPort, proto, ...(cp.name !== undefined ? { name: cp.name } : {}) });
        }
      }
      return { entity: podLabel(p.namespace, p.name), kind: 'pod' as const, addr: p.ip as number, netns: p.netns as string, ports, holders: [p.netns as string], pods: [podLabel(p.namespace, p.name)] };
    })
    .sort((a, b) => (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0));
}

function listensOf(c: CompiledCluster, netns: string): Entity['ports'] {
  const ns = c.world.namespaces.find((n) => n.name === netns);
  return (ns?.listen ?? []).map((l) => ({ port: l.port, proto: l.proto }));
}

function machineEntities(c: CompiledCluster, term: SelectorTerm & { kind: 'node' | 'host' | 'ctr' }, flag: string, text: string): Entity[] {
  const all =
    term.kind === 'node'
      ? c.nodes.map((n) => ({ name: n.name, netns: n.netns, ip: n.ip }))
      : term.kind === 'host'
        ? c.externals.map((e) => ({ name: e.name, netns: e.netns, ip: e.ip }))
        : c.containers.map((x) => ({ name: x.name, netns: x.netns, ip: x.ip }));
  const picked = all.filter((m) => wild(term.name, m.name));
  const what = term.kind === 'node' ? 'node' : term.kind === 'host' ? 'external host' : 'container';
  if (picked.length === 0 && term.name !== '*') fail(flag, text, text.indexOf('/') + 2, `no ${what} "${term.name}" (${what}s: ${listOf(all.map((m) => m.name))})`);
  return picked.map((m) => ({ entity: `${term.kind}/${m.name}`, kind: term.kind === 'ctr' ? 'container' : term.kind, addr: m.ip, netns: m.netns, ports: listensOf(c, m.netns), holders: [m.netns], pods: [] }));
}

/** The namespaces and pods holding a Service's endpoints (its EndpointSlices' addresses). */
function holdersOf(c: CompiledCluster, svc: ServiceObject): { holders: string[]; pods: string[] } {
  const byIp = new Map<number, { netns: string; pod?: string }>();
  for (const x of c.containers) byIp.set(x.ip, { netns: x.netns });
  for (const p of c.pods) if (p.ip !== undefined && p.netns !== undefined && !p.hostNetwork) byIp.set(p.ip, { netns: p.netns, pod: podLabel(p.namespace, p.name) });
  const holders = new Set<string>();
  const pods = new Set<string>();
  for (const s of c.endpointSlices) {
    if (s.serviceName !== svc.meta.name || s.meta.namespace !== svc.meta.namespace) continue;
    for (const e of s.endpoints) {
      for (const a of e.addresses) {
        const h = byIp.get(a);
        if (h !== undefined) holders.add(h.netns);
        if (h?.pod !== undefined) pods.add(h.pod);
      }
    }
  }
  return { holders: [...holders].sort(), pods: [...pods].sort() };
}

function serviceEntities(c: CompiledCluster, term: SelectorTerm & { kind: 'svc' }, flag: string, text: string): Entity[] {
  const withIp = c.services.filter((s) => typeof s.clusterIP === 'number');
  const named = withIp.filter((s) => wild(term.name, s.meta.name) && (term.namespace === undefined || s.meta.namespace === term.namespace));
  if (named.length === 0 && term.name !== '*') {
    fail(flag, text, 5, `no Service "${term.name}"${term.namespace === undefined ? '' : ` in namespace ${term.namespace}`} with a cluster IP (services: ${listOf(withIp.map((s) => `${s.meta.name}.${s.meta.namespace}`))})`);
  }
  const out: Entity[] = [];
  for (const s of named.sort((a, b) => (`${a.meta.namespace}/${a.meta.name}` < `${b.meta.namespace}/${b.meta.name}` ? -1 : 1))) {
    let ports = s.ports.flatMap((p) => {
      const proto = protoOf(p.protocol);
      return [{ port: p.port, proto, ...(p.name !== undefined ? { name: p.name } : {}), ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}) }];
    });
    if (term.port !== undefined) {
      const byPort = ports.filter((p) => String(p.port) === term.port || p.name === term.port);
      if (byPort.length === 0 && term.name !== '*') {
        fail(flag, text, text.indexOf(':') + 2, `Service "${s.meta.namespace}/${s.meta.name}" has no port "${term.port}" (ports: ${s.ports.map((p) => (p.name === undefined ? String(p.port) : `${p.port} (${p.name})`)).join(', ')})`);
      }
      ports = byPort;
    }
    out.push({ entity: `svc/${s.meta.name}.${s.meta.namespace}`, kind: 'service', addr: s.clusterIP as number, netns: '', ports, ...holdersOf(c, s), service: s });
  }
  return out;
}

function entitiesOf(c: CompiledCluster, term: SelectorTerm, flag: string, text: string): Entity[] {
  switch (term.kind) {
    case 'pod':
    case 'ns':
    case 'labels':
      return podEntities(c, term, flag, text);
    case 'svc':
      return serviceEntities(c, term, flag, text);
    default:
      return machineEntities(c, term, flag, text);
  }
}

function dedupe(entities: Entity[]): Entity[] {
  const seen = new Set<string>();
  return entities.filter((e) => (seen.has(e.entity) ? false : (seen.add(e.entity), true)));
}

function resolveAll(c: CompiledCluster, terms: PlanOptions['from'], defaults: SelectorTerm[], flag: string): Entity[] {
  const out: Entity[] = [];
  const given = terms.length > 0 ? terms : defaults.map((term) => ({ text: '', term }));
  for (const { text, term } of given) for (const e of entitiesOf(c, term, flag, text)) out.push(e);
  return dedupe(out);
}

/** The ports of one destination that become columns. */
function columnPorts(e: Entity, o: PlanOptions): { port: number; proto: ReachProto }[] {
  let ports: { port: number; proto: ReachProto }[];
  if (e.kind === 'service') {
    ports = e.ports.filter((p) => o.ports === undefined || o.ports.numbers.includes(p.port) || (p.name !== undefined && o.ports.names.includes(p.name)));
  } else if (o.ports === undefined) {
    ports = e.ports;
  } else {
    ports = o.ports.numbers.map((port) => ({ port, proto: o.proto ?? 'tcp' }));
    for (const n of o.ports.names) for (const p of e.ports) if (p.name === n) ports.push(p);
  }
  if (o.proto !== undefined) ports = ports.filter((p) => p.proto === o.proto);
  const seen = new Set<string>();
  return ports.filter((p) => (seen.has(`${p.port}/${p.proto}`) ? false : (seen.add(`${p.port}/${p.proto}`), true)));
}

function columnsOf(c: CompiledCluster, e: Entity, o: PlanOptions): ReachTarget[] {
  const ports = columnPorts(e, o);
  const suffix = (p: { port: number; proto: ReachProto }): string => (ports.length > 1 ? `:${p.port}${p.proto === 'tcp' ? '' : `/${p.proto}`}` : '');
  const out: ReachTarget[] = ports.map((p) => ({ label: `${e.entity}${suffix(p)}`, kind: e.kind, entity: e.entity, addr: formatIpv4(e.addr), port: p.port, proto: p.proto, holders: e.holders, pods: e.pods }));
  if (o.nodePorts && e.service !== undefined) {
    for (const sp of e.service.ports) {
      const proto = protoOf(sp.protocol);
      if (sp.nodePort === undefined || !ports.some((p) => p.port === sp.port && p.proto === proto)) continue;
      for (const n of c.nodes) {
        out.push({ label: `${e.entity}@${n.name}:${sp.nodePort}${proto === 'tcp' ? '' : `/${proto}`}`, kind: 'nodeport', entity: e.entity, addr: formatIpv4(n.ip), port: sp.nodePort, proto, holders: e.holders, pods: e.pods });
      }
    }
  }
  return out;
}

/** Resolves the selectors and lays out the matrix: rows, columns and one job per cell, row-major. */
export function planMatrix(c: CompiledCluster, o: PlanOptions): PlanResult {
  try {
    for (const t of o.from) if (t.term.kind === 'svc') fail('--from', t.text, 1, 'a Service sends nothing: give the pods, nodes or hosts that send (pod/NAME, ns/NAME, app=web, node/NAME, host/NAME, ctr/NAME)');
    const sources = resolveAll(c, o.from, [{ kind: 'pod', name: '*' }, { kind: 'ctr', name: '*' }], '--from');
    const rows: ReachSource[] = sources.map((e) => ({ label: e.entity, kind: e.kind as ReachSource['kind'], netns: e.netns, addr: formatIpv4(e.addr) }));
    const dests = resolveAll(c, o.to, [{ kind: 'pod', name: '*' }, { kind: 'ctr', name: '*' }, { kind: 'svc', name: '*' }], '--to');
    const cols: ReachTarget[] = [];
    for (const e of dests) for (const col of columnsOf(c, e, o)) cols.push(col);
    const jobs: ReachJob[] = [];
    rows.forEach((r, ri) => cols.forEach((t, ci) => jobs.push({ row: ri, col: ci, from: r.netns, dst: t.addr, dport: t.port, proto: t.proto })));
    return { ok: true, plan: { rows, cols, jobs } };
  } catch (e) {
    if (e instanceof PlanError) return { ok: false, message: e.message };
    throw e;
  }
}
