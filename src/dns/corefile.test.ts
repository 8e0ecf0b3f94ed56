import { describe, expect, it } from 'vitest';
import { KUBEADM_COREFILE, kubeadmSettings, parseCorefile } from './corefile.js';

describe('parseCorefile', () => {
  it('reads kubeadm Corefile: pods insecure, ttl 30, fallthrough for reverse zones, forward', () => {
    const r = parseCorefile(KUBEADM_COREFILE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.kubernetes.zones).toEqual(['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.']);
    expect(r.value.kubernetes.pods).toBe('insecure');
    expect(r.value.kubernetes.ttl).toBe(30);
    expect(r.value.kubernetes.fallthrough).toEqual(['in-addr.arpa.', 'ip6.arpa.']);
    expect(r.value.forward).toBe(true);
  });
  it('reads the options on one line separated by ;', () => {
    const r = parseCorefile('.:53 {\n kubernetes example.org { pods verified; namespaces a b; endpoint_pod_names; noendpoints; ignore empty_service; fallthrough }\n}\n');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const k = r.value.kubernetes;
    expect([k.zones, k.pods, k.namespaces, k.endpointPodNames, k.noEndpoints, k.ignoreEmptyService, k.fallthrough, k.ttl]).toEqual([['example.org.'], 'verified', ['a', 'b'], true, true, true, [], 5]);
    expect(r.value.forward).toBe(false);
  });
  it('locates a bad option', () => {
    const r = parseCorefile('.:53 {\n  kubernetes cluster.local {\n    ttl 9999\n  }\n}\n');
    expect(r).toEqual({ ok: false, error: { line: 3, column: 9, message: 'ttl: expected an integer 0..3600' } });
    const u = parseCorefile('.:53 {\n  kubernetes cluster.local {\n    wildcard\n  }\n}\n');
    expect(u.ok ? '' : `${u.error.line}:${u.error.column} ${u.error.message}`).toMatch(/^3:5 unknown kubernetes option "wildcard"/);
    expect(parseCorefile('.:53 {\n forward . 8.8.8.8\n}\n').ok).toBe(false);
  });
  it('kubeadmSettings uses the cluster domain', () => {
    expect(kubeadmSettings('corp.internal').kubernetes.zones[0]).toBe('corp.internal.');
  });
});
