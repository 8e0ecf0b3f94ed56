// The World is built once per scenario and every trace runs on a checkpoint of it (kernel/netns/
// world-checkpoint.ts): a trace on the shared World must be byte-identical to one on a freshly built World,
// independent of the order traces run in, and must leave the World exactly as it found it.
import { describe, expect, it } from 'vitest';
import { buildWorld, worldDigest } from '../src/kernel/index.js';
import { Rng } from '../src/sim/index.js';
import { exploreTraceBranches, renderTraceJson, renderTraceText, runTrace } from '../src/trace/index.js';
import { shippedScenarios } from './support/shipped-scenarios.js';

const rendered = (t: ReturnType<typeof runTrace>): string => `${renderTraceJson(t)}\n${renderTraceText(t, 'detailed')}`;

describe('one World per scenario, a checkpoint per trace', () => {
  const all = shippedScenarios();

  it('finds the shipped scenarios and fixtures', () => {
    expect(all.length).toBeGreaterThan(10);
    expect(all.reduce((n, s) => n + s.traces.length, 0)).toBeGreaterThan(30);
  });

  it('every trace on the shared World is byte-identical to the trace on a freshly built World', () => {
    for (const sc of all) {
      const shared = buildWorld(sc.world);
      for (const t of sc.traces) {
        const fresh = runTrace(sc.world, t, { seed: 3 });
        const onShared = runTrace(shared, t, { seed: 3 });
        expect(rendered(onShared), `${sc.file}: ${t.name}`).toBe(rendered(fresh));
      }
    }
  });

  it('branch exploration on the shared World finds what fresh Worlds find', () => {
    for (const sc of all) {
      const shared = buildWorld(sc.world);
      for (const t of sc.traces.filter((x) => x.expect?.branches)) {
        expect(exploreTraceBranches(shared, t).branches, `${sc.file}: ${t.name}`).toEqual(exploreTraceBranches(sc.world, t).branches);
      }
    }
  });

  it('traces in a shuffled order (fixed seed) give the same results', () => {
    const rng = new Rng(20261206);
    for (const sc of all) {
      const shared = buildWorld(sc.world);
      const inOrder = sc.traces.map((t) => rendered(runTrace(shared, t, { seed: 5 })));
      const order = sc.traces.map((_, i) => i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      // Twice over, so a trace also runs after itself.
      for (const i of [...order, ...order]) expect(rendered(runTrace(shared, sc.traces[i], { seed: 5 })), `${sc.file}: ${sc.traces[i].name}`).toBe(inOrder[i]);
    }
  });

  it('a trace leaves the base World exactly as it found it (deep state digest)', () => {
    let changedSomething = 0;
    for (const sc of all) {
      const shared = buildWorld(sc.world);
      const before = worldDigest(shared);
      for (const t of sc.traces) {
        runTrace(shared, t, { seed: 9 });
        expect(worldDigest(shared), `${sc.file}: ${t.name}`).toBe(before);
        // The same run kept (as `net show --after` keeps it) does change the World: the digest sees state.
        const kept = buildWorld(sc.world);
        runTrace(kept, t, { seed: 9, keep: true });
        if (worldDigest(kept) !== before) changedSomething++;
      }
    }
    expect(changedSomething).toBeGreaterThan(20);
  });
});
