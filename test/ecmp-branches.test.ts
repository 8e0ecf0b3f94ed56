// ECMP and `--branches`: with a random hash seed each nexthop is a branch with its weight's share; with a
// seed the flow's one path is named. scenarios/ecmp-multipath.yaml, its client's seed changed here.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../src/kernel/index.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { exploreTraceBranches, renderTraceText, runTrace } from '../src/trace/index.js';

function scenario(seed: number): { world: WorldSpec; trace: Parameters<typeof runTrace>[1] } {
  const res = loadScenarioFile(join(import.meta.dirname, '..', 'scenarios', 'ecmp-multipath.yaml'));
  if (!res.ok) throw new Error('scenarios/ecmp-multipath.yaml must load');
  const world: WorldSpec = {
    ...res.scenario.world,
    namespaces: res.scenario.world.namespaces.map((n) =>
      n.name === 'client' ? { ...n, sysctls: { ...n.sysctls, 'net.ipv4.fib_multipath_hash_seed': seed } } : n),
  };
  return { world, trace: res.scenario.traces[0] };
}

describe('ECMP branches', () => {
  it('a random seed makes each nexthop a branch, weighted 1:2', () => {
    const { world, trace } = scenario(0);
    const { branches } = exploreTraceBranches(world, trace);
    expect(branches.map((b) => [b.probability.toFixed(4), b.disposition, b.deliveredTo?.netns, b.nexthops])).toEqual([
      ['0.6667', 'DELIVERED', 'server', ['nexthop via 10.1.2.1 dev eth1 weight 2 (10.9.0.0/24 in client)']],
      ['0.3333', 'DELIVERED', 'server', ['nexthop via 10.1.1.1 dev eth0 weight 1 (10.9.0.0/24 in client)']],
    ]);
    const text = renderTraceText({ ...runTrace(world, trace), branches }, 'summary');
    expect(text).toContain('      nexthop via 10.1.1.1 dev eth0 weight 1 (10.9.0.0/24 in client)');
  });
  it('a seed leaves one path, the hashed one, and names it', () => {
    const { world, trace } = scenario(12345);
    const { branches } = exploreTraceBranches(world, trace);
    expect(branches.map((b) => [b.probability, b.nexthops])).toEqual([[1, ['nexthop via 10.1.2.1 dev eth1 weight 2 (10.9.0.0/24 in client)']]]);
  });
  it('without the explorer a random seed is drawn from the trace seed, and one flow keeps one path', () => {
    const { world, trace } = scenario(0);
    const paths = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const t = runTrace(world, trace, { seed });
      paths.add(t.hops.find((h) => h.stage === 'output-route')?.dev ?? '?');
      // The SYN-ACK comes back on the path the SYN took (the server routes by the client address chosen).
      expect(t.reply?.disposition).toBe('DELIVERED');
    }
    expect([...paths].sort()).toEqual(['eth0', 'eth1']);
  });
});

describe('ECMP at a forwarder (test/kernel/fixtures/ecmp-router-anycast.yaml, checked against Linux)', () => {
  const res = loadScenarioFile(join(import.meta.dirname, 'kernel', 'fixtures', 'ecmp-router-anycast.yaml'));
  if (!res.ok) throw new Error('the fixture must load');
  const trace = (name: string) => {
    const t = res.scenario.traces.find((x) => x.name === name);
    if (!t) throw new Error(name);
    return t;
  };
  it('hashes the forwarded packet without preferring a nexthop of its source (policy 0, seed 1)', () => {
    expect(runTrace(res.scenario.world, trace('10.9.0.10 hashes to s1')).deliveredTo?.netns).toBe('s1');
    expect(runTrace(res.scenario.world, trace('10.9.0.11 hashes to s2')).deliveredTo?.netns).toBe('s2');
  });
  it('under policy 1 a forwarded TCP packet carries its socket hash: both servers are branches', () => {
    const { branches } = exploreTraceBranches(res.scenario.world, trace('policy 1 forwarding reuses the socket hash'));
    expect(branches.map((b) => b.deliveredTo?.netns).sort()).toEqual(['s1', 's2']);
  });
});
