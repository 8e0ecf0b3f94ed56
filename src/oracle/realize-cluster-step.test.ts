import { describe, expect, it } from 'vitest';

import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { clusterStepCommands } from './realize-cluster-step.js';

function load(file: string): Scenario {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.scenario;
}

/** Each cluster step of a scenario's timeline, realized from the step before. */
function steps(file: string) {
  const sc = load(file);
  let now = sc.cluster;
  if (now === undefined) throw new Error(`${file} is no Cluster`);
  const out = [];
  for (const s of sc.timeline ?? []) {
    if (s.kind !== 'cluster') continue;
    out.push({ text: s.text, r: clusterStepCommands(now, s.cluster, 'P-') });
    now = s.cluster;
  }
  return out;
}

describe('clusterStepCommands', () => {
  it.each(['scenarios/cluster-timeline-scale.yaml', 'scenarios/cluster-timeline-delete-pod.yaml', 'scenarios/cluster-timeline-readiness.yaml'])('%s', (file) => {
    for (const { text, r } of steps(file)) {
      console.log(`## ${text}\n${JSON.stringify({ ...r, commands: undefined })}\n${r.commands.join('\n')}`);
      expect(r.problems, text).toEqual([]);
      expect(r.rewritten, text).toEqual([]);
    }
  });
});
