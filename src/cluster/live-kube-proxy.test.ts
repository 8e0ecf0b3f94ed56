import { describe, expect, it } from 'vitest';
import { describeKubeProxySync } from './live-kube-proxy.js';
import type { KubeProxyNodeSync } from './live-kube-proxy.js';

const base: KubeProxyNodeSync = {
  node: 'node-b', outcome: 'synced', full: false, changedServices: ['kube-system/kube-dns'], deletedChains: ['KUBE-SEP-AAAA'], text: '',
  restoreErrors: [], conntrackCleanup: 'ran', conntrackDeleted: ['udp      17 29 src=10.244.1.2 dst=10.96.0.10 sport=40000 dport=53'], rebuilt: false,
};

describe('describeKubeProxySync', () => {
  it('says which sync ran, what it deleted and what the clean-up removed', () => {
    expect(describeKubeProxySync(base)).toEqual([
      'node-b: kube-proxy partial sync (chains of kube-system/kube-dns): iptables-restore --noflush --counters; -X KUBE-SEP-AAAA',
      '  conntrack clean-up: deleted 1 stale UDP entry',
      '    udp      17 29 src=10.244.1.2 dst=10.96.0.10 sport=40000 dport=53',
    ]);
  });

  it('a full sync, the clean-up turned off, a failed restore', () => {
    expect(describeKubeProxySync({ ...base, full: true, deletedChains: [], conntrackCleanup: 'off', conntrackDeleted: [], restoreErrors: ['line 3 failed'] })).toEqual([
      'node-b: kube-proxy full sync: iptables-restore --noflush --counters',
      '  iptables-restore failed: line 3 failed (the next sync is a full one)',
      '  conntrack clean-up: off (cluster.kubeProxy.conntrackCleanup: false), stale UDP entries stay until they time out',
    ]);
  });

  it('nothing for a node that did not sync; one line for a waiting change', () => {
    expect(describeKubeProxySync({ ...base, outcome: 'unchanged' })).toEqual([]);
    expect(describeKubeProxySync({ ...base, outcome: 'pending' })).toHaveLength(1);
    expect(describeKubeProxySync({ ...base, outcome: 'pending' })[0]).toContain('has not synced');
  });
});
