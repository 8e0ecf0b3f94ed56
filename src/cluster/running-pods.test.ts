import { describe, expect, it } from 'vitest';
import { formatIpv4, parseIpv4 } from '../wire/ipv4-addr.js';
import { compileCluster } from './compile.js';
import type { ClusterSpec, WorkloadObject } from './model.js';
import { HostLocalMemory, pinRunning } from './running-pods.js';

const web = (replicas: number): WorkloadObject => ({
  kind: 'Deployment',
  meta: { name: 'web', namespace: 'default', labels: {}, deleting: false },
  replicas,
  selector: { app: 'web' },
  template: { labels: { app: 'web' }, spec: { hostNetwork: false, containers: [{ name: 'c', ports: [] }] } },
});

const spec = (replicas: number): ClusterSpec => ({
  name: 'c',
  podCIDR: { addr: parseIpv4('10.244.0.0')!, len: 16 },
  serviceCIDR: { addr: parseIpv4('10.96.0.0')!, len: 12 },
  domain: 'cluster.local',
  network: 'flannel-host-gw',
  cni: { hairpinMode: true },
  flannel: { ipMasq: true },
  underlay: { cidr: { addr: parseIpv4('192.168.56.0')!, len: 24 }, mtu: 1500 },
  nodes: [{ name: 'n1', ip: parseIpv4('192.168.56.11')!, sysctls: {}, listen: [] }],
  externals: [],
  objects: [web(replicas)],
  patches: [],
});

const addrs = (c: ReturnType<typeof compileCluster>) => c.pods.map((p) => `${p.name.slice(-5)} ${formatIpv4(p.ip!)}`);

describe('running pods between compiles', () => {
  it('pinned pods keep their addresses; host-local gives a new pod the address after its last reservation', () => {
    const first = compileCluster(spec(2));
    expect(addrs(first).map((a) => a.split(' ')[1])).toEqual(['10.244.0.2', '10.244.0.3']);
    const ipam = new HostLocalMemory(first);
    // The first pod is deleted (retired): its replacement takes .4, not the freed .2.
    const w = { ...web(2), retiredPods: [first.pods[0].name] };
    const edited = pinRunning({ ...spec(2), objects: [w] }, first);
    const naive = compileCluster(edited);
    expect(naive.pods.map((p) => formatIpv4(p.ip!))).toContain('10.244.0.2');
    const assigned = ipam.assign(edited, first, naive)!;
    const after = compileCluster(assigned);
    expect(after.issues).toEqual([]);
    const byName = new Map(after.pods.map((p) => [p.name, formatIpv4(p.ip!)]));
    expect(byName.get(first.pods[1].name)).toBe('10.244.0.3');
    const fresh = after.pods.find((p) => p.name !== first.pods[1].name)!;
    expect(fresh.name).not.toBe(first.pods[0].name);
    expect(formatIpv4(fresh.ip!)).toBe('10.244.0.4');
  });

  it('no new pods: nothing to assign', () => {
    const first = compileCluster(spec(2));
    expect(new HostLocalMemory(first).assign(pinRunning(spec(2), first), first, compileCluster(pinRunning(spec(2), first)))).toBeUndefined();
  });
});
