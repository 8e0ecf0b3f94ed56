// kube-proxy through a Cluster timeline (src/cluster/live-kube-proxy.ts): each change reaches every node's
// reconciler as informer events, its partial sync is applied with iptables-restore --noflush --counters onto
// the node's live rules, and its conntrack clean-up deletes stale UDP entries (or, with
// cluster.kubeProxy.conntrackCleanup false, leaves them to time out).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printSave, restore } from '../src/kernel/netfilter/index.js';
import type { Ruleset } from '../src/kernel/netfilter/index.js';
import { formatEntry } from '../src/kernel/conntrack/index.js';
import { collectScenarioFiles, loadScenarioFile, loadScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/model.js';
import { runTimeline } from '../src/scenario/run-timeline.js';
import type { TimelineEvent } from '../src/scenario/run-timeline.js';

function load(text: string): Scenario {
  const r = loadScenarioText(text, 'kp.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

function loadFile(path: string): Scenario {
  const r = loadScenarioFile(path);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

/** iptables-save without counters (the chains' policy counters included). */
const rulesText = (rs: Ruleset) => printSave(rs).replace(/\[\d+:\d+\]/g, '[0:0]');

const clusterEvents = (events: TimelineEvent[]) => events.filter((e): e is Extract<TimelineEvent, { kind: 'cluster' }> => e.kind === 'cluster');

function chainRules(rs: Ruleset | undefined, table: 'nat' | 'filter', chain: string) {
  return rs?.tables.get(table)?.chains.get(chain)?.rules ?? [];
}

const HEAD = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: kp}
cluster: {podCIDR: 10.244.0.0/16, serviceCIDR: 10.96.0.0/12, network: flannel-vxlan CLEANUP}
underlay: {cidr: 192.168.56.0/24, gateway: 192.168.56.1}
nodes:
  - {name: node-a, ip: 192.168.56.11}
  - {name: node-b, ip: 192.168.56.12}
objects:
  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {nodeName: node-b, containers: [{name: c}]}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 1
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: nginx, ports: [{name: http, containerPort: 8080}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}], clusterIP: 10.96.0.80}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: coredns, namespace: kube-system}
    spec:
      replicas: 1
      selector: {matchLabels: {k8s-app: kube-dns}}
      template:
        metadata: {labels: {k8s-app: kube-dns}}
        spec: {containers: [{name: coredns, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: kube-dns, namespace: kube-system}
    spec: {clusterIP: 10.96.0.10, selector: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP, targetPort: dns}]}
`;

function story(cleanup: boolean, coredns: string): Scenario {
  return load(`${HEAD.replace(' CLEANUP', cleanup ? '' : ', kubeProxy: {conntrackCleanup: false}')}timeline:
  - trace: {name: web, from: pod/client, to: 10.96.0.80:80, proto: tcp, sport: 41000}
  - trace: {name: dns, from: pod/client, to: 10.96.0.10:53, proto: udp, sport: 40000}
  - kubectl: kubectl delete pod ${coredns} -n kube-system
  - point: moved
