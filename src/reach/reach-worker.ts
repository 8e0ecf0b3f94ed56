// A worker of the `--jobs` pool (reach-pool.ts): loads the scenario, takes its World at the point, runs its
// share of the probes and posts the cells back. Everything it needs is imported inside the try, so that even
// a failure to load reaches the waiting caller as a message, never as a hang.

import { workerData } from 'node:worker_threads';
import type { WorkerInput, WorkerOutput } from './reach-pool.js';

async function run(input: WorkerInput): Promise<WorkerOutput> {
  const { loadScenarioFile } = await import('../scenario/load.js');
  const { evaluateCells } = await import('./evaluate-cells.js');
  const { reachWorld } = await import('./reach-world.js');
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
  out = await run(input);
} catch (e) {
  out = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
input.port.postMessage(out);
Atomics.add(input.counters, 0, 1);
Atomics.notify(input.counters, 0);
