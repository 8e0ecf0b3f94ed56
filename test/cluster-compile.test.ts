// `net compile` of every shipped Cluster scenario is a Topology that loads and traces the same: the same
// disposition, receiving namespace, peer and hops for each trace, and its expectations still hold.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collectScenarioFiles, loadScenarioFile, loadScenarioText } from '../src/scenario/load.js';
import { checkExpectations } from '../src/scenario/expect.js';
import { runTrace } from '../src/trace/index.js';

const clusters = collectScenarioFiles(['scenarios']).filter((f) => {
  const r = loadScenarioFile(f);
  return r.ok && r.scenario.kind === 'Cluster';
});

describe('net compile', () => {
  it('finds the shipped Cluster scenarios', () => {
    expect(clusters.length).toBeGreaterThanOrEqual(5);
  });

  it.each(clusters)('%s compiles to a Topology that traces the same', (file) => {
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'compile', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const whole = loadScenarioFile(file);
    if (!whole.ok) throw new Error('the shipped scenario loads');
    // Traces to a DNS name need the cluster's resolver: left out of the Topology, each named on stderr.
    const named = whole.scenario.traces.filter((t) => t.toName !== undefined);
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/:\d+:\d+: warning: /.test(l))).toEqual(named.map((t) => `net compile: ${file}: trace "${t.name}" goes to the DNS name ${t.toName}, which a Topology cannot resolve (it has no cluster DNS): left out`));
    const topo = loadScenarioText(r.stdout, `${file}.compiled.yaml`);
    if (!topo.ok) throw new Error(topo.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n'));
    expect(topo.scenario.kind).toBe('Topology');
    const traces = whole.scenario.traces.filter((t) => t.toName === undefined);
    expect(topo.scenario.traces.map((t) => t.name)).toEqual(traces.map((t) => t.name));
    traces.forEach((t, i) => {
      const a = runTrace(whole.scenario.world, t, { seed: 1 });
      const b = runTrace(topo.scenario.world, topo.scenario.traces[i], { seed: 1 });
      expect(b.disposition, t.name).toBe(a.disposition);
      expect(b.deliveredTo, t.name).toEqual(a.deliveredTo);
      expect(b.hops.map((h) => h.detail), t.name).toEqual(a.hops.map((h) => h.detail));
      expect(checkExpectations(b, topo.scenario.traces[i].expect ?? {}), t.name).toEqual([]);
    });
  });
});
