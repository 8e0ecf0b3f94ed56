// An exploration that stops at BRANCH_LIMIT runs says so: nine independent coin flips before the Service's
// own choice make 2^9 x 3 sequences, more than the limit, so the branches found are a part of all of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { WorldSpec } from '../src/kernel/index.js';
import { checkExpectations } from '../src/scenario/expect.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { BRANCH_LIMIT, exploreTraceBranches, renderTraceJson, renderTraceText, runTrace, withBranches } from '../src/trace/index.js';

const res = loadScenarioFile(join(import.meta.dirname, '..', 'scenarios', 'service-spread.yaml'));
if (!res.ok) throw new Error('scenarios/service-spread.yaml must load');
const scenario = res.scenario;
const trace = scenario.traces[0];

/** service-spread's node with `flips` rules before KUBE-SERVICES, each jumping at random to an empty chain. */
function withFlips(flips: number): WorldSpec {
  const extra = Array.from({ length: flips }, () => '-A PREROUTING -m statistic --mode random --probability 0.5 -j COIN').join('\n');
  return {
    ...scenario.world,
    namespaces: scenario.world.namespaces.map((n) =>
      n.name === 'node' && n.iptables !== undefined
        ? { ...n, iptables: n.iptables.replace(':KUBE-SERVICES - [0:0]', ':KUBE-SERVICES - [0:0]\n:COIN - [0:0]').replace('-A PREROUTING -m comment', `${extra}\n-A PREROUTING -m comment`) }
        : n),
  };
}

describe('--branches past its limit', () => {
  it('an exploration within the limit is whole: the probabilities add up to 1 and nothing is flagged', () => {
    const explored = exploreTraceBranches(withFlips(2), trace);
    expect(explored.truncated).toBe(false);
    expect(explored.branches.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 9);
    const t = withBranches(runTrace(withFlips(2), trace), explored);
    expect(t.branchesTruncated).toBeUndefined();
    expect(renderTraceText(t, 'summary')).not.toContain('exploration stopped');
  });
  it('one past the limit is flagged in the trace, its text and its JSON, and an expectation on branches fails', () => {
    const world = withFlips(9);
    const explored = exploreTraceBranches(world, trace);
    expect(explored.truncated).toBe(true);
    expect(explored.branches.reduce((s, b) => s + b.probability, 0)).toBeLessThan(1);
    const t = withBranches(runTrace(world, trace), explored);
    expect(t.branchesTruncated).toBe(true);
    expect(renderTraceText(t, 'summary')).toContain(`(exploration stopped after ${BRANCH_LIMIT} runs`);
    const json = JSON.parse(renderTraceJson(t));
    expect(json.branchesTruncated).toBe(true);
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', 'trace.schema.json'), 'utf8'));
    const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);
    expect(validate(json) ? [] : validate.errors).toEqual([]);
    // Every destination found may be the expected set, but a cut exploration cannot prove the set whole.
    const found = explored.branches.map((b) => b.dst);
    expect(checkExpectations(t, { branches: found })).toEqual(['branches: the exploration stopped before every outcome was found, so the set cannot be checked']);
  });
});
