// One cross-node ClusterIP trace (UDP pod -> last Service's ClusterIP:53 -> pod on another node, reply
// included) on a World built once: its cost per run, and a hash of its JSON so a change can be checked
// byte for byte, and an empty checkpoint's cost. `node bench/trace-one.mjs [services] [nodes] [iterations] [--warm] [--prof DIR]`.
// Wall-clock numbers for humans; no test asserts on them.
import { createHash } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { clientAwayFrom, generateCluster, serviceNumbered } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { buildWorld, checkpointWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';
import { renderTraceJson as renderJson } from '../dist/trace/render-json.js';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const profDir = flag('--prof');
const warmMode = args.includes('--warm');
if (warmMode) args.splice(args.indexOf('--warm'), 1);
const S = Number(args[0] ?? 100), N = Number(args[1] ?? 7), ITER = Number(args[2] ?? 50);
const { spec } = generateCluster({ services: S, nodes: N, podsPerNode: 30, seed: 1 });
let t0 = performance.now();
const compiled = compileCluster(spec);
console.log('compile', (performance.now() - t0).toFixed(0), 'ms');
t0 = performance.now();
const world = buildWorld(compiled.world);
console.log('buildWorld', (performance.now() - t0).toFixed(0), 'ms', world.namespaces.size, 'namespaces');
const last = serviceNumbered(compiled, S - 1);
const client = clientAwayFrom(compiled, [last]);
const probe = { name: 'x', from: client.netns, dst: last.clusterIP, dport: 53, proto: 'udp' };
const tr = runTrace(world, probe);
const text = renderJson(tr);
console.log(tr.disposition, tr.reply?.disposition, tr.hops.length, tr.reply?.hops.length, 'json sha1', createHash('sha1').update(text).digest('hex').slice(0, 12));
// --warm: the World keeps what one earlier packet of another flow left (neighbours, fdbs), and each measured
// run is a new flow (its own source port), rolled back as usual: bench/measure-size.mjs's traceLastWarm.
let sport = 31000;
const next = warmMode ? () => ({ ...probe, sport: 31000 + (sport++ % 30000) }) : () => probe;
if (warmMode) {
  runTrace(world, { ...probe, sport: 30000 }, { keep: true });
  const w = runTrace(world, { ...probe, sport: 31000 });
  console.log('warm', w.disposition, w.reply?.disposition, w.hops.length, w.reply?.hops.length, 'json sha1', createHash('sha1').update(renderJson(w)).digest('hex').slice(0, 12));
}
for (let i = 0; i < 5; i++) runTrace(world, next());
let session;
if (profDir) {
  session = new Session();
  session.connect();
  await new Promise((res) => session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 50 }, () => session.post('Profiler.start', res))));
}
t0 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < ITER; i++) runTrace(world, next());
const cpu = process.cpuUsage(cpu0);
console.log('trace', ((performance.now() - t0) / ITER * 1000).toFixed(0), 'us wall,', ((cpu.user + cpu.system) / ITER).toFixed(0), 'us cpu');
t0 = performance.now();
for (let i = 0; i < ITER; i++) checkpointWorld(world).rollback();
console.log('checkpoint+rollback', ((performance.now() - t0) / ITER * 1000).toFixed(0), 'us');
if (session) {
  await new Promise((res) => session.post('Profiler.stop', (err, { profile }) => {
    mkdirSync(profDir, { recursive: true });
    writeFileSync(`${profDir}/trace.cpuprofile`, JSON.stringify(profile));
    res();
  }));
}
