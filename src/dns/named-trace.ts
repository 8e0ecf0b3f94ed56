// `net trace --to web.prod:80`: a destination given by name. The source pod's resolver first sends each DNS
// query of its lookup as a real UDP packet (pod -> kube-dns ClusterIP -> DNAT to a CoreDNS pod, maybe on
// another node -> the answer, un-NATed on its way back), one A and one AAAA per search-list candidate as
// getaddrinfo sends them, then the connection goes to the address the answer gave. All of it runs on one
// World and one clock, as it happens on a node: the queries' conntrack entries are there for the next query
// (the A and AAAA of glibc share one socket) and for the connection.

import { encodingLength } from 'dns-packet';
import type { CompiledCluster } from '../cluster/compile.js';
import { checkpointWorld } from '../kernel/index.js';
import type { World } from '../kernel/index.js';
import { Scheduler } from '../sim/index.js';
import type { ProbeSpec, Recorder } from '../sim/index.js';
import { runTraceRecorded } from '../trace/index.js';
import type { DnsQueryTrace, Trace, TraceDns } from '../trace/index.js';
import { formatIpv4, parseIpv4 } from '../wire/ipv4-addr.js';
import { clusterDnsServers } from './dns-servers.js';
import type { ClusterDnsServers } from './dns-servers.js';
import type { DnsResponse } from './kubernetes-plugin.js';
import type { ResolvConf } from './resolv-conf.js';
import { formatResolvConf, kubeletResolvConf } from './resolv-conf.js';
import { rrText } from './rr.js';
import type { Libc, LookupResult, QueryFailure } from './search-lookup.js';
import { searchLookup } from './search-lookup.js';

/**
 * The source port of the resolver's UDP socket: an ephemeral port (ip_local_port_range 32768-60999) the
 * kernel would pick at random, fixed here so traces are reproducible. glibc keeps the socket open for the whole
 * lookup (res_send's nssocks), so every query of one lookup leaves from it.
 */
export const RESOLVER_SPORT = 45000;

/** The source port of NodeLocal DNSCache's TCP connections upstream (the first; each forward takes the next). */
export const CACHE_FORWARD_SPORT = 50000;

/**
 * What NodeLocal DNSCache holds: entries by "node netns|qname|qtype" with the virtual time they expire, and
 * how many queries it forwarded. It lives as long as the World it answers in (a timeline's); a single trace
 * starts with an empty cache.
 */
export interface DnsCacheState {
  entries: Map<string, number>;
  forwards: number;
}

export function emptyDnsCache(): DnsCacheState {
  return { entries: new Map(), forwards: 0 };
}

export interface NamedTraceOptions {
  /** NodeLocal DNSCache's state, kept by a timeline from trace to trace. */
  cache?: DnsCacheState;
  seed?: number;
  /** A timeline's scheduler: the lookup and the connection run on its clock. */
  scheduler?: Scheduler;
  /** The virtual time to start at (a point of a timeline), without `scheduler`. */
  startAt?: number;
  /** Leave the World as the lookup and the connection left it (a timeline); else it is rolled back. */
  keep?: boolean;
  libc?: Libc;
  /** The DNS servers of the cluster (computed from it when absent). */
  servers?: ClusterDnsServers;
}

/** The node's own /etc/resolv.conf is not modelled: a nameserver on the underlay gateway, no search list. */
export function nodeResolvConf(c: CompiledCluster): ResolvConf {
  const gw = c.spec.underlay.gateway;
  return { nameservers: [gw === undefined ? '127.0.0.53' : formatIpv4(gw)], searches: [], options: [] };
}

/** The resolv.conf of whoever sends from `netns`: a pod's as kubelet writes it, else the node's. */
export function resolvConfOf(c: CompiledCluster, netns: string, kubeDns: string): { rc: ResolvConf; who: string } {
  const pod = c.pods.find((p) => p.netns === netns && !p.hostNetwork) ?? c.pods.find((p) => p.netns === netns);
  if (pod === undefined) return { rc: nodeResolvConf(c), who: netns };
  const spec = pod.object.spec;
  const rc = kubeletResolvConf({ namespace: pod.namespace, hostNetwork: pod.hostNetwork, dnsPolicy: spec.dnsPolicy, dnsConfig: spec.dnsConfig }, c.spec.domain, [kubeDns], nodeResolvConf(c));
  return { rc, who: `${pod.namespace}/${pod.name}` };
}

