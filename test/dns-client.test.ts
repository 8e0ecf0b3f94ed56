// What a pod's resolver sends and concludes (reference dns.md §2.3): the search list walked with ndots,
// glibc continuing past NODATA where musl stops, trailing dots asked as is.
import { describe, expect, it } from 'vitest';
import { answerQuery } from '../src/dns/kubernetes-plugin.js';
import { defaultPluginConfig } from '../src/dns/plugin-config.js';
import { kubeletResolvConf } from '../src/dns/resolv-conf.js';
import { searchLookup } from '../src/dns/search-lookup.js';
import type { SendQuery } from '../src/dns/search-lookup.js';
import { staticUpstream } from '../src/dns/static-upstream.js';
import type { DnsView } from '../src/dns/view.js';

const view: DnsView = {
  namespaces: ['default', 'kube-system', 'prod', 'other', 'web'],
  services: [
    { name: 'web', namespace: 'other', type: 'ClusterIP', headless: false, clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    { name: 'api', namespace: 'prod', type: 'ClusterIP', headless: false, clusterIPs: ['10.96.0.30'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
  ],
  endpointSlices: [],
  pods: [],
  synced: true,
  serial: 1,
};
const cfg = { ...defaultPluginConfig(), ttl: 30, pods: 'insecure' as const };
const upstream = staticUpstream([{ name: 'api.github.com.', ttl: 60, type: 'A', data: '140.82.112.5' }]);
const send: SendQuery = (name, type) => answerQuery(view, cfg, { name, type }, upstream);
const rc = kubeletResolvConf({ namespace: 'prod', hostNetwork: false }, 'cluster.local', ['10.96.0.10'], { nameservers: ['10.0.0.2'], searches: ['ec2.internal'], options: [] });
const names = (r: ReturnType<typeof searchLookup>) => r.attempts.map((a) => `${a.name} ${a.verdict}`);

describe('pod lookups through the search list', () => {
  it('a short name from another namespace: one NXDOMAIN pair, then the hit', () => {
    const r = searchLookup('web.other', ['A', 'AAAA'], rc, 'glibc', send);
    expect(names(r)).toEqual(['web.other.prod.svc.cluster.local. NXDOMAIN', 'web.other.svc.cluster.local. answer']);
    expect(r.attempts.flatMap((a) => a.queries.map((q) => q.type))).toEqual(['A', 'AAAA', 'A', 'AAAA']);
    expect(r.outcome).toBe('found');
  });
  it('glibc walks past NODATA (namespace "web" exists) to the upstream; musl stops there', () => {
    const g = searchLookup('web', ['A', 'AAAA'], rc, 'glibc', send);
    expect(names(g)).toEqual([
      'web.prod.svc.cluster.local. NXDOMAIN',
      'web.svc.cluster.local. NODATA',
      'web.cluster.local. NXDOMAIN',
      'web.ec2.internal. NXDOMAIN',
      'web. NXDOMAIN',
    ]);
    expect(g.outcome).toBe('NO_DATA');
    const m = searchLookup('web', ['A', 'AAAA'], rc, 'musl', send);
    expect(names(m)).toEqual(['web.prod.svc.cluster.local. NXDOMAIN', 'web.svc.cluster.local. NODATA']);
    expect(m.outcome).toBe('NO_DATA');
  });
  it('an external name with 2 dots costs 4 negative pairs before the answer', () => {
    const r = searchLookup('api.github.com', ['A', 'AAAA'], rc, 'glibc', send);
    expect(r.attempts).toHaveLength(5);
    expect(r.attempts.slice(0, 4).every((a) => a.verdict === 'NXDOMAIN')).toBe(true);
    expect(r.answeredName).toBe('api.github.com.');
  });
  it('a trailing dot is asked as is, once; a full name without it runs the search list first', () => {
    expect(names(searchLookup('api.prod.svc.cluster.local.', ['A'], rc, 'glibc', send))).toEqual(['api.prod.svc.cluster.local. answer']);
    const r = searchLookup('api.prod.svc.cluster.local', ['A'], rc, 'glibc', send);
    expect(r.attempts).toHaveLength(5);
    expect(r.answeredName).toBe('api.prod.svc.cluster.local.');
  });
  it('ndots reached: as is first', () => {
    const r = searchLookup('a.b.c.d.e.f', ['A'], rc, 'glibc', send);
    expect(r.attempts[0]!.name).toBe('a.b.c.d.e.f.');
    expect(r.outcome).toBe('HOST_NOT_FOUND');
    expect(r.attempts).toHaveLength(5);
  });
});
