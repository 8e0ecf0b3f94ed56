// The plugin options and cases the CoreDNS peer suite does not exercise.
import { describe, expect, it } from 'vitest';
import { answerQuery } from './kubernetes-plugin.js';
import type { Upstream } from './kubernetes-plugin.js';
import { defaultPluginConfig } from './plugin-config.js';
import type { KubernetesPluginConfig } from './plugin-config.js';
import { rrText } from './rr.js';
import type { DnsView } from './view.js';

const view: DnsView = {
  namespaces: ['default', 'prod', 'kube-system'],
  services: [
    { name: 'db', namespace: 'prod', type: 'ClusterIP', headless: true, clusterIPs: [], ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }] },
    { name: 'web', namespace: 'prod', type: 'ClusterIP', headless: false, clusterIPs: ['10.96.0.5'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }] },
    { name: 'ext', namespace: 'prod', type: 'ExternalName', headless: false, clusterIPs: [], ports: [], externalName: 'example.com' },
    { name: 'lit', namespace: 'prod', type: 'ExternalName', headless: false, clusterIPs: [], ports: [], externalName: '1.2.3.4' },
    { name: 'kube-dns', namespace: 'kube-system', type: 'ClusterIP', headless: false, clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53 }] },
  ],
  endpointSlices: [
    { name: 'db-x', service: 'db', namespace: 'prod', ports: [{ name: 'pg', protocol: 'TCP', port: 5432 }], addresses: [
      { ip: '10.244.1.2', podName: 'db-7f9c-abcde', ready: true },
      { ip: '10.244.1.3', podName: 'db-7f9c-fghij', ready: false },
    ] },
    { name: 'web-x', service: 'web', namespace: 'prod', ports: [{ name: 'http', protocol: 'TCP', port: 80 }], addresses: [] },
    { name: 'dns-x', service: 'kube-dns', namespace: 'kube-system', ports: [{ name: 'dns', protocol: 'UDP', port: 53 }], addresses: [{ ip: '10.244.0.9', ready: true }] },
  ],
  pods: [],
  synced: true,
  serial: 1,
};
const base = (over: Partial<KubernetesPluginConfig> = {}): KubernetesPluginConfig => ({ ...defaultPluginConfig(['cluster.local', 'in-addr.arpa']), ...over });
const ask = (name: string, type: string, cfg = base(), up?: Upstream) => {
  const r = answerQuery(view, cfg, { name, type }, up);
  return { rcode: r.rcode, answer: r.answer.map((x) => rrText(x, ' ')), soa: r.authority.length, by: r.by };
};