/** The UDP payload of a query as glibc sends it: header and one question, no EDNS0 (RES_USE_EDNS0 is off). */
function queryBytes(qname: string, qtype: string): number {
  const name = qname.endsWith('.') ? qname.slice(0, -1) : qname;
  try {
    return encodingLength({ type: 'query', id: 0, flags: 0x100, questions: [{ name, type: qtype as 'A' }] });
  } catch {
    return 12 + name.length + 2 + 4;
  }
}

const NOTE = (r: DnsResponse): string | null =>
  r.by === 'none' ? 'nobody answers this name: outside the cluster zone, and no upstream is modelled'
    : r.by === 'upstream' ? 'forwarded upstream (the node\'s resolver, outside the World, not traced; taken to know no such name)'
    : r.rcode === 'NOERROR' && r.answer.length === 0 ? 'NODATA: the name exists, not this type' : null;

/** What getaddrinfo tells the application (gai_strerror) for a failed lookup. */
const GAI_ERROR: Record<LookupResult['outcome'], string | null> = {
  found: null,
  HOST_NOT_FOUND: 'EAI_NONAME: Name or service not known',
  NO_DATA: 'EAI_NODATA: No address associated with hostname',
  TRY_AGAIN: 'EAI_AGAIN: Temporary failure in name resolution',
  NO_RECOVERY: 'EAI_FAIL: Non-recoverable failure in name resolution',
};

/**
 * Resolves `name` from `probe.from` and traces every query, then traces `probe` to the address found. The
 * result is the connection's Trace with a `dns` section; when the name does not resolve it is the last
 * query's Trace (its disposition is that packet's fate), with the lookup's failure in `dns`. The traces are
 * plain: annotateTrace (src/cluster/annotate-trace.ts) names nodes, pods and chains, the queries' too.
 */
