// Two builds of packetwalk in one process, on the same machine load: the cross-node ClusterIP trace of
// bench/trace-one.mjs on a World each build made, measured in alternating batches (CPU and wall time per trace,
// minimum and median over the batches). `node bench/trace-ab.mjs BASE_DIR NEW_DIR [services] [nodes] [--cold]`,
// each DIR a checkout with `dist/` built (copy the old one aside before rebuilding). B and R in the environment
// set the batch size and the number of rounds. Wall-clock numbers for humans; no test asserts on them.
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { clientAwayFrom, generateCluster, serviceNumbered } from './cluster-gen.mjs';

const args = process.argv.slice(2);
const cold = args.includes('--cold');
const plain = args.filter((a) => !a.startsWith('--'));
if (plain.length < 2) {
  console.error('usage: node bench/trace-ab.mjs BASE_DIR NEW_DIR [services] [nodes] [--cold]');
  process.exit(2);
}
const dirs = { base: resolve(plain[0]), new: resolve(plain[1]) };
const S = Number(plain[2] ?? 100), N = Number(plain[3] ?? 7);
const { spec } = generateCluster({ services: S, nodes: N, podsPerNode: 30, seed: 1 });
const setups = {};
for (const [k, d] of Object.entries(dirs)) {
  const { compileCluster } = await import(`${d}/dist/cluster/compile.js`);
  const { buildWorld } = await import(`${d}/dist/kernel/index.js`);
  const { runTrace } = await import(`${d}/dist/trace/index.js`);
  const compiled = compileCluster(spec);
  const world = buildWorld(compiled.world);
  const last = serviceNumbered(compiled, S - 1);
  const client = clientAwayFrom(compiled, [last]);
  const probe = { name: 'x', from: client.netns, dst: last.clusterIP, dport: 53, proto: 'udp' };
  // Warm: as bench/trace-one.mjs --warm, one kept packet of another flow, then a new flow per run.
  if (!cold) runTrace(world, { ...probe, sport: 30000 }, { keep: true });
  let sport = 31000;
  const next = cold ? () => probe : () => ({ ...probe, sport: 31000 + (sport++ % 30000) });
  for (let i = 0; i < 300; i++) runTrace(world, next());
  setups[k] = { runTrace, world, next, samples: [] };
}
const B = Number(process.env.B ?? (cold ? 100 : 300));
const R = Number(process.env.R ?? 12);
for (let round = 0; round < R; round++) {
  for (const s of Object.values(setups)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < B; i++) s.runTrace(s.world, s.next());
    const c = process.cpuUsage(c0);
    s.samples.push({ cpu: (c.user + c.system) / B, wall: ((performance.now() - t0) * 1000) / B });
  }
}
const stats = (xs) => {
  const v = xs.slice().sort((a, b) => a - b);
  return `min ${v[0].toFixed(0)} med ${v[v.length >> 1].toFixed(0)}`;
};
console.log(`${S} Services x ${N} nodes, ${cold ? 'cold' : 'warm'}, ${R} rounds of ${B} traces, us per trace`);
for (const [k, s] of Object.entries(setups)) console.log(k.padEnd(5), 'cpu', stats(s.samples.map((x) => x.cpu)), '| wall', stats(s.samples.map((x) => x.wall)));
