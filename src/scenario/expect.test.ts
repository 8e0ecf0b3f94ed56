import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreTraceBranches, runTrace } from '../trace/index.js';
import { checkExpectations } from './expect.js';
import { loadScenarioFile } from './load.js';

const file = join(import.meta.dirname, '..', '..', 'scenarios', 'service-spread.yaml');

function spread() {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error('service-spread.yaml must load');
  const t = r.scenario.traces[0];
  const trace = runTrace(r.scenario.world, t);
  return { trace, withBranches: { ...trace, branches: exploreTraceBranches(r.scenario.world, t).branches } };
}

describe('checkExpectations', () => {
  it('passes rules that matched and the exact set of branch destinations', () => {
    const { withBranches } = spread();
    expect(checkExpectations(withBranches, {
      rules: ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
      branches: ['10.244.0.13:8080', '10.244.0.11:8080', '10.244.0.12:8080'],
    })).toEqual([]);
  });

  it('names a rule that did not match', () => {
    const { trace } = spread();
    expect(checkExpectations(trace, { rules: ['-A KUBE-SERVICES -j DROP'] })).toEqual(['rules: "-A KUBE-SERVICES -j DROP" did not match on the way']);
  });

  it('names missing or extra branches, and a trace that was not explored', () => {
    const { trace, withBranches } = spread();
    expect(checkExpectations(withBranches, { branches: ['10.244.0.11:8080'] })[0]).toMatch(/^branches: expected 10.244.0.11:8080, got 10.244.0.11:8080, 10.244.0.12:8080, 10.244.0.13:8080$/);
    expect(checkExpectations(trace, { branches: ['10.244.0.11:8080'] })[0]).toContain('none (nothing random)');
  });
});
