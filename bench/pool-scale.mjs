// Why the worker pool scales as it does: the same seeded sample of pod -> ClusterIP pairs traced in this thread
// on a fresh World (cold, then the same pairs again warm) and over runPool() with each --jobs given, several
// times, alternating. Per pool run: the wall time past set-up, and per thread its start-up (spawn and module
// load), set-up (compile and build), time spent tracing, the first batch's traces against the rest, and idle
// time (waiting for the main thread between batches). After `npm run build`:
//   node bench/pool-scale.mjs --services 1000 --nodes 10 --pairs 2000 --jobs 1,2 --reps 3 [--batch 10] [--warmup 300]
// Set-up includes tracing the warm-up pairs; every pool thread then waits for the others (a barrier).
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { generateCluster, samplePairs } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { buildWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';
import { runPool } from '../dist/sim/index.js';

const { values: a } = parseArgs({
  options: {
    services: { type: 'string', default: '1000' }, nodes: { type: 'string', default: '10' }, 'pods-per-node': { type: 'string', default: '30' },
    pairs: { type: 'string', default: '2000' }, jobs: { type: 'string', default: '1,2' }, reps: { type: 'string', default: '3' },
    batch: { type: 'string', default: '10' }, 'no-inline': { type: 'boolean', default: false }, warmup: { type: 'string', default: '300' },
    'no-barrier': { type: 'boolean', default: false },
  },
});
const init = { services: Number(a.services), nodes: Number(a.nodes), podsPerNode: Number(a['pods-per-node']), seed: 1 };
const BATCH = Number(a.batch);
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const compiled = compileCluster(generateCluster(init).spec);
const pairs = samplePairs(compiled, 7, Number(a.pairs));
// Traced untimed first, by this thread and by each pool thread (bench/pair-task.mjs), so the JIT is warm.
const warmup = samplePairs(compiled, 8, Number(a.warmup));
const batches = [];
for (let i = 0; i < pairs.length; i += BATCH) batches.push(pairs.slice(i, i + BATCH));

function inline() {
  const t0 = performance.now();
  const world = buildWorld(compileCluster(generateCluster(init).spec).world);
  for (const p of warmup) runTrace(world, p);
  const setup = performance.now() - t0;
  let t = performance.now();
  let c0 = process.cpuUsage();
  let first = 0;
  pairs.forEach((p, i) => {
    runTrace(world, p);
    if (i === BATCH - 1) first = performance.now() - t;
  });
  const cold = performance.now() - t;
  const cpuCold = process.cpuUsage(c0);
  t = performance.now();
  c0 = process.cpuUsage();
  for (const p of pairs) runTrace(world, p);
  const warm = performance.now() - t;
  const cpuWarm = process.cpuUsage(c0);
  const per = (c) => +((c.user + c.system) / 1000 / pairs.length).toFixed(2);
  return { mode: 'inline', load: load(), setupMs: Math.round(setup), coldTps: Math.round(pairs.length / (cold / 1000)), warmTps: Math.round(pairs.length / (warm / 1000)), firstBatchMs: +first.toFixed(1), cpuMsPerTraceCold: per(cpuCold), cpuMsPerTraceWarm: per(cpuWarm), coresHadWarm: +((cpuWarm.user + cpuWarm.system) / 1000 / warm).toFixed(2) };
}

async function pool(jobs) {
  const t0 = performance.timeOrigin + performance.now();
  const threads = new Map();
  let delivered = 0;
  // The whole process's CPU time (every thread) at each answer, to tell CPU spent per trace from CPU not had.
  const cpuAt = [];
  const barrier = { cell: new Int32Array(new SharedArrayBuffer(4)), threads: Math.min(jobs, batches.length) };
  await runPool(batches, { module: new URL('./pair-task.mjs', import.meta.url), init: { ...init, warmup, ...(a['no-barrier'] ? {} : { barrier }) }, jobs }, (_, r) => {
    delivered += r.delivered;
    const c = process.cpuUsage();
    cpuAt.push([performance.timeOrigin + performance.now(), (c.user + c.system) / 1000]);
    let th = threads.get(r.threadId);
    if (th === undefined) {
      th = { setupFrom: 0, setupMs: 0, first: 0, traces: 0, batches: 0, firstStart: 0, spans: [] };
      threads.set(r.threadId, th);
    }
    th.spans.push([r.start, r.end]);
    if (r.setupMs > 0) {
      th.setupFrom = r.setupFrom;
      th.setupMs = r.setupMs;
      th.first = r.tracesMs;
      th.firstStart = r.start;
    }
    th.traces += r.tracesMs;
    th.batches++;
  });
  const t1 = performance.timeOrigin + performance.now();
  for (const t of threads.values()) {
    // Results come in task order, not in the order a thread ran them.
    t.spans.sort((x, y) => x[0] - y[0]);
    t.lastEnd = t.spans[t.spans.length - 1][1];
    t.idle = 0;
    for (let i = 1; i < t.spans.length; i++) t.idle += t.spans[i][0] - t.spans[i - 1][1];
  }
  // Past set-up: from the last thread's first trace to the end.
  const ready = Math.max(...[...threads.values()].map((t) => t.firstStart));
  const rest = [...threads.values()].reduce((s, t) => s + t.batches, 0);
  // Pairs traced once every thread is set up: the batches that started after the last thread's set-up.
  const lastEnd = Math.max(...[...threads.values()].map((t) => t.lastEnd));
  let after = 0;
  for (const t of threads.values()) for (const [s] of t.spans) if (s >= ready) after++;
  const from = cpuAt.find(([t]) => t >= ready) ?? cpuAt[0];
  const to = cpuAt[cpuAt.length - 1];
  const done = cpuAt.filter(([t]) => t > from[0]).length;
  return {
    mode: `pool ${jobs}`, load: load(), delivered,
    wallMs: Math.round(t1 - t0),
    // As bench/measure-size.mjs figured it before: the wall time less the longest set-up.
    wallLessSetupTps: Math.round(pairs.length / ((t1 - t0 - Math.max(...[...threads.values()].map((t) => t.setupMs))) / 1000)),
    allSetUpTps: Math.round((after * BATCH) / ((lastEnd - ready) / 1000)),
    // CPU ms per trace once all are set up (every thread of the process), and cores had on average.
    cpuMsPerTrace: +((to[1] - from[1]) / (done * BATCH)).toFixed(2), coresHad: +((to[1] - from[1]) / (to[0] - from[0])).toFixed(2),
    threads: [...threads.values()].map((t) => ({
      startupMs: Math.round(t.setupFrom - t0), setupMs: Math.round(t.setupMs), batches: t.batches, tracesMs: Math.round(t.traces),
      firstBatchMs: +t.first.toFixed(1), restPerBatchMs: +((t.traces - t.first) / Math.max(1, t.batches - 1)).toFixed(2), idleMs: Math.round(t.idle),
    })),
    batchesTotal: rest,
  };
}

const jobsList = a.jobs.split(',').map(Number);
for (let r = 0; r < Number(a.reps); r++) {
  if (!a['no-inline']) console.log(JSON.stringify(inline()));
  for (const j of jobsList) {
    console.log(JSON.stringify(await pool(j)));
  }
}