`);
}

describe('kube-proxy in a Cluster timeline', () => {
  const coredns = (() => {
    // Loading needs a real pod name for the delete; read it from a compile of the same objects without a timeline.
    const r = loadScenarioText(`${HEAD.replace(' CLEANUP', '')}traces: [{name: t, from: pod/client, to: 10.96.0.10:53, proto: udp}]\n`, 'kp.yaml');
    if (!r.ok) throw new Error('head does not load');
    return r.scenario.cluster!.pods.find((p) => p.namespace === 'kube-system')!.name;
  })();

  it('a partial sync rewrites only the changed Service\'s chains: the others keep their counters', () => {
    const events: TimelineEvent[] = [];
    const sc = story(true, coredns);
    const run = runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const [change] = clusterEvents(events);
    const b = change.kubeProxy.find((s) => s.node === 'node-b')!;
    expect(b.outcome).toBe('synced');
    expect(b.full).toBe(false);
    expect(b.changedServices).toEqual(['kube-system/kube-dns']);
    expect(b.deletedChains).toHaveLength(1);
    expect(b.deletedChains[0]).toMatch(/^KUBE-SEP-/);
    const rs = run.world.netns('node-b')?.nf?.ruleset;
    // web's own chains were not in the restore text, so their rules (and counters) are the ones the trace hit.
    const svcJump = chainRules(rs, 'nat', 'KUBE-SERVICES').find((r) => (r.source ?? []).join(' ').includes('10.96.0.80'));
    const webSvc = svcJump?.target.kind === 'jump' ? svcJump.target.chain : '';
    expect(webSvc).toMatch(/^KUBE-SVC-/);
    expect(b.text).not.toContain(`:${webSvc} `);
    expect(b.text).not.toContain(`-A ${webSvc} `);
    expect(b.text).toContain(`-j ${webSvc}`);
    expect(chainRules(rs, 'nat', webSvc).some((r) => r.counters.packets > 0)).toBe(true);
    // KUBE-SERVICES was declared and rewritten: its counters start again.
    expect(chainRules(rs, 'nat', 'KUBE-SERVICES').every((r) => r.counters.packets === 0)).toBe(true);
    // node-a saw the same change; its table held no entry of the flow.
    expect(change.kubeProxy.find((s) => s.node === 'node-a')?.conntrackDeleted).toEqual([]);
  });

  it('the conntrack clean-up deletes the UDP entry to the gone pod and leaves the TCP flow', () => {
    const events: TimelineEvent[] = [];
    const sc = story(true, coredns);
    const run = runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const b = clusterEvents(events)[0].kubeProxy.find((s) => s.node === 'node-b')!;
    expect(b.conntrackCleanup).toBe('ran');
    expect(b.conntrackDeleted).toHaveLength(1);
    expect(b.conntrackDeleted[0]).toMatch(/^udp .* dst=10\.96\.0\.10 sport=40000 dport=53 src=10\.244\.0\.\d+ /);
    const left = (run.world.netns('node-b')?.nf?.conntrack.entries(run.now) ?? []).map((e) => formatEntry(e, run.now));
    expect(left.some((l) => l.includes('dst=10.96.0.10'))).toBe(false);
    expect(left.some((l) => l.startsWith('tcp') && l.includes('dst=10.96.0.80'))).toBe(true);
  });

  it('conntrackCleanup: false leaves the stale entry in place', () => {
    const events: TimelineEvent[] = [];
    const sc = story(false, coredns);
    const run = runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const b = clusterEvents(events)[0].kubeProxy.find((s) => s.node === 'node-b')!;
    expect(b.conntrackCleanup).toBe('off');
    expect(b.conntrackDeleted).toEqual([]);
    const left = (run.world.netns('node-b')?.nf?.conntrack.entries(run.now) ?? []).map((e) => formatEntry(e, run.now));
    expect(left.some((l) => l.includes('dst=10.96.0.10'))).toBe(true);
  });

  it('a change kube-proxy has not synced leaves the rules as they were until sync: kube-proxy', () => {
    const head = HEAD.replace(' CLEANUP', '');
    const sc = load(`${head}timeline:
  - kubectl: kubectl scale deployment/web --replicas=0
    kubeProxy: later
  - point: waiting
  - trace: {name: still, from: pod/client, to: 10.96.0.80:80, proto: tcp}
  - sync: kube-proxy
  - trace: {name: rejected, from: pod/client, to: 10.96.0.80:80, proto: tcp, sport: 40001}
