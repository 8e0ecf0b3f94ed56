// Timelines (src/scenario/run-timeline.ts): traces share one World and one virtual clock, in order, with the
// changes between them; state a trace leaves is there for the next; `sleep` ages it; a failing command stops.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { worldDigest } from '../src/kernel/index.js';
import { loadScenarioFile, loadScenarioText } from '../src/scenario/load.js';
import type { Scenario } from '../src/scenario/model.js';
import { pointNames, runTimeline } from '../src/scenario/run-timeline.js';
import type { TimelineEvent } from '../src/scenario/run-timeline.js';
import { runTrace } from '../src/trace/index.js';

const root = join(import.meta.dirname, '..');

function load(rel: string): Scenario {
  const r = loadScenarioFile(join(root, rel));
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
  return r.scenario;
}

const traces = (events: TimelineEvent[]) => events.flatMap((e) => (e.kind === 'trace' ? [e] : []));

describe('loading a timeline', () => {
  it('reads each step kind, and runs the traces it names only there', () => {
    const sc = load('scenarios/udp-dnat-conntrack-delete.yaml');
    expect(sc.traces).toEqual([]);
    expect(sc.timeline?.map((s) => s.kind)).toEqual(['trace', 'run', 'run', 'point', 'trace', 'run', 'point', 'trace']);
    expect(pointNames(sc.timeline ?? [])).toEqual(['backend-moved', 'entry-deleted']);
    const run = sc.timeline?.[1];
    expect(run?.kind === 'run' && run.command.tool).toBe('iptables');
    expect(run?.at).toEqual({ file: join(root, 'scenarios/udp-dnat-conntrack-delete.yaml'), line: 54, column: 5 });
  });

  it('keeps traces the timeline does not name, and a step expect replaces the trace\'s own', () => {
    const text = `apiVersion: packetwalk/v1
kind: Topology
metadata: {name: t}
namespaces:
  - {name: a, links: [{name: eth0, type: veth, peer: b/eth0, addresses: [10.0.0.1/24]}]}
  - {name: b, links: [{name: eth0, type: veth, peer: a/eth0, addresses: [10.0.0.2/24]}]}
traces:
  - {name: alone, from: a, to: 10.0.0.2, proto: icmp}
  - {name: named, from: a, to: 10.0.0.2, proto: icmp, expect: {disposition: DROPPED}}
timeline:
  - {trace: named, expect: {disposition: DELIVERED}}
  - sleep: 1m30s
  - trace: {from: b, to: 10.0.0.1, proto: icmp}
`;
    const r = loadScenarioText(text, 't.yaml');
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    expect(r.scenario.traces.map((t) => t.name)).toEqual(['alone']);
    const [first, sleep, inline] = r.scenario.timeline ?? [];
    expect(first.kind === 'trace' && first.trace.expect).toEqual({ disposition: 'DELIVERED' });
    expect(sleep.kind === 'sleep' && sleep.ms).toBe(90_000);
    expect(inline.kind === 'trace' && inline.trace.name).toBe('b -> 10.0.0.1/icmp');
  });
});

