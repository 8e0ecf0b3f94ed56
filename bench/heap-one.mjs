// Allocation per warm trace: the sampling heap profiler (collected objects included) over N warm traces,
// self bytes per function. `node bench/heap-one.mjs [services] [nodes] [iterations]`. For humans only.
import { Session } from 'node:inspector';
import { clientAwayFrom, generateCluster, serviceNumbered } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { buildWorld } from '../dist/kernel/index.js';
import { runTrace } from '../dist/trace/index.js';

const S = Number(process.argv[2] ?? 100), N = Number(process.argv[3] ?? 7), ITER = Number(process.argv[4] ?? 500);
const cold = process.argv.includes('--cold');
const { spec } = generateCluster({ services: S, nodes: N, podsPerNode: 30, seed: 1 });
const compiled = compileCluster(spec);
const world = buildWorld(compiled.world);
const last = serviceNumbered(compiled, S - 1);
const client = clientAwayFrom(compiled, [last]);
const probe = { name: 'x', from: client.netns, dst: last.clusterIP, dport: 53, proto: 'udp' };
let sport = 31000;
const next = cold ? () => probe : () => ({ ...probe, sport: 31000 + (sport++ % 30000) });
if (!cold) runTrace(world, { ...probe, sport: 30000 }, { keep: true });
for (let i = 0; i < 50; i++) runTrace(world, next());
const session = new Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p ?? {}, (e, r) => (e ? rej(e) : res(r))));
await post('HeapProfiler.enable');
await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
for (let i = 0; i < ITER; i++) runTrace(world, next());
const { profile } = await post('HeapProfiler.stopSampling');
const self = new Map();
let total = 0;
const visit = (n) => {
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
  const b = n.selfSize;
  total += b;
  self.set(key, (self.get(key) ?? 0) + b);
  for (const c of n.children) visit(c);
};
visit(profile.head);
console.log('bytes per trace', (total / ITER).toFixed(0));
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 40));
for (const [k, v] of rows) console.log(String((v / ITER).toFixed(0)).padStart(8), k);
