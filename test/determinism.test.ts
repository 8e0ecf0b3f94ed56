// Same scenario and seed, same trace, byte for byte (DESIGN.md §1.3).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectScenarioFiles, loadScenarioFile } from '../src/scenario/load.js';
import { renderTraceJson, renderTraceText, runTrace } from '../src/trace/index.js';

describe('determinism', () => {
  it('every shipped trace renders identically twice', () => {
    for (const file of collectScenarioFiles([join(import.meta.dirname, '..', 'scenarios')])) {
      const res = loadScenarioFile(file);
      if (!res.ok) throw new Error(`${file} must load`);
      for (const t of res.scenario.traces) {
        const a = runTrace(res.scenario.world, t, { seed: 7 });
        const b = runTrace(res.scenario.world, t, { seed: 7 });
        expect(renderTraceJson(a)).toBe(renderTraceJson(b));
        expect(renderTraceText(a, 'detailed')).toBe(renderTraceText(b, 'detailed'));
      }
    }
  });

  it('the seed reaches the packet (TCP initial sequence numbers differ)', () => {
    const res = loadScenarioFile(join(import.meta.dirname, '..', 'scenarios', 'veth-pair.yaml'));
    if (!res.ok) throw new Error('must load');
    const t = res.scenario.traces[0];
    const a = renderTraceJson(runTrace(res.scenario.world, t, { seed: 1 }));
    const b = renderTraceJson(runTrace(res.scenario.world, t, { seed: 2 }));
    expect(a).not.toBe(b);
  });
});
