// `net reach` on shipped scenarios and fixtures: real cells through the whole dataplane, the upstream truth
// table layout byte for byte, --expect, --diff, --diff-at, --jobs, and the mistakes it refuses.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../src/scenario/load.js';
import type { ReachCell, ReachMatrix, SelectorTerm } from '../src/reach/index.js';
import { evaluateCells, parsePortList, parseSelector, planMatrix, reachWorld } from '../src/reach/index.js';

const ROOT = join(import.meta.dirname, '..');
const NET = join(ROOT, 'dist', 'cli', 'main.js');
const FIX = 'test/fixtures/reach';

const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schema', 'reach.schema.json'), 'utf8')));

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, 'reach', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function terms(texts: string[]): { text: string; term: SelectorTerm }[] {
  return texts.map((text) => {
    const r = parseSelector(text);
    if (!r.ok) throw new Error(r.error);
    return { text, term: r.value };
  });
}

/** The matrix in-process (no build needed). */
function reach(file: string, from: string[], to: string[], ports?: string): ReachMatrix {
  const loaded = loadScenarioFile(join(ROOT, file));
  if (!loaded.ok) throw new Error(`${file} does not load`);
  const w = reachWorld(loaded.scenario, undefined, 1);
  if (!w.ok) throw new Error(w.message);
  const p = ports === undefined ? undefined : parsePortList(ports);
  const plan = planMatrix(w.value.cluster, { from: terms(from), to: terms(to), ...(p?.ok ? { ports: p.value } : {}) });
  if (!plan.ok) throw new Error(plan.message);
  const cells = evaluateCells(w.value.world, plan.plan.jobs, { owners: w.value.cluster.owners });
  return { scenario: file, at: null, rows: plan.plan.rows, cols: plan.plan.cols, cells };
}

function cell(m: ReachMatrix, from: string, to: string): ReachCell {
  const c = m.cells.find((x) => m.rows[x.row].label === from && m.cols[x.col].label === to);
  if (c === undefined) throw new Error(`no cell ${from} -> ${to} (rows ${m.rows.map((r) => r.label)}; cols ${m.cols.map((x) => x.label)})`);
  return c;
}

describe('net reach on shipped scenarios', () => {
  it('docker-icc-off: containers cannot reach each other, the outside sees the host (masquerade)', () => {
    const m = reach('scenarios/docker-icc-off.yaml', ['ctr/*', 'host/client'], ['ctr/*', 'host/client']);
    const blocked = cell(m, 'ctr/web', 'ctr/db');
    expect(blocked.verdict).toBe('blocked');
    expect(blocked.branches[0]).toMatchObject({ disposition: 'DROPPED', reason: 'NETFILTER_DROP', rule: '-A DOCKER-FORWARD -i docker0 -o docker0 -j DROP' });
    const out = cell(m, 'ctr/web', 'host/client');
    expect(out.verdict).toBe('connected');
    expect(out.branches[0]).toMatchObject({ peerSeen: '192.168.56.11', deliveredTo: 'client', reply: { kind: 'syn-ack', disposition: 'DELIVERED' } });
    expect(cell(m, 'ctr/db', 'ctr/db').verdict).toBe('connected');
    // The external host has no route to the containers' bridge.
    expect(cell(m, 'host/client', 'ctr/web').branches[0]).toMatchObject({ disposition: 'NO_ROUTE' });
  });

  it('kube-proxy-known-failures: hairpin off drops a pod calling its own Service; other nodes reach it over VXLAN', () => {
    const m = reach('scenarios/kube-proxy-known-failures.yaml', ['pod/*'], ['svc/web']);
    expect(m.cols.map((c) => [c.label, c.addr, c.port, c.pods])).toEqual([['svc/web.default', '10.96.0.10', 80, ['default/web-0']]]);
    const self = cell(m, 'default/web-0', 'svc/web.default');
    expect(self.verdict).toBe('blocked');
    expect(self.branches[0]).toMatchObject({ disposition: 'DROPPED', dst: '10.244.0.2:8080' });
    const remote = cell(m, 'default/client-b', 'svc/web.default');
    expect(remote.verdict).toBe('connected');
    expect(remote.branches[0]).toMatchObject({ deliveredTo: 'default/web-0', dst: '10.244.0.2:8080', peerSeen: '10.244.1.3' });
    expect(remote.branches[0].path).toEqual(['client-b', 'node-b', 'underlay', 'node-a', 'web-0']);
  });

  it('cluster-deployment: a label selector picks the replicas; the Service fans out over its three endpoints', () => {
    const m = reach('scenarios/cluster-deployment.yaml', ['ns/shop'], ['shop/app=web', 'svc/web.shop']);
    expect(m.rows.map((r) => r.label)).toEqual(['shop/client', 'shop/web-7c7d44749b-4drns', 'shop/web-7c7d44749b-5knbx', 'shop/web-7c7d44749b-gj8sr']);
    expect(m.cols.map((c) => c.label)).toEqual(['shop/web-7c7d44749b-4drns', 'shop/web-7c7d44749b-5knbx', 'shop/web-7c7d44749b-gj8sr', 'svc/web.shop']);
    const svc = cell(m, 'shop/client', 'svc/web.shop');
    expect(svc.verdict).toBe('connected');
    expect(svc.branches.map((b) => b.deliveredTo).sort()).toEqual(['shop/web-7c7d44749b-4drns', 'shop/web-7c7d44749b-5knbx', 'shop/web-7c7d44749b-gj8sr']);
    expect(svc.branches.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 9);
  });

  it('shows mixed endpoints, REFUSED and a Service without endpoints REJECTED', () => {
    const m = reach(`${FIX}/mixed-endpoints.yaml`, ['pod/client'], ['svc/*']);
    const web = cell(m, 'default/client', 'svc/web.default');
    expect(web.verdict).toBe('mixed');
    expect(web.branches.map((b) => [b.probability, b.connected, b.disposition])).toEqual([[0.5, true, 'DELIVERED'], [0.5, false, 'REFUSED']]);
    const empty = cell(m, 'default/client', 'svc/empty.default');
    expect(empty.branches[0]).toMatchObject({ disposition: 'REJECTED' });
    expect(empty.branches[0].rule).toBe('-A KUBE-SERVICES -d 10.96.0.81/32 -p tcp -m comment --comment "default/empty has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable');
  });

  it('counts UDP as connected only when the answer comes back', () => {
    const m = reach(`${FIX}/netpol-model.yaml`, ['x/a'], ['y/b', 'svc/s-b.y']);
    const udp = cell(m, 'x/a', 'y/b:80/udp');
    expect(udp.verdict).toBe('connected');
    expect(udp.branches[0].reply).toEqual({ kind: 'udp-answer', disposition: 'DELIVERED', reason: null });
    expect(m.cols.map((c) => c.label)).toEqual(['y/b:80', 'y/b:80/udp', 'y/b:81', 'y/b:81/udp', 'svc/s-b.y:80', 'svc/s-b.y:81', 'svc/s-b.y:80/udp']);
  });
});

