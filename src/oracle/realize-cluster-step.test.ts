import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { runTimeline } from '../scenario/run-timeline.js';
import { clusterStepCommands, conntrackDelete } from './realize-cluster-step.js';

function load(file: string): Scenario {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.scenario;
}

/** Each cluster step of a scenario's timeline, realized from the step before. */
function steps(file: string) {
  const sc = load(file);
  let now = sc.cluster;
  if (now === undefined) throw new Error(`${file} is no Cluster`);
  const out = [];
  const events = runTimeline(sc.world, sc.timeline ?? [], { seed: 1, cluster: sc.cluster }).events;
  for (const [i, s] of (sc.timeline ?? []).entries()) {
    if (s.kind !== 'cluster') continue;
    const kp = events.flatMap((e) => (e.kind === 'cluster' && e.index === i ? e.kubeProxy : []));
    out.push({ text: s.text, r: clusterStepCommands(now, s.cluster, 'P-', kp) });
    now = s.cluster;
  }
  return out;
}

describe('clusterStepCommands', () => {
  it.each(['scenarios/cluster-timeline-scale.yaml', 'scenarios/cluster-timeline-delete-pod.yaml', 'scenarios/cluster-timeline-readiness.yaml'])('%s', (file) => {
    const all = steps(file);
    expect(all.length).toBeGreaterThan(0);
    for (const { text, r } of all) {
      expect(r.problems, text).toEqual([]);
      // kube-proxy's partial sync alone takes each node's rules where the new compile has them.
      expect(r.rewritten, text).toEqual([]);
      if (text.startsWith('ready')) expect(r.synced, text).toEqual(['node-a', 'node-b']);
    }
  });
});

describe('clusterStepCommands on a node that joins', () => {
  it('builds the node whole and adds flannel\'s entries for its subnet on the others, nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-step-'));
    const file = join(dir, 'join.yaml');
    writeFileSync(file, [
      'apiVersion: packetwalk/v1',
      'kind: Cluster',
      'metadata: {name: join}',
      'cluster: {podCIDR: 10.244.0.0/16, serviceCIDR: 10.96.0.0/12, network: flannel-vxlan}',
      'underlay: {cidr: 192.168.56.0/24}',
      'nodes:',
      '  - {name: node-a, ip: 192.168.56.11}',
      'objects:',
      '  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {nodeName: node-a, containers: [{name: c, image: busybox}]}}',
      'timeline:',
      '  - addNode: {name: node-b, ip: 192.168.56.12}',
      '  - trace: {name: t, from: pod/client, to: 192.168.56.12:22, proto: tcp}',
      '',
    ].join('\n'));
    try {
      const [{ r }] = steps(file);
      expect(r.problems).toEqual([]);
      expect(r.added).toEqual(['node-b']);
      expect(r.removed).toEqual([]);
      expect(r.rewritten).toEqual([]);
      const text = r.commands.join('\n');
      expect(text).toContain('ip netns add P-node-b');
      expect(text).toContain('ip -n P-underlay link add node-b type veth peer name eth0 netns P-node-b');
      expect(text).toContain('ip -n P-node-a route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink');
      expect(text).toMatch(/ip -n P-node-a neigh add 10\.244\.1\.0 lladdr \S+ dev flannel\.1 nud permanent/);
      expect(text).toMatch(/bridge -n P-node-a fdb add \S+ dev flannel\.1 dst 192\.168\.56\.12 self permanent/);
      // The new node's rules are restored whole; node-a's nat and filter rules are untouched.
      expect(text).toContain('ip netns exec P-node-b iptables-restore -w 5 <<');
      expect(text).not.toContain('ip netns exec P-node-a iptables-restore');
      expect(text).not.toContain('ip netns add P-node-a');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deletes a scaled-down pod\'s namespace after the others are built, and the node side goes with it', () => {
    const [{ r }] = steps('scenarios/cluster-timeline-delete-pod.yaml');
    const add = r.commands.findIndex((c) => c.startsWith('ip netns add P-web-7c7d44749b-kq76k'));
    const del = r.commands.findIndex((c) => c.startsWith('ip netns del P-web-7c7d44749b-w9xgk'));
    expect(add).toBeGreaterThanOrEqual(0);
    expect(del).toBeGreaterThan(add);
    // The old pod's host veth is destroyed with the pod's namespace: no `ip link del` for it.
    expect(r.commands.filter((c) => / link del /.test(c))).toEqual([]);
  });
});

describe('kube-proxy as the emulator ran it', () => {
  it('deletes exactly the UDP entries the clean-up deleted, by original tuple', () => {
    const all = steps('scenarios/kube-proxy-stale-udp-cleanup.yaml');
    const dels = all.flatMap(({ r }) => r.commands.filter((c) => c.includes('conntrack -D')));
    expect(dels).toEqual([expect.stringContaining("conntrack -D -p udp --orig-src 10.244.1.2 --orig-dst 10.96.0.10 --orig-port-src 40000 --orig-port-dst 53")]);
    expect(all.flatMap(({ r }) => r.synced)).toEqual(['node-a', 'node-b']);
  });
  it('applies nothing while kube-proxy waits (kubeProxy: later), then hook jumps and the full restore (sync: kube-proxy)', () => {
    const [join, sync] = steps('scenarios/kube-proxy-first-packet.yaml');
    expect(join.r.synced).toEqual([]);
    expect(join.r.commands.join('\n')).not.toContain('KUBE-SERVICES');
    expect(sync.r.synced).toEqual(['node-c']);
    expect(sync.r.commands.join('\n')).toContain('-I PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
  });
  it('conntrackDelete reads a conntrack -L line', () => {
    expect(conntrackDelete('n', 'udp      17 25 src=1.2.3.4 dst=5.6.7.8 sport=1 dport=53 [UNREPLIED] src=5.6.7.8 dst=1.2.3.4 sport=53 dport=1 mark=0 use=1'))
      .toBe("ip netns exec n conntrack -D -p udp --orig-src 1.2.3.4 --orig-dst 5.6.7.8 --orig-port-src 1 --orig-port-dst 53 || true");
  });
});

describe('NetworkPolicy steps', () => {
  it('changes set members before the rules, and destroys sets after the rules that named them are gone', () => {
    const all = steps('scenarios/netpol-allow-from-namespace.yaml');
    for (const { text, r } of all) expect(r.problems, text).toEqual([]);
    const label = all.find((s) => s.text.startsWith('kubectl label'))!;
    expect(label.r.commands.some((c) => / ipset add KUBE-SRC-\S+ 10\.244\./.test(c))).toBe(true);
    const del = all.find((s) => s.text.startsWith('kubectl delete networkpolicy'))!;
    const firstDestroy = del.r.commands.findIndex((c) => c.includes('ipset destroy'));
    const lastRestore = del.r.commands.map((c) => c.includes('iptables-restore')).lastIndexOf(true);
    expect(firstDestroy).toBeGreaterThan(lastRestore);
    expect(lastRestore).toBeGreaterThanOrEqual(0);
    // The policy's chains go with it (the emulator's live kube-proxy rebuilds the node's rules, `rebuilt`).
    expect(del.r.rewritten).toEqual(['node-a', 'node-b']);
  });
});
