// The task module of the bench's all-pairs figure (src/sim/worker-pool.ts): each thread compiles the same seeded
// cluster and builds its World once, traces the warm-up pairs untimed (a fresh thread runs its first few hundred
// traces at about half speed, before V8 has optimized them), then waits at a barrier until every thread of the
// pool is that far, so the threads trace side by side and none of the timed traces competes with another
// thread's set-up. Each answer carries when its traces started and ended (epoch ms, comparable across threads)
// and the first one how long the set-up took; bench/pool-scale.mjs and bench/measure-size.mjs time the pool
// from the first timed trace to the last.
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { generateCluster } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { buildWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';

const now = () => performance.timeOrigin + performance.now();

/**
 * init: the cluster's { services, nodes, podsPerNode, seed }, and optionally `warmup` (pairs traced untimed) and
 * `barrier` ({ cell: an Int32Array on a SharedArrayBuffer, threads }: wait until that many threads are ready).
 */
export function createHandler(init) {
  // Garbage-collection pauses of this thread's isolate, summed and handed back with the answers.
  let gcMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  }).observe({ entryTypes: ['gc'] });
  const setupFrom = now();
  const t0 = performance.now();
  const { spec } = generateCluster(init);
  const world = buildWorld(compileCluster(spec).world);
  for (const p of init.warmup ?? []) runTrace(world, p);
  let setupMs = performance.now() - t0;
  if (init.barrier !== undefined) {
    const { cell, threads } = init.barrier;
    Atomics.add(cell, 0, 1);
    Atomics.notify(cell, 0);
    // Bounded: a thread that never comes (it failed) leaves the others to go on after ten minutes.
    const until = Date.now() + 600_000;
    for (let seen = Atomics.load(cell, 0); seen < threads && Date.now() < until; seen = Atomics.load(cell, 0)) Atomics.wait(cell, 0, seen, 1000);
  }
  gcMs = 0;
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
