import { describe, expect, it } from 'vitest';
import { sortIptablesRules } from './sort-rules.js';

describe('sortIptablesRules (proxier_test.go sortIPTablesRules)', () => {
  it('orders tables, chains and the rules of KUBE-NODEPORTS / KUBE-SERVICES; nat KUBE-SERVICES keeps its last rule', () => {
    const text = [
      '*nat',
      ':KUBE-SERVICES - [0:0]', ':KUBE-SVC-B - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-SVC-OLD - [0:0]',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -j KUBE-SVC-B',
      '-A KUBE-SVC-B -j KUBE-MARK-MASQ',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -j KUBE-SVC-A',
      '-X KUBE-SVC-OLD',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS',
      '-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -j X',
      '-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -j Y',
      'COMMIT',
      '*filter',
      ':KUBE-SERVICES - [0:0]',
      '-A KUBE-SERVICES -m comment --comment "ns9/svc9:p80 has no endpoints" -j REJECT',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1 has no endpoints" -j REJECT',
      'COMMIT',
      '',
    ].join('\n');
    expect(sortIptablesRules(text)).toBe([
      '*filter',
      ':KUBE-SERVICES - [0:0]',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1 has no endpoints" -j REJECT',
      '-A KUBE-SERVICES -m comment --comment "ns9/svc9:p80 has no endpoints" -j REJECT',
      'COMMIT',
      '*nat',
      ':KUBE-NODEPORTS - [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-MARK-MASQ - [0:0]', ':KUBE-SVC-B - [0:0]', ':KUBE-SVC-OLD - [0:0]',
      '-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -j Y',
      '-A KUBE-NODEPORTS -m comment --comment ns3/svc3:p80 -j X',
      '-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -j KUBE-SVC-A',
      '-A KUBE-SERVICES -m comment --comment "ns2/svc2:p80 cluster IP" -j KUBE-SVC-B',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS',
      '-A KUBE-SVC-B -j KUBE-MARK-MASQ',
      '-X KUBE-SVC-OLD',
      'COMMIT',
      '',
    ].join('\n'));
  });
});
