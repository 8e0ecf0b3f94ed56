// A worker of the `--jobs` pool (reach-pool.ts): loads the scenario, takes its World at the point, runs its
// share of the probes and posts the cells back.

import { workerData } from 'node:worker_threads';
import { loadScenarioFile } from '../scenario/load.js';
import { evaluateCells } from './evaluate-cells.js';
import type { WorkerInput, WorkerOutput } from './reach-pool.js';
import { reachWorld } from './reach-world.js';

function run(input: WorkerInput): WorkerOutput {
  const loaded = loadScenarioFile(input.source.file);
  if (!loaded.ok) return { ok: false, error: `${input.source.file} no longer loads` };
  const w = reachWorld(loaded.scenario, input.source.at, input.source.seed);
  if (!w.ok) return { ok: false, error: w.message };
  const cells = evaluateCells(w.value.world, input.jobs, {
    seed: input.source.seed,
    startAt: w.value.startAt,
    owners: w.value.cluster.owners,
    onCell: () => Atomics.add(input.counters, 1, 1),
  });
  return { ok: true, cells };
}

const input = workerData as WorkerInput;
let out: WorkerOutput;
try {
  out = run(input);
} catch (e) {
  out = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
input.port.postMessage(out);
Atomics.add(input.counters, 0, 1);
Atomics.notify(input.counters, 0);
