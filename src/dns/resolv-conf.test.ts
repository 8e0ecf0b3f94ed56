import { describe, expect, it } from 'vitest';
import { formatResolvConf, kubeletResolvConf, ndotsOf } from './resolv-conf.js';
import type { ResolvConf } from './resolv-conf.js';

const host: ResolvConf = { nameservers: ['10.0.0.2'], searches: ['ec2.internal', 'cluster.local'], options: [{ name: 'timeout', value: '2' }] };

describe('kubeletResolvConf', () => {
  it('ClusterFirst: the three cluster domains then the node search list, deduplicated; ndots:5 only', () => {
    const rc = kubeletResolvConf({ namespace: 'prod', hostNetwork: false }, 'cluster.local', ['10.96.0.10'], host);
    expect(formatResolvConf(rc)).toBe('search prod.svc.cluster.local svc.cluster.local cluster.local ec2.internal\nnameserver 10.96.0.10\noptions ndots:5\n');
    expect(ndotsOf(rc)).toBe(5);
  });
  it('ClusterFirst on hostNetwork behaves as Default; ClusterFirstWithHostNet keeps cluster DNS', () => {
    expect(kubeletResolvConf({ namespace: 'x', hostNetwork: true }, 'cluster.local', ['10.96.0.10'], host)).toEqual(host);
    expect(kubeletResolvConf({ namespace: 'x', hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }, 'cluster.local', ['10.96.0.10'], host).nameservers).toEqual(['10.96.0.10']);
    expect(kubeletResolvConf({ namespace: 'x', hostNetwork: false, dnsPolicy: 'Default' }, 'cluster.local', ['10.96.0.10'], host)).toEqual(host);
  });
  it('None takes dnsConfig alone; dnsConfig merges on top of other policies (options by name, dnsConfig wins)', () => {
    const cfg = { nameservers: ['1.1.1.1', '10.96.0.10'], searches: ['corp'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] };
    expect(formatResolvConf(kubeletResolvConf({ namespace: 'a', hostNetwork: false, dnsPolicy: 'None', dnsConfig: cfg }, 'cluster.local', ['10.96.0.10'], host))).toBe(
      'search corp\nnameserver 1.1.1.1\nnameserver 10.96.0.10\noptions ndots:2 edns0\n',
    );
    const merged = kubeletResolvConf({ namespace: 'a', hostNetwork: false, dnsConfig: cfg }, 'cluster.local', ['10.96.0.10'], host);
    expect(merged.nameservers).toEqual(['10.96.0.10', '1.1.1.1']);
    expect(merged.searches.at(-1)).toBe('corp');
    expect(merged.options).toEqual([{ name: 'ndots', value: '2' }, { name: 'edns0' }]);
  });
  it('keeps at most 3 nameservers and 32 search domains', () => {
    const many = { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3'], searches: Array.from({ length: 40 }, (_, i) => `d${i}.example`), options: [] };
    const rc = kubeletResolvConf({ namespace: 'a', hostNetwork: false, dnsConfig: many }, 'cluster.local', ['10.96.0.10'], host);
    expect(rc.nameservers).toEqual(['10.96.0.10', '1.1.1.1', '2.2.2.2']);
    expect(rc.searches).toHaveLength(32);
  });
});