export function runNamedTrace(
  world: World,
  c: CompiledCluster,
  name: string,
  probe: ProbeSpec & { name?: string },
  opts: NamedTraceOptions = {},
): { trace: Trace; recorder: Recorder } {
  const servers = opts.servers ?? clusterDnsServers(c);
  const { rc } = resolvConfOf(c, probe.from, servers.kubeDns);
  const libc = opts.libc ?? 'glibc';
  const sched = opts.scheduler ?? new Scheduler();
  if (opts.scheduler === undefined && opts.startAt !== undefined) sched.clock.advanceTo(opts.startAt);
  const checkpoint = opts.keep ? null : checkpointWorld(world);
  const queries: DnsQueryTrace[] = [];
  const cache = opts.cache ?? emptyDnsCache();
  const cacheBefore = opts.keep ? undefined : { entries: new Map(cache.entries), forwards: cache.forwards };
  let last: { trace: Trace; recorder: Recorder } | undefined;
  try {
    const send = (qname: string, qtype: string, nameserver: string): DnsResponse | QueryFailure => {
      const dst = parseIpv4(nameserver);
      const q: ProbeSpec & { name: string } = {
        name: `${qname} ${qtype}`,
        from: probe.from,
        dst: dst ?? 0,
        proto: 'udp',
        dport: 53,
        sport: RESOLVER_SPORT,
        size: queryBytes(qname, qtype),
        ...(probe.mark !== undefined ? { mark: probe.mark } : {}),
        ...(probe.uid !== undefined ? { uid: probe.uid } : {}),
      };
      const run = runTraceRecorded(world, q, { seed: opts.seed, scheduler: sched, keep: true });
      const trace = run.trace;
      last = { trace, recorder: run.recorder };
      const got = trace.deliveredTo === null ? undefined : servers.servers.get(trace.deliveredTo.netns);
      const answered = got !== undefined && trace.deliveredTo?.addr.endsWith(':53') === true && trace.reply?.disposition === 'DELIVERED';
      const entry: DnsQueryTrace = { qname, qtype, server: `${nameserver}:53`, trace, answeredBy: null, response: null, failure: null, cache: null, forwarded: null };
      queries.push(entry);
      if (!answered || got === undefined) {
        // An ICMP port unreachable (no listener, or kube-proxy's REJECT for a Service without endpoints)
        // reaches the connected socket as ECONNREFUSED; anything else lost is a timeout for the resolver.
        const refused = trace.icmp?.type === 'port-unreachable' || trace.disposition === 'REFUSED' || (trace.disposition === 'REJECTED' && trace.icmp !== null);
        entry.failure = refused ? 'refused' : 'timeout';
        return entry.failure;
      }
      let r = servers.answer({ name: qname, type: qtype });
      entry.answeredBy = { netns: got.netns, pod: got.pod, node: got.node, server: got.kind };
      let note: string | null = null;
      if (got.cacheUpstream !== undefined) {
        const key = `${got.netns}|${qname.toLowerCase()}|${qtype}`;
        const now = sched.clock.now();
        const until = cache.entries.get(key);
        if (until !== undefined && until > now) {
          entry.cache = 'hit';
          note = 'from the cache of NodeLocal DNSCache: no packet leaves the node';
        } else {
          // A miss: the cache asks upstream itself, over TCP (`forward . KUBE-DNS-UPSTREAM { force_tcp }`),
          // from the node, through kube-proxy's DNAT like any client of a Service.
          entry.cache = 'miss';
          const fwd = runTraceRecorded(
            world,
            { name: `${qname} ${qtype} (forwarded)`, from: got.netns, dst: parseIpv4(got.cacheUpstream) ?? 0, proto: 'tcp', dport: 53, sport: CACHE_FORWARD_SPORT + (cache.forwards++ % 10000) },
            { seed: opts.seed, scheduler: sched, keep: true },
          );
          entry.forwarded = { server: `${got.cacheUpstream}:53`, trace: fwd.trace };
          const up = fwd.trace.deliveredTo === null ? undefined : servers.servers.get(fwd.trace.deliveredTo.netns);
          if (fwd.trace.disposition === 'DELIVERED' && up !== undefined && up.cacheUpstream === undefined) {
            // cache { success 9984 30; denial 9984 5 } in node-cache's cluster.local block.
            cache.entries.set(key, now + (r.rcode === 'NOERROR' && r.answer.length > 0 ? 30_000 : 5_000));
            note = `a cache miss: asked ${up.pod ?? up.netns} through kube-dns-upstream ${got.cacheUpstream}:53 over TCP`;
          } else {
            r = { rcode: 'SERVFAIL', authoritative: false, truncated: false, answer: [], authority: [], additional: [], by: 'none' };
            note = `a cache miss, and the upstream ${got.cacheUpstream}:53 did not answer (${fwd.trace.disposition}): SERVFAIL`;
          }
        }
      }
      entry.response = {
        rcode: r.rcode,
        truncated: r.truncated,
        answer: r.answer.map((x) => rrText(x, ' ')),
        authority: r.authority.map((x) => rrText(x, ' ')),
        additional: r.additional.map((x) => rrText(x, ' ')),
        note: note ?? NOTE(r),
      };
      return r;
    };
    const res = searchLookup(name, ['A', 'AAAA'], rc, libc, send);
    const hit = res.attempts.find((a) => a.name === res.answeredName);
    const a = hit?.queries.flatMap((x) => x.response.answer).find((rr) => rr.type === 'A');
    const address = a !== undefined && a.type === 'A' ? a.data : null;
    const dns: TraceDns = {
      name,
      libc,
      resolvConf: formatResolvConf(rc).trimEnd().split('\n'),
      queries,
      attempts: res.attempts.map((x) => ({ name: x.name, verdict: x.verdict })),
      result: res.outcome === 'found' && address === null ? 'NO_DATA' : res.outcome,
      error: res.outcome === 'found' && address === null ? 'EAI_NODATA: no IPv4 address (only AAAA records, and the World is IPv4)' : GAI_ERROR[res.outcome],
      answeredName: res.answeredName ?? null,
      address,
    };
    const dst = address === null ? undefined : parseIpv4(address);
    if (dst === undefined) {
      // The connection is never attempted: the last packet sent is the last query.
      const base: { trace: Trace; recorder: Recorder } | undefined = last;
      if (base === undefined) throw new Error('invariant: a lookup sends at least one query');
      return { trace: { ...base.trace, name: probe.name ?? null, dns }, recorder: base.recorder };
    }
    const run = runTraceRecorded(world, { ...probe, dst }, { seed: opts.seed, scheduler: sched, keep: true });
    return { trace: { ...run.trace, dns }, recorder: run.recorder };
  } finally {
    checkpoint?.rollback();
    if (cacheBefore !== undefined) {
      cache.entries = cacheBefore.entries;
      cache.forwards = cacheBefore.forwards;
    }
  }
}
