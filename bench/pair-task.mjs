// The task module of the bench's all-pairs figure (src/sim/worker-pool.ts): each thread compiles the same seeded
// cluster and builds its World once, then traces batches of pod -> ClusterIP pairs; the first batch a thread
// answers carries how long its set-up took, so the bench can leave set-up out of the throughput.
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { generateCluster } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { buildWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';

export function createHandler(init) {
  const t0 = performance.now();
  const { spec } = generateCluster(init);
  const world = buildWorld(compileCluster(spec).world);
  let setupMs = performance.now() - t0;
  return (batch) => {
    let delivered = 0;
    for (const p of batch) if (runTrace(world, p).disposition === 'DELIVERED') delivered++;
    const r = { delivered, threadId, setupMs };
    setupMs = 0;
    return r;
  };
}
