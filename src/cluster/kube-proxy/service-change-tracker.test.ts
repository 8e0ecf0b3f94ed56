import { describe, expect, it } from 'vitest';
import { ServiceChangeTracker } from './service-change-tracker.js';
import type { ServicePortInfo } from './service-port.js';
import { svc } from './testing.js';

describe('ServiceChangeTracker', () => {
  it('an add is a pending change; applying it reports the Service and fills the map', () => {
    const t = new ServiceChangeTracker({ family: 'IPv4' });
    expect(t.update(null, svc('ns1', 'svc1'))).toBe(true);
    const map = new Map<string, ServicePortInfo>();
    const r = t.applyTo(map);
    expect([...r.updatedServices]).toEqual(['ns1/svc1']);
    expect([...map.keys()]).toEqual(['ns1/svc1:p80/TCP']);
    expect(t.pending()).toBe(0);
  });

  it('add then delete before a sync cancels out; so does an update back to the start', () => {
    const t = new ServiceChangeTracker({ family: 'IPv4' });
    t.update(null, svc('ns1', 'svc1'));
    expect(t.update(svc('ns1', 'svc1'), null)).toBe(false);
    const a = svc('ns1', 'svc2');
    const b = svc('ns1', 'svc2', { clusterIP: '172.30.0.99' });
    t.update(a, b);
    expect(t.pending()).toBe(1);
    t.update(b, a);
    expect(t.pending()).toBe(0);
  });

  it('changes kube-proxy does not use are dropped: targetPort, labels of the other family, headless', () => {
    const t = new ServiceChangeTracker({ family: 'IPv4' });
    expect(t.update(svc('ns1', 'svc1'), svc('ns1', 'svc1', { ports: [{ name: 'p80', port: 80, targetPort: 8080 }] }))).toBe(false);
    expect(t.update(svc('ns1', 'svc1'), svc('ns1', 'svc1', { externalIPs: ['2001:db8::5'] }))).toBe(false);
    expect(t.update(null, svc('ns1', 'h', { clusterIP: 'None' }))).toBe(false);
    expect(t.update(svc('ns1', 'svc1'), svc('ns1', 'svc1', { externalIPs: ['192.168.99.5'] }))).toBe(true);
  });

  it('a deleted UDP port reports its cluster IP (stale conntrack entries)', () => {
    const t = new ServiceChangeTracker({ family: 'IPv4' });
    const dns = svc('kube-system', 'dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    t.update(null, dns);
    const map = new Map<string, ServicePortInfo>();
    t.applyTo(map);
    t.update(dns, null);
    expect([...t.applyTo(map).deletedUDPClusterIPs]).toEqual(['10.96.0.10']);
    expect(map.size).toBe(0);
  });
});