`);
    const events: TimelineEvent[] = [];
    runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const [later, sync] = clusterEvents(events);
    expect(later.kubeProxy.map((s) => s.outcome)).toEqual(['pending', 'pending']);
    expect(sync.kubeProxy.map((s) => [s.outcome, s.full])).toEqual([['synced', false], ['synced', false]]);
    const traces = events.flatMap((e) => (e.kind === 'trace' ? [e.trace.disposition] : []));
    // The web pod is gone (its namespace went with the scale), but the old DNAT is still in the rules.
    expect(traces[0]).not.toBe('REJECTED');
    expect(traces[1]).toBe('REJECTED');
  });

  it('every node\'s rules after each sync are the ones a fresh compile of that point writes (counters aside)', () => {
    const files = collectScenarioFiles(['scenarios']).filter((f) => /^\s+- (kubectl|ready|addNode|sync):/m.test(readFileSync(f, 'utf8')));
    expect(files.length).toBeGreaterThanOrEqual(7);
    let compared = 0;
    for (const file of files) {
      const sc = loadFile(file);
      const steps = sc.timeline!;
      steps.forEach((step, i) => {
        if (step.kind !== 'cluster' || step.kubeProxy === 'later') return;
        const run = runTimeline(sc.world, steps.slice(0, i + 1));
        for (const n of step.cluster.nodes) {
          const spec = step.cluster.world.namespaces.find((x) => x.name === n.netns)!;
          const live = run.world.netns(n.netns)?.nf?.ruleset;
          expect(live, `${file} step ${i + 1} ${n.name}`).toBeDefined();
          expect(rulesText(live!), `${file} step ${i + 1} ${n.name}`).toBe(rulesText(restore(spec.iptables ?? '').ruleset));
          compared++;
        }
      });
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('a node that joins with kubeProxy: later holds only flannel\'s rules until its first sync', () => {
    const sc = loadFile('scenarios/kube-proxy-first-packet.yaml');
    const at = runTimeline(sc.world, sc.timeline!, { stopAt: 'joined' });
    const rs = at.world.netns('node-c')?.nf?.ruleset;
    expect([...(rs?.tables.get('nat')?.chains.keys() ?? [])].filter((c) => c.startsWith('KUBE-'))).toEqual([]);
    expect(rs?.tables.get('nat')?.chains.has('FLANNEL-POSTRTG')).toBe(true);
    const synced = runTimeline(sc.world, sc.timeline!, { stopAt: 'synced' });
    const nat = synced.world.netns('node-c')?.nf?.ruleset.tables.get('nat');
    expect(nat?.chains.has('KUBE-SERVICES')).toBe(true);
    expect(chainRules(synced.world.netns('node-c')?.nf?.ruleset, 'nat', 'PREROUTING').map((r) => (r.target.kind === 'jump' ? r.target.chain : ''))[0]).toBe('KUBE-SERVICES');
  });
  it('when portmap\'s rules change too, the node\'s ruleset is rebuilt before the sync and still matches a fresh compile', () => {
    const base = readFileSync('scenarios/cluster-hostport.yaml', 'utf8').split('\ntraces:')[0];
    const sc = load(`${base}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {clusterIP: 10.96.0.30, selector: {app: web}, ports: [{port: 80}]}
timeline:
  - trace: {name: t, from: pod/other, to: 10.96.0.30:80, proto: tcp, expect: {disposition: DELIVERED}}
  - kubectl: kubectl delete pod web
  - point: gone
`);
    const events: TimelineEvent[] = [];
    const run = runTimeline(sc.world, sc.timeline!, { onEvent: (e) => events.push(e) });
    const [change] = clusterEvents(events);
    const a = change.kubeProxy.find((x) => x.node === 'node-a')!;
    const b = change.kubeProxy.find((x) => x.node === 'node-b')!;
    expect([a.rebuilt, a.outcome]).toEqual([true, 'synced']);
    expect([b.rebuilt, b.outcome]).toEqual([false, 'synced']);
    const step = sc.timeline!.find((x) => x.kind === 'cluster')!;
    if (step.kind !== 'cluster') throw new Error('no cluster step');
    for (const n of ['node-a', 'node-b']) {
      const spec = step.cluster.world.namespaces.find((x) => x.name === n)!;
      expect(rulesText(run.world.netns(n)!.nf!.ruleset), n).toBe(rulesText(restore(spec.iptables ?? '').ruleset));
    }
    expect(rulesText(run.world.netns('node-a')!.nf!.ruleset)).not.toContain('CNI-DN-');
  });
  it('a rule added by hand on a node outside kube-proxy\'s chains stays across a change', () => {
    const sc = load(`${HEAD.replace(' CLEANUP', '')}timeline:
  - run: iptables -I FORWARD 1 -s 192.0.2.7/32 -j DROP
    netns: node-a
  - kubectl: kubectl scale deployment/web --replicas=2
  - trace: {name: t, from: pod/client, to: 10.96.0.80:80, proto: tcp}
`);
    const run = runTimeline(sc.world, sc.timeline!);
    const forward = rulesText(run.world.netns('node-a')!.nf!.ruleset).split('\n').filter((l) => l.startsWith('-A FORWARD'));
    expect(forward).toContain('-A FORWARD -s 192.0.2.7/32 -j DROP');
  });
});