describe('kubernetes plugin options', () => {
  it('serves only ready endpoints; endpoint_pod_names names them by pod', () => {
    expect(ask('db.prod.svc.cluster.local.', 'A').answer).toEqual(['db.prod.svc.cluster.local. 5 IN A 10.244.1.2']);
    expect(ask('db-7f9c-abcde.db.prod.svc.cluster.local.', 'A').rcode).toBe('NXDOMAIN');
    expect(ask('db-7f9c-abcde.db.prod.svc.cluster.local.', 'A', base({ endpointPodNames: true })).answer).toEqual(['db-7f9c-abcde.db.prod.svc.cluster.local. 5 IN A 10.244.1.2']);
    expect(ask('10-244-1-2.db.prod.svc.cluster.local.', 'A').rcode).toBe('NOERROR');
  });
  it('noendpoints: headless and endpoint names are NXDOMAIN, ClusterIPs still answer', () => {
    const cfg = base({ noEndpoints: true });
    expect(ask('db.prod.svc.cluster.local.', 'A', cfg).rcode).toBe('NXDOMAIN');
    expect(ask('web.prod.svc.cluster.local.', 'A', cfg).answer).toEqual(['web.prod.svc.cluster.local. 5 IN A 10.96.0.5']);
  });
  it('ignore empty_service hides a ClusterIP with no ready endpoint', () => {
    expect(ask('web.prod.svc.cluster.local.', 'A').rcode).toBe('NOERROR');
    expect(ask('web.prod.svc.cluster.local.', 'A', base({ ignoreEmptyService: true })).rcode).toBe('NXDOMAIN');
  });
  it('namespaces restricts what is exposed; ttl sets record TTL and SOA', () => {
    expect(ask('web.prod.svc.cluster.local.', 'A', base({ namespaces: ['default'] })).rcode).toBe('NXDOMAIN');
    const r = answerQuery(view, base({ ttl: 30 }), { name: 'nope.prod.svc.cluster.local.', type: 'A' });
    expect(r.authority.map((x) => rrText(x, ' '))).toEqual(['cluster.local. 30 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30']);
  });
  it('fallthrough hands NXDOMAIN in its zones to the upstream; without one, SERVFAIL', () => {
    const up: Upstream = () => ({ rcode: 'NXDOMAIN', answer: [], authority: [], truncated: false });
    const cfg = base({ fallthrough: ['in-addr.arpa.'] });
    expect(ask('9.9.9.10.in-addr.arpa.', 'PTR', cfg, up)).toEqual({ rcode: 'NXDOMAIN', answer: [], soa: 0, by: 'upstream' });
    expect(ask('9.9.9.10.in-addr.arpa.', 'PTR', cfg).rcode).toBe('SERVFAIL');
    expect(ask('nope.prod.svc.cluster.local.', 'A', cfg, up).by).toBe('kubernetes');
    expect(ask('5.0.96.10.in-addr.arpa.', 'PTR', cfg).answer).toEqual(['5.0.96.10.in-addr.arpa. 5 IN PTR web.prod.svc.cluster.local.']);
  });
  it('an ExternalName holding an IP literal is not served; SRV skips ExternalNames', () => {
    expect(ask('lit.prod.svc.cluster.local.', 'A').rcode).toBe('NXDOMAIN');
    expect(ask('lit.prod.svc.cluster.local.', 'SRV').rcode).toBe('NXDOMAIN');
    expect(ask('ext.prod.svc.cluster.local.', 'SRV')).toMatchObject({ rcode: 'NOERROR', answer: [], soa: 1 });
    expect(ask('ext.prod.svc.cluster.local.', 'CNAME').answer).toEqual(['ext.prod.svc.cluster.local. 5 IN CNAME example.com.']);
    // The upstream lookup fails (none declared): CoreDNS drops the CNAME too, NODATA.
    expect(ask('ext.prod.svc.cluster.local.', 'A')).toMatchObject({ rcode: 'NOERROR', answer: [], soa: 1 });
  });
  it('NS at the apex names the Service whose endpoint is our own IP, with its ClusterIP as glue', () => {
    const r = answerQuery(view, base({ localIps: ['10.244.0.9'] }), { name: 'cluster.local.', type: 'NS' });
    expect(r.answer.map((x) => rrText(x, ' '))).toEqual(['cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.']);
    expect(r.additional.map((x) => rrText(x, ' '))).toEqual(['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10']);
  });
  it('out of every zone: REFUSED without an upstream; AXFR refused', () => {
    expect(ask('example.com.', 'A')).toEqual({ rcode: 'REFUSED', answer: [], soa: 0, by: 'none' });
    expect(ask('cluster.local.', 'AXFR').rcode).toBe('REFUSED');
  });
  it('TXT: NODATA on an existing name, NXDOMAIN otherwise; MX and other types by a fake A lookup', () => {
    expect(ask('web.prod.svc.cluster.local.', 'TXT')).toMatchObject({ rcode: 'NOERROR', answer: [], soa: 1 });
    expect(ask('nope.prod.svc.cluster.local.', 'MX').rcode).toBe('NXDOMAIN');
    expect(ask('web.prod.svc.cluster.local.', 'UNKNOWN_65')).toMatchObject({ rcode: 'NOERROR', soa: 1 });
  });
});
