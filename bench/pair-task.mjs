// The task module of the bench's all-pairs figure (src/sim/worker-pool.ts): each thread compiles the same seeded
// cluster and builds its World once, then traces batches of pod -> ClusterIP pairs; the first batch a thread
// answers carries how long its set-up took, so the bench can leave set-up out of the throughput. Every answer
// also carries the time its traces took in the thread and when they started and ended (epoch ms, comparable
// across threads), so the bench can tell trace time from waiting (bench/pool-scale.mjs).
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { generateCluster } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { buildWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';

const now = () => performance.timeOrigin + performance.now();

export function createHandler(init) {
  // Garbage-collection pauses of this thread's isolate, summed and handed back with each answer.
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  const setupFrom = now();
  const t0 = performance.now();
  const { spec } = generateCluster(init);
  const world = buildWorld(compileCluster(spec).world);
  let setupMs = performance.now() - t0;
  return (batch) => {
    const start = now();
    let delivered = 0;
    for (const p of batch) if (runTrace(world, p).disposition === 'DELIVERED') delivered++;
    const end = now();
    const r = { delivered, threadId, setupMs, setupFrom: setupMs > 0 ? setupFrom : 0, start, end, tracesMs: end - start, gcMs };
    setupMs = 0;
    gcMs = 0;
    return r;
  };
}
