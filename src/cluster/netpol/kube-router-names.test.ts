import { describe, expect, it } from 'vitest';
import { podChainName, policyChainName, ruleSetName, ruleUuid, targetSetName } from './kube-router-names.js';

describe('kube-router names', () => {
  it('reproduce kube-router\'s own unit test and the worked example of tcp-13', () => {
    expect(policyChainName('nsA', 'simple-egress')).toBe('KUBE-NWPLCY-C23KD7UE4TAT3Y5M');
    const p = 'allow-ns-y-pod-a-via-namespace-pod-selector';
    expect(policyChainName('x', p)).toBe('KUBE-NWPLCY-2UXTJ73SWOAWIYYR');
    expect(targetSetName('DST', 'x', p)).toBe('KUBE-DST-JT7G4RSHSTSO5IFL');
    expect(ruleSetName('SRC', 'x', p, 'ingressrule', 0, 'pod')).toBe('KUBE-SRC-QOAUOSQHZ65QKP6N');
    expect(podChainName('x', 'a')).toBe('KUBE-POD-FW-QYUVA5AFBMRLTDZQ');
  });

  it('reproduce the hook rule UUIDs', () => {
    expect(ruleUuid('FORWARD', ['-m', 'comment', '--comment', 'kube-router netpol', '-j', 'KUBE-ROUTER-FORWARD'])).toBe('TEMCG2JMHZYE7H7T');
    expect(ruleUuid('KUBE-ROUTER-INPUT', ['-m', 'comment', '--comment', 'allow traffic to primary/secondary cluster IP range', '-d', '10.96.0.0/12', '-j', 'RETURN'])).toBe('BVHX2PIHDXXEO43X');
  });
});