describe('running a timeline', () => {
  it('a conntrack entry a trace leaves steers the next trace, until conntrack -D removes it', () => {
    const sc = load('scenarios/udp-dnat-conntrack-delete.yaml');
    const run = runTimeline(sc.world, sc.timeline ?? []);
    const got = traces(run.events).map((e) => e.trace.deliveredTo?.netns);
    expect(got).toEqual(['old-backend', 'old-backend', 'new-backend']);
    expect(traces(run.events).every((e) => e.problems.length === 0)).toBe(true);
    expect(run.failedAt).toBeUndefined();
  });

  it('the same traces on the World as built (no timeline) all reach the backend of the rule as written', () => {
    const sc = load('scenarios/udp-dnat-conntrack-delete.yaml');
    const step = sc.timeline?.[0];
    if (step?.kind !== 'trace') throw new Error('trace first');
    expect(runTrace(sc.world, step.trace).deliveredTo?.netns).toBe('old-backend');
  });

  it('sleep advances the one clock: an entry times out, a bridge forgets, hop times are timeline time', () => {
    const udp = load('scenarios/udp-dnat-conntrack-timeout.yaml');
    const r1 = runTimeline(udp.world, udp.timeline ?? []);
    expect(traces(r1.events).map((e) => e.trace.deliveredTo?.netns)).toEqual(['old-backend', 'old-backend', 'new-backend']);
    const last = traces(r1.events).at(-1);
    expect(last?.trace.hops[0].t).toBeGreaterThanOrEqual(7000);
    const fdb = load('scenarios/fdb-ageing.yaml');
    const r2 = runTimeline(fdb.world, fdb.timeline ?? []);
    const hops = traces(r2.events).map((e) => e.trace.hops.filter((h) => h.stage === 'bridge').map((h) => h.detail));
    expect(hops[0]).toContain('br0: forward 02:81:3b:b4:be:02 via port-c (fdb)');
    expect(hops[1][0]).toBe('br0: flood 02:81:3b:b4:be:02 to port-b, port-c');
  });

  it('stops at a point with the World and clock as they are there', () => {
    const sc = load('scenarios/udp-dnat-conntrack-delete.yaml');
    const at = runTimeline(sc.world, sc.timeline ?? [], { stopAt: 'backend-moved' });
    expect(at.stopped).toBe(true);
    expect(traces(at.events)).toHaveLength(1);
    const ct = at.world.netns('router')?.nf?.conntrack.entries(at.now) ?? [];
    expect(ct).toHaveLength(1);
    const after = runTimeline(sc.world, sc.timeline ?? [], { stopAt: 'entry-deleted' });
    expect(after.world.netns('router')?.nf?.conntrack.entries(after.now)).toHaveLength(0);
  });

  it('a command that fails stops the timeline at its step, with what the tool printed', () => {
    const sc = load('test/fixtures/timeline-failing-step.yaml');
    const run = runTimeline(sc.world, sc.timeline ?? []);
    expect(run.failedAt).toBe(3);
    const failed = run.events.at(-1);
    expect(failed?.kind).toBe('run');
    expect(failed?.kind === 'run' && failed.stderr.join(' ')).toMatch(/Bad rule|No chain|does not exist/);
    expect(traces(run.events).map((e) => e.trace.disposition)).toEqual(['DROPPED', 'DELIVERED']);
  });

  it('is deterministic, and a timeline leaves nothing in a World it did not build', () => {
    const sc = load('scenarios/tcp-established-survives-drop.yaml');
    const a = runTimeline(sc.world, sc.timeline ?? [], { seed: 4 });
    const b = runTimeline(sc.world, sc.timeline ?? [], { seed: 4 });
    expect(JSON.stringify(traces(a.events).map((e) => e.trace))).toBe(JSON.stringify(traces(b.events).map((e) => e.trace)));
    expect(worldDigest(a.world)).toBe(worldDigest(b.world));
  });

  it('flags: A continues the connection on the same ports (ESTABLISHED); on other ports it is a stranger', () => {
    const sc = load('scenarios/tcp-established-survives-drop.yaml');
    const run = runTimeline(sc.world, sc.timeline ?? []);
    const [, ack, fresh] = traces(run.events).map((e) => e.trace);
    expect(ack.disposition).toBe('DELIVERED');
    expect(ack.hops.some((h) => h.detail.includes('ACK completes the handshake'))).toBe(true);
    expect(fresh.disposition).toBe('DROPPED');
    const stranger = { name: 'stranger', from: 'client', dst: (10 << 24) | (2 << 8) | 2, dport: 80, sport: 40099, proto: 'tcp' as const, flags: 'A' };
    const t = runTrace(run.world, stranger, { startAt: run.now });
    expect(t.hops.some((h) => /conntrack: NEW/.test(h.detail))).toBe(true);
    expect(t.disposition).toBe('DROPPED');
  });
});
