// DNS in the dataplane (src/dns/named-trace.ts): a trace to a name first traces each query of the pod's
// glibc lookup as a UDP packet through kube-dns to CoreDNS, then the connection to the answer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runNamedTrace, RESOLVER_SPORT } from '../src/dns/named-trace.js';
import { searchLookup } from '../src/dns/search-lookup.js';
import { buildWorld, worldDigest } from '../src/kernel/index.js';
import { loadScenarioFile, loadScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/model.js';
import { checkExpectations } from '../src/scenario/expect.js';
import { runTimeline } from '../src/scenario/run-timeline.js';

function load(file: string): Scenario {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
  return r.scenario;
}

const search = load('scenarios/cluster-dns-search.yaml');

describe('a trace to a DNS name', () => {
  const world = buildWorld(search.world);
  const t = search.traces[0];
  it('the scenario trace keeps the name and resolves it at run time', () => {
    expect(t.toName).toBe('web.prod');
    expect(t.dst).toBe(0);
  });
  const { trace } = runNamedTrace(world, search.cluster!, 'web.prod', { ...t, dst: 0 });
  it('sends A and AAAA per search-list candidate from one socket, each query a UDP packet to the kube-dns ClusterIP', () => {
    const d = trace.dns!;
    expect(d.queries.map((q) => `${q.qname} ${q.qtype}`)).toEqual([
      'web.prod.default.svc.cluster.local. A',
      'web.prod.default.svc.cluster.local. AAAA',
      'web.prod.svc.cluster.local. A',
      'web.prod.svc.cluster.local. AAAA',
    ]);
    for (const q of d.queries) {
      expect(q.trace.packet).toMatchObject({ proto: 'udp', src: `10.244.0.2:${RESOLVER_SPORT}`, dst: '10.96.0.10:53' });
      expect(q.trace.disposition).toBe('DELIVERED');
      expect(q.answeredBy?.pod).toMatch(/^kube-system\/coredns-/);
      // The answer comes back from the address the resolver asked: un-DNATed.
      expect(q.trace.reply?.deliveredTo?.peerSeen).toBe('10.96.0.10:53');
    }
    expect(d.queries.map((q) => q.response?.rcode)).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NOERROR', 'NOERROR']);
    expect(d.result).toBe('found');
    expect(d.answeredName).toBe('web.prod.svc.cluster.local.');
  });
  it('the first query is DNATed by kube-proxy to the CoreDNS pod; the second rides its conntrack entry', () => {
    const [a, aaaa] = trace.dns!.queries;
    expect(a.trace.hops.some((h) => /DNAT: 10\.244\.0\.2:45000 > 10\.96\.0\.10:53/.test(h.detail))).toBe(true);
    expect(a.trace.hops.some((h) => /conntrack: NEW connection udp 10\.244\.0\.2:45000 > 10\.96\.0\.10:53/.test(h.detail))).toBe(true);
    expect(aaaa.trace.hops.some((h) => /conntrack: NEW connection udp 10\.244\.0\.2:45000 > 10\.96\.0\.10:53/.test(h.detail))).toBe(false);
  });
  it('then connects to the address found', () => {
    expect(trace.dns!.address).toBe('10.96.0.2');
    expect(trace.packet).toMatchObject({ proto: 'tcp', dst: '10.96.0.2:80' });
    expect(trace.disposition).toBe('DELIVERED');
  });
  it('leaves the World as it found it', () => {
    const before = worldDigest(world);
    runNamedTrace(world, search.cluster!, 'web.prod', { ...t, dst: 0 });
    expect(worldDigest(world)).toBe(before);
  });
  it('is deterministic', () => {
    const again = runNamedTrace(buildWorld(search.world), search.cluster!, 'web.prod', { ...t, dst: 0 }).trace;
    expect(JSON.stringify(again)).toBe(JSON.stringify(trace));
  });
});

describe('when DNS fails the trace says where', () => {
  it('NXDOMAIN for every candidate: HOST_NOT_FOUND, no connection, the last query is the trace', () => {
    const world = buildWorld(search.world);
    const t = search.traces[1];
    const { trace } = runNamedTrace(world, search.cluster!, t.toName!, t);
    expect(trace.dns!.result).toBe('HOST_NOT_FOUND');
    expect(trace.dns!.error).toMatch(/EAI_NONAME/);
    expect(trace.packet.proto).toBe('udp');
    expect(trace.packet.dst).toBe('10.96.0.10:53');
    expect(checkExpectations(trace, { dns: { result: 'found' } })).toEqual([expect.stringMatching(/dns.result: expected found, got HOST_NOT_FOUND/)]);
  });
  it('a rule dropping port 53: the query is DROPPED at the rule, the lookup times out (EAI_AGAIN)', () => {
    const sc = load('scenarios/cluster-dns-blocked.yaml');
    const t = sc.traces[0];
    const { trace } = runNamedTrace(buildWorld(sc.world), sc.cluster!, t.toName!, t);
    expect(trace.disposition).toBe('DROPPED');
    expect(trace.reason).toBe('NETFILTER_DROP');
    expect(trace.dns!.queries.every((q) => q.failure === 'timeout')).toBe(true);
    expect(trace.dns!.result).toBe('TRY_AGAIN');
  });
  it('no CoreDNS endpoints: kube-proxy REJECTs, ECONNREFUSED ends the lookup at the first query', () => {
    const text = readFileSync('scenarios/cluster-dns-search.yaml', 'utf8').replace(/replicas: 1\n      selector: \{matchLabels: \{k8s-app: kube-dns\}\}/, 'replicas: 0\n      selector: {matchLabels: {k8s-app: kube-dns}}');
    const r = loadScenarioText(text, 'no-coredns.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const t = r.scenario.traces[0];
    const { trace } = runNamedTrace(buildWorld(r.scenario.world), r.scenario.cluster!, t.toName!, t);
    expect(trace.disposition).toBe('REJECTED');
    expect(trace.dns!.queries).toHaveLength(1);
    expect(trace.dns!.queries[0].failure).toBe('refused');
    expect(trace.dns!.result).toBe('TRY_AGAIN');
  });
});

describe('a stale conntrack entry', () => {
  it('after the CoreDNS pod is deleted, the resolver socket\'s entry still DNATs to its old address: dropped, EAI_AGAIN', () => {
    // The timeline's components never flush conntrack (docs/scenarios.md); real kube-proxy deletes the UDP
    // entries of a removed endpoint, so this is what a missed clean-up (kubernetes/kubernetes#59368) leaves.
    const first = runNamedTrace(buildWorld(load('scenarios/cluster-dns-remote-coredns.yaml').world), load('scenarios/cluster-dns-remote-coredns.yaml').cluster!, 'web.prod', { from: 'client', dst: 0, proto: 'tcp', dport: 80 }).trace;
    const pod = first.dns!.queries[0].answeredBy!.pod!.split('/')[1];
    // Without kube-proxy's conntrack clean-up (cluster.kubeProxy.conntrackCleanup: false), as before it existed.
    const text = readFileSync('scenarios/cluster-dns-remote-coredns.yaml', 'utf8')
      .replace('network: flannel-vxlan}', 'network: flannel-vxlan, kubeProxy: {conntrackCleanup: false}}')
      .replace(/traces:[\s\S]*$/, `timeline:
  - trace: {name: before, from: pod/client, to: web.prod:80, proto: tcp}
  - kubectl: kubectl delete pod ${pod} -n kube-system
  - trace: {name: after, from: pod/client, to: web.prod:80, proto: tcp}
`);
    expect(text).toContain('conntrackCleanup: false');
    const r = loadScenarioText(text, 'stale.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const events = runTimeline(r.scenario.world, r.scenario.timeline!, { cluster: r.scenario.cluster! }).events;
    const traces = events.flatMap((e) => (e.kind === 'trace' ? [e.trace] : []));
    expect(traces[0].dns!.result).toBe('found');
    const after = traces[1];
    expect(after.dns!.result).toBe('TRY_AGAIN');
    const q = after.dns!.queries[0];
    expect(q.failure).toBe('timeout');
    expect(q.trace.disposition).toBe('DROPPED');
    // No new connection: the old entry's DNAT, to the deleted pod's address.
    expect(q.trace.hops.some((h) => /conntrack: NEW connection udp 10\.244\.0\.2:45000/.test(h.detail))).toBe(false);
    const nat = q.trace.hops.find((h) => h.after !== null);
    expect(nat?.after?.dst).toBe(first.dns!.queries[0].trace.deliveredTo!.addr);
  });

  it('with kube-proxy\'s conntrack clean-up (the default) the stale entry is deleted at the sync: the lookup finds the name', () => {
    const first = runNamedTrace(buildWorld(load('scenarios/cluster-dns-remote-coredns.yaml').world), load('scenarios/cluster-dns-remote-coredns.yaml').cluster!, 'web.prod', { from: 'client', dst: 0, proto: 'tcp', dport: 80 }).trace;
    const pod = first.dns!.queries[0].answeredBy!.pod!.split('/')[1];
    const text = readFileSync('scenarios/cluster-dns-remote-coredns.yaml', 'utf8').replace(/traces:[\s\S]*$/, `timeline:
  - trace: {name: before, from: pod/client, to: web.prod:80, proto: tcp}
  - kubectl: kubectl delete pod ${pod} -n kube-system
  - trace: {name: after, from: pod/client, to: web.prod:80, proto: tcp}
`);
    const r = loadScenarioText(text, 'cleaned.yaml');
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const events = runTimeline(r.scenario.world, r.scenario.timeline!, { cluster: r.scenario.cluster! }).events;
    const sync = events.flatMap((e) => (e.kind === 'cluster' ? e.kubeProxy : []));
    expect(sync.some((s) => s.conntrackCleanup === 'ran' && s.conntrackDeleted.some((l) => /dport=53\b/.test(l)))).toBe(true);
    const after = events.flatMap((e) => (e.kind === 'trace' ? [e.trace] : []))[1];
    expect(after.dns!.result).toBe('found');
    expect(after.dns!.queries[0].trace.deliveredTo!.addr).not.toBe(first.dns!.queries[0].trace.deliveredTo!.addr);
  });
});

describe('search-lookup failures', () => {
  const rc = { nameservers: ['10.96.0.10'], searches: ['a.svc', 'svc'], options: [{ name: 'ndots', value: '5' }] };
  it('a timeout stops the search list; the name is still asked as is (glibc __res_context_search)', () => {
    const r = searchLookup('web', ['A'], rc, 'glibc', () => 'timeout');
    expect(r.attempts.map((a) => `${a.name} ${a.verdict}`)).toEqual(['web.a.svc. TIMEOUT', 'web. TIMEOUT']);
    expect(r.outcome).toBe('TRY_AGAIN');
  });
  it('ECONNREFUSED returns at once, and the AAAA is never sent', () => {
    const r = searchLookup('web', ['A', 'AAAA'], rc, 'glibc', () => 'refused');
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0].queries).toHaveLength(1);
    expect(r.outcome).toBe('TRY_AGAIN');
  });
});
