// Every trace of every shipped scenario validates against the published JSON Schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { collectScenarioFiles, loadScenarioFile } from '../src/scenario/load.js';
import { runTrace } from '../src/trace/index.js';
import { runTimeline } from '../src/scenario/run-timeline.js';
import { runScenarioTrace } from '../src/scenario/run-scenario-trace.js';
import { buildWorld } from '../src/kernel/index.js';

const ROOT = join(import.meta.dirname, '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'trace.schema.json'), 'utf8'));
const validate = new Ajv2020.default({ allErrors: true, strict: false }).compile(schema);

describe('trace JSON schema packetwalk.trace/v1', () => {
  for (const file of collectScenarioFiles([join(ROOT, 'scenarios')])) {
    const res = loadScenarioFile(file);
    it(`${file.split('/').pop()}: loads`, () => expect(res.ok).toBe(true));
    if (!res.ok) continue;
    for (const t of res.scenario.traces) {
      it(`${file.split('/').pop()}: "${t.name}" validates`, () => {
        // A trace to a DNS name carries its lookup (dns), each query a trace of this schema too.
        const trace = JSON.parse(JSON.stringify(runScenarioTrace(buildWorld(res.scenario.world), res.scenario.cluster, t).trace));
        const ok = validate(trace);
        expect(validate.errors ?? []).toEqual([]);
        expect(ok).toBe(true);
      });
    }
    if (res.scenario.timeline === undefined) continue;
    const { world, timeline } = res.scenario;
    it(`${file.split('/').pop()}: every trace of its timeline validates`, () => {
      const events = runTimeline(world, timeline, res.scenario.cluster === undefined ? {} : { cluster: res.scenario.cluster }).events;
      for (const e of events) {
        if (e.kind !== 'trace') continue;
        expect(validate(JSON.parse(JSON.stringify(e.trace))), e.step.trace.name).toBe(true);
      }
      expect(events.some((e) => e.kind === 'trace')).toBe(true);
    });
  }

  it('rejects a trace with an unknown disposition', () => {
    const res = loadScenarioFile(join(ROOT, 'scenarios', 'veth-pair.yaml'));
    if (!res.ok) throw new Error('veth-pair.yaml must load');
    const trace = JSON.parse(JSON.stringify(runTrace(res.scenario.world, res.scenario.traces[0])));
    trace.disposition = 'VANISHED';
    expect(validate(trace)).toBe(false);
  });
});
