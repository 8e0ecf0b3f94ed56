import { describe, expect, it } from 'vitest';
import { parseKubectl } from './kubectl.js';

describe('parseKubectl', () => {
  it.each([
    ['kubectl scale deployment/web --replicas=3', { kind: 'scale', workload: 'Deployment', namespace: 'default', name: 'web', replicas: 3, nameColumn: 26 }],
    ['kubectl scale deploy web --replicas 0 -n shop', { kind: 'scale', workload: 'Deployment', namespace: 'shop', name: 'web', replicas: 0, nameColumn: 22 }],
    ['kubectl scale sts/db --namespace=data --replicas=2', { kind: 'scale', workload: 'StatefulSet', namespace: 'data', name: 'db' }],
    ['kubectl -n shop scale rs/web-7c7d44749b --replicas=1', { kind: 'scale', workload: 'ReplicaSet', namespace: 'shop', name: 'web-7c7d44749b', nameColumn: 26 }],
    ['kubectl delete pod web-7c7d44749b-w9xgk', { kind: 'delete', resource: 'Pod', namespace: 'default', name: 'web-7c7d44749b-w9xgk', nameColumn: 20 }],
    ['kubectl delete pods/client -n shop', { kind: 'delete', resource: 'Pod', namespace: 'shop', name: 'client' }],
    ['kubectl delete endpointslice web-9hknq', { kind: 'delete', resource: 'EndpointSlice', name: 'web-9hknq' }],
    ['kubectl delete networkpolicy deny -n x', { kind: 'deletePolicy', namespace: 'x', name: 'deny', nameColumn: 30 }],
    ['kubectl delete networkpolicy --all -n y', { kind: 'deletePolicy', namespace: 'y' }],
    ['kubectl label namespace y ns2=updated', { kind: 'label', resource: 'Namespace', namespace: '', name: 'y', labels: { ns2: 'updated' }, overwrite: false }],
    ['kubectl label pod b -n x pod=b pod2=updated --overwrite', { kind: 'label', resource: 'Pod', namespace: 'x', name: 'b', labels: { pod: 'b', pod2: 'updated' }, overwrite: true }],
  ])('%s', (text, want) => {
    const r = parseKubectl(text);
    expect(r.ok && r.value).toMatchObject(want);
  });

  it.each([
    ['kubectl get pods', 9, 'kubectl get: not modelled here'],
    ['kubectl', 8, 'expected a verb'],
    ['kubectl scale deployment/web', 9, 'missing --replicas=N'],
    ['kubectl scale deployment/web --replicas=-1', 41, '--replicas: -1 is out of range'],
    ['kubectl scale deployment/web --replicas=x', 41, '"x" is not a number'],
    ['kubectl scale deployment/web --replicas', 40, '--replicas: expected a value'],
    ['kubectl scale service/web --replicas=2', 15, 'cannot scale "service"'],
    ['kubectl delete pod', 19, 'expected a name'],
    ['kubectl delete pod Web', 20, '"Web" is not a valid object name'],
    ['kubectl delete pod a b', 22, 'one object per step'],
    ['kubectl delete pod a --replicas=2', 22, 'kubectl delete takes no --replicas'],
    ['kubectl delete pod a --now', 22, 'unknown flag: --now'],
    ['kubectl delete pod a -n', 24, '-n: expected a value'],
    ['kubectl delete pod a -n Shop', 25, 'namespace "Shop" is not a valid name'],
    ['kubectl delete svc/web', 16, '"svc" is not modelled here'],
    ['kubeadm join', 1, 'expected "kubectl ..."'],
    ['kubectl -n shop', 16, 'expected a verb'],
    ['kubectl --context=prod delete pod a', 9, 'unknown flag: --context'],
    ['kubectl delete pod --all', 16, 'modelled for networkpolicy only'],
    ['kubectl label pod a', 20, 'at least one label update'],
    ['kubectl label pod a app', 21, 'expected KEY=VALUE'],
    ['kubectl label svc a x=y', 15, '"svc" is not modelled here'],
    ['kubectl label ns y a=b --all', 24, 'unknown flag: --all'],
  ])('%s: column %i', (text, column, message) => {
    const r = parseKubectl(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.column).toBe(column);
    }
  });
});