describe('evaluateCells', () => {
  it('gives each job the same cell whatever ran before it (what lets threads share the jobs)', () => {
    const loaded = loadScenarioFile(join(ROOT, FIX, 'mixed-endpoints.yaml'));
    if (!loaded.ok) throw new Error('fixture does not load');
    const w = reachWorld(loaded.scenario, undefined, 1);
    if (!w.ok) throw new Error(w.message);
    const plan = planMatrix(w.value.cluster, { from: [], to: [] });
    if (!plan.ok) throw new Error(plan.message);
    const jobs = plan.plan.jobs;
    expect(jobs.length).toBe(9);
    const forward = evaluateCells(w.value.world, jobs);
    const backward = evaluateCells(w.value.world, [...jobs].reverse()).reverse();
    expect(backward).toEqual(forward);
    expect(forward.map((c) => c.verdict)).toContain('mixed');
  });
});

describe('net reach, the command', () => {
  const upstream16 = readFileSync(join(ROOT, FIX, 'upstream-tcp-16-full9.table'), 'utf8');

  it('prints the matrix byte for byte as the upstream e2e suite prints its truth table', () => {
    const r = net(`${FIX}/netpol-model.yaml`, '--from', 'ns/*', '--to', 'ns/*', '--ports', '80');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(upstream16);
  });

  it('--expect: . agrees, X differs, counted; exit 1 on a difference, 0 when all agree', () => {
    const deny = net(`${FIX}/netpol-model.yaml`, '--from', 'ns/*', '--to', 'ns/*', '--ports', '80', '--expect', `${FIX}/upstream-tcp-01-full9.table`);
    expect(deny.status).toBe(1);
    // With no policy every x/* cell differs from default-deny-ingress: the comparison is the expectation's table.
    expect(deny.stdout.startsWith(readFileSync(join(ROOT, FIX, 'upstream-tcp-01-full9.table'), 'utf8'))).toBe(true);
    expect(deny.stdout).toContain('27 of 81 cells differ from the expectation');
    expect(deny.stdout).toContain('  y/b -> x/c: expected blocked, got connected to x/c at 10.244.0.3:80, peer seen 10.244.0.4');
    const loop = net(`${FIX}/netpol-model.yaml`, '--from', 'ns/*', '--to', 'ns/*', '--ports', '80', '--expect', `${FIX}/upstream-tcp-01-full9.table`, '--ignore-loopback');
    expect(loop.stdout).toContain('24 of 72 cells differ');
    const allow = net(`${FIX}/netpol-model.yaml`, '--from', 'ns/*', '--to', 'ns/*', '--ports', '80', '--expect', `${FIX}/upstream-tcp-16-full9.table`, '-o', 'json');
    expect(allow.status).toBe(0);
    expect(JSON.parse(allow.stdout)).toMatchObject({ schema: 'packetwalk.reach/v1', compared: 81, differences: 0 });
    expect(validate(JSON.parse(allow.stdout)) ? [] : validate.errors).toEqual([]);
  });

  it('--diff: what turning hairpin off breaks (each pod calling its own Service)', () => {
    const r = net(`${FIX}/netpol-model.yaml`, '--diff', `${FIX}/netpol-model-no-hairpin.yaml`, '--to', 'svc/*', '--ports', '80', '--proto', 'tcp', '-o', 'json');
    expect(r.status).toBe(0);
    expect(validate(JSON.parse(r.stdout)) ? [] : validate.errors).toEqual([]);
    const d = JSON.parse(r.stdout).diff;
    expect(d.compared).toBe(81);
    expect(d.changed.map((c: { from: string; to: string }) => `${c.from} -> ${c.to}`)).toEqual(
      ['x/a', 'x/b', 'x/c', 'y/a', 'y/b', 'y/c', 'z/a', 'z/b', 'z/c'].map((p) => `${p} -> svc/s-${p[2]}.${p[0]}`),
    );
    expect(d.changed[0].before).toMatchObject({ verdict: 'connected' });
    expect(d.changed[0].after).toMatchObject({ verdict: 'blocked', branches: [{ disposition: 'DROPPED', reason: 'BRIDGE_NO_HAIRPIN' }] });
  });

  it('--diff-at: the cells a timeline step changed', () => {
    const r = net('scenarios/cluster-timeline-readiness.yaml', '--diff-at', 'not-ready', '--to', 'svc/*');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 of 3 cells changed from scenarios/cluster-timeline-readiness.yaml to scenarios/cluster-timeline-readiness.yaml at not-ready');
    expect(r.stdout).toMatch(/before: connected \(2 branches\): 50% connected to default\/web-/);
    const back = net('scenarios/cluster-timeline-readiness.yaml', '--at', 'not-ready', '--diff-at', 'ready-again', '--to', 'svc/*', '-o', 'csv');
    expect(back.status).toBe(0);
    expect(back.stdout.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      'default/client,svc/web.default,connected',
      'default/web-7c7d44749b-6jh7j,svc/web.default,connected',
      'default/web-7c7d44749b-w9xgk,svc/web.default,connected',
    ]);
    expect(back.stdout).toContain('"connected (2 branches): 50% connected to default/web-');
  });

  it('--jobs 3 gives the cells one thread gives', () => {
    const args = [`${FIX}/netpol-model.yaml`, '--from', 'x/a', '--from', 'y/b', '--to', 'svc/*', '-o', 'json'];
    const one = net(...args);
    const three = net(...args, '--jobs', '3');
    expect(one.status).toBe(0);
    expect(three.stderr).toBe('');
    expect(three.status).toBe(0);
    expect(JSON.parse(one.stdout).cells).toHaveLength(54);
    expect(three.stdout).toBe(one.stdout);
    expect(validate(JSON.parse(one.stdout)) ? [] : validate.errors).toEqual([]);
  });

  it('refuses bad selectors, flags and files with a located message, exit 2, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['scenarios/cluster-deployment.yaml', '--from', 'pod/nope'], /--from pod\/nope: column 5: no pod "nope" \(pods: /],
      [['scenarios/cluster-deployment.yaml', '--to', 'svc/web.shop:99'], /--to svc\/web.shop:99: column 14: Service "shop\/web" has no port "99"/],
      [['scenarios/cluster-deployment.yaml', '--from', 'x/app=we b'], /--from x\/app=we b: column 7: "we b" is not a label value/],
      [['scenarios/cluster-deployment.yaml', '--from', 'svc/web'], /--from svc\/web: column 1: a Service sends nothing/],
      [['scenarios/cluster-deployment.yaml', '--ports', '80,0'], /--ports 80,0: column 4: port 0 is not in 1..65535/],
      [['scenarios/cluster-deployment.yaml', '--proto', 'sctp'], /no destination selected in scenarios\/cluster-deployment.yaml/],
      [['scenarios/cluster-deployment.yaml', '--at', 'later'], /--at: .* has no timeline/],
      [['scenarios/veth-pair.yaml'], /is a Topology: net reach takes a Cluster/],
      [[`${FIX}/netpol-model.yaml`, '--from', 'x/a', '--expect', `${FIX}/upstream-tcp-01-full9.table`], /the expectation names sources x\/b /],
      [[`${FIX}/netpol-model.yaml`, '--expect', `${FIX}/README.md`], /README.md:1:1: error: expected the header of a truth table/],
      [['scenarios/cluster-deployment.yaml', '--diff', 'a.yaml', '--diff-at', 'p'], /not both/],
    ];
    for (const [args, message] of cases) {
      const r = net(...args);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
