// One size of `npm run bench`, in a process of its own (so its peak memory is its own): prints one JSON object
// on stdout, progress on stderr. Run by bench/run.mjs; by hand:
//   node bench/measure-size.mjs --services 100 --nodes 10 --pods-per-node 30 --runs 5 [--kernel] [--compile-only]
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clientAwayFrom, generateCluster, samplePairs, serviceNumbered } from './cluster-gen.mjs';
import { fmt, progress, sample, summarize } from './stats.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { defaultKubeProxySettings, nodeProxierConfig, toProxierService, toProxierSlice } from '../dist/cluster/services.js';
import { IptablesProxier, applyHookJumps, applySync, natChainNames } from '../dist/cluster/kube-proxy/index.js';
import { buildWorld } from '../dist/kernel/index.js';
import { RuleParseCache, emptyRuleset, restore } from '../dist/kernel/netfilter/index.js';
import { runTrace } from '../dist/trace/index.js';
import { formatIpv4 } from '../dist/wire/ipv4-addr.js';
import { defaultJobs, runPool } from '../dist/sim/index.js';

const { values: a } = parseArgs({
  options: {
    services: { type: 'string', default: '100' }, nodes: { type: 'string', default: '10' }, 'pods-per-node': { type: 'string', default: '30' },
    runs: { type: 'string', default: '5' }, kernel: { type: 'boolean', default: false }, 'compile-only': { type: 'boolean', default: false },
    'pair-sample': { type: 'string', default: '200' }, 'budget-ms': { type: 'string', default: '60000' }, 'no-pool': { type: 'boolean', default: false }, jobs: { type: 'string', default: '0' },
  },
});
const S = Number(a.services), N = Number(a.nodes), P = Number(a['pods-per-node']), RUNS = Number(a.runs), BUDGET = Number(a['budget-ms']);
const label = `S=${S} N=${N}`;
const heapMB = () => process.memoryUsage().heapUsed / 1e6;
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;

/** Up to RUNS samples of fn, fewer when the samples so far used the time budget (at least one). */
function budgeted(fn, what) {
  checkpoint();
  const ms = [];
  const start = performance.now();
  let last;
  for (let r = 0; r < RUNS; r++) {
    progress(`${label}: ${what} run ${r + 1}/${RUNS}`);
    const t0 = performance.now();
    last = fn();
    ms.push(performance.now() - t0);
    if (performance.now() - start > BUDGET / 4) break;
  }
  return { stats: summarize(ms), last };
}

const result = { services: S, nodes: N, podsPerNode: P, endpointsPerService: 3 };
/** What is measured so far, for bench/run.mjs to keep when this process dies (out of heap, stopped). */
const checkpoint = () => {
  if (process.env.BENCH_PARTIAL) writeFileSync(process.env.BENCH_PARTIAL, JSON.stringify(result));
};
const { spec } = generateCluster({ services: S, nodes: N, podsPerNode: P, seed: 1 });

if (a['compile-only']) {
  progress(`${label}: compile (one run)`);
  const t0 = performance.now();
  const compiled = compileCluster(spec);
  result.compile = summarize([performance.now() - t0]);
  result.compileHeapMB = heapMB();
  result.peakRssMB = peakRssMB();
  result.pods = compiled.pods.length;
  if (compiled.issues.length) result.issues = compiled.issues.slice(0, 3).map((i) => i.message);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const { stats: compile, last: compiled } = budgeted(() => compileCluster(spec), 'compile');
if (compiled.issues.length) throw new Error(`the generated cluster does not compile: ${compiled.issues[0].message}`);
result.compile = compile;
result.pods = compiled.pods.length;
result.namespaces = compiled.world.namespaces.length;

// The first and last Service in KUBE-SERVICES order (sorted by name), a client pod on a node with none of
// their endpoints, so the trace crosses VXLAN whichever endpoint the seeded -m statistic picks.
const first = serviceNumbered(compiled, 0);
const last = serviceNumbered(compiled, S - 1);
const client = clientAwayFrom(compiled, [first, last]);
const node = compiled.nodes.find((n) => n.name === client.node);
result.client = { pod: client.name, node: node.name };
const probe = (svc) => ({ name: svc.meta.name, from: client.netns, dst: svc.clusterIP, dport: 53, proto: 'udp' });

// The kernel's side of the same node's rules, and then our kube-proxy syncs and restore, before the World is
// built: a kube-proxy holds its own rules, not a World of ten nodes, and a sync measured beside a 3 GB heap
// measures that heap's garbage collection as much as the sync.
const nodeText = compiled.world.namespaces.find((n) => n.name === node.netns).iptables;
result.nodeRules = nodeText.split('\n').filter((l) => l.startsWith('-A ')).length;
if (a.kernel) {
  const { kernelUnavailable, kernelRestore, kernelNewConnection, kernelRoundTrip, roundTripWorld } = await import('./kernel/kernel-side.mjs');
  const why = kernelUnavailable();
  checkpoint();
  if (why !== undefined) result.kernelSkipped = why;
  else {
    progress(`${label}: kernel iptables-restore`);
    result.kernelRestore = summarize(kernelRestore(nodeText, Math.min(RUNS, 3)));
    progress(`${label}: kernel new connections`);
    const gw = formatIpv4((node.podCIDR.addr + 1) >>> 0);
    const us = kernelNewConnection({
      text: nodeText, podIP: formatIpv4(client.ip), gateway: gw, podPrefixLen: node.podCIDR.len,
      clusterCIDR: `${formatIpv4(spec.podCIDR.addr)}/${spec.podCIDR.len}`,
      targets: [{ name: 'first', ip: formatIpv4(first.clusterIP), port: 53 }, { name: 'last', ip: formatIpv4(last.clusterIP), port: 53 }],
      count: 20000, runs: RUNS,
    });
    // In ms, like every other figure.
    result.kernelConnFirst = summarize(us.first.map((x) => x / 1000));
    result.kernelConnLast = summarize(us.last.map((x) => x / 1000));

    // The same round trip our trace follows, built for real: the client pod, the endpoint pods of both
    // Services, their nodes (each with the whole node text) and the underlay, with an echo in each endpoint.
    progress(`${label}: kernel round trips over VXLAN`);
    const selects = (svc, p) => Object.entries(svc.selector).every(([k, v]) => p.labels[k] === v);
    const endpointNetns = compiled.pods.filter((p) => p.netns !== undefined && (selects(first, p) || selects(last, p))).map((p) => p.netns);
    const nodeOf = new Map(compiled.pods.map((p) => [p.netns, p.node]));
    const rt = await kernelRoundTrip({
      world: roundTripWorld(compiled.world, client.netns, endpointNetns, (n) => nodeOf.get(n)),
      clientNetns: client.netns, endpointNetns, echoPort: 5353, count: 10000, runs: RUNS,
      targets: [{ name: 'first', ip: formatIpv4(first.clusterIP), port: 53 }, { name: 'last', ip: formatIpv4(last.clusterIP), port: 53 }],
    });
    for (const [key, t] of [['First', rt.first], ['Last', rt.last]]) {
      result[`kernelRoundTrip${key}`] = summarize(t.cpuUs.map((x) => x / 1000));
      result[`kernelRoundTrip${key}Busy`] = summarize(t.busyUs.map((x) => x / 1000));
      result[`kernelRoundTrip${key}Wall`] = summarize(t.wallUs.map((x) => x / 1000));
      result[`kernelRoundTrip${key}Count`] = t.roundTrips;
    }
  }
}

// kube-proxy on one node: full sync (render + apply through our iptables-restore), then one endpoint change.
const config = nodeProxierConfig(spec, { name: node.name, ip: node.ip, sysctls: {} }, defaultKubeProxySettings());
const services = compiled.services.map(toProxierService);
const slices = compiled.endpointSlices.map(toProxierSlice);
let proxier, plan, ruleset;
const render = budgeted(() => {
  proxier = new IptablesProxier(config);
  for (const s of services) proxier.onServiceAdd(s);
  for (const e of slices) proxier.onEndpointSliceAdd(e);
  plan = proxier.sync({ now: 0, existingNatChains: null });
}, 'full sync: render');
// Cold: a fresh parse cache each run (every line parsed); warm: the node's cache already holds the lines
// (what a resync of the same node costs; the live kube-proxy keeps one cache per node).
let parses = new RuleParseCache();
const apply = budgeted(() => {
  const jumps = applyHookJumps(emptyRuleset(), plan.hookJumps);
  const r = applySync(jumps.ruleset, plan.text, new RuleParseCache());
  if (r.errors.length) throw new Error(`full sync restore: ${r.errors[0].message}`);
  ruleset = r.ruleset;
}, 'full sync: apply (cold)');
applySync(applyHookJumps(emptyRuleset(), plan.hookJumps).ruleset, plan.text, parses);
const applyWarm = budgeted(() => {
  const jumps = applyHookJumps(emptyRuleset(), plan.hookJumps);
  const r = applySync(jumps.ruleset, plan.text, parses);
  if (r.errors.length) throw new Error(`full sync restore: ${r.errors[0].message}`);
  ruleset = r.ruleset;
}, 'full sync: apply (warm)');
result.fullSyncApplyWarm = applyWarm.stats;
result.fullSyncRender = render.stats;
result.fullSyncApply = apply.stats;
result.fullSync = summarize(render.stats.samples.map((x, i) => x + (apply.stats.samples[i] ?? apply.stats.median)));
result.fullSyncRules = plan.text.split('\n').filter((l) => l.startsWith('-A ')).length;

// Incremental: the first Service's slice loses and regains one endpoint's readiness, sync by sync.
const slice0 = slices.find((s) => s.service === first.meta.name);
let ready = true;
let now = 1;
const inc = [];
const incStart = performance.now();
for (let i = 0; i < Math.max(RUNS, 5) * 4; i++) {
  // At least 5 samples (the first 2 are dropped), fewer than 20 once the time budget's quarter is used.
  if (inc.length >= 5 && performance.now() - incStart > BUDGET / 4) break;
  progress(`${label}: incremental sync ${i + 1}`);
  ready = !ready;
  const changed = { ...slice0, endpoints: slice0.endpoints.map((e, j) => (j === 0 ? { ...e, conditions: { ...e.conditions, ready } } : e)) };
  const t = performance.now();
  proxier.onEndpointSliceUpdate(changed);
  const p = proxier.sync({ now: now++, existingNatChains: natChainNames(ruleset) });
  const r = applySync(ruleset, p.text, parses);
  inc.push(performance.now() - t);
  if (r.errors.length) throw new Error(`incremental restore: ${r.errors[0].message}`);
  if (p.full) throw new Error('incremental sync turned full');
  ruleset = r.ruleset;
}
result.incrementalSync = summarize(inc.slice(2));
checkpoint();

// Our iptables-restore of the node's whole text (what buildWorld loads), beside the kernel's.
result.ourRestore = budgeted(() => restore(nodeText), 'our restore of the node text').stats;
// What the syncs held is not the World's: let it go before the World is built.
proxier = plan = ruleset = parses = undefined;

progress(`${label}: build World`);
let t0 = performance.now();
const world = buildWorld(compiled.world);
result.buildWorld = summarize([performance.now() - t0]);
result.heapAfterBuildMB = heapMB();

for (const [key, svc] of [['traceFirst', first], ['traceLast', last]]) {
  const tr = runTrace(world, probe(svc));
  const hops = JSON.stringify(tr.hops);
  if (tr.disposition !== 'DELIVERED' || tr.reply?.disposition !== 'DELIVERED' || !hops.includes('flannel.1')) {
    throw new Error(`${label}: the trace to ${svc.meta.name} is not a delivered cross-node VXLAN trace with its reply: ${tr.disposition}`);
  }
  checkpoint();
  progress(`${label}: ${key}`);
  // Enough traces per sample to fill ~200 ms.
  const one = sample(() => runTrace(world, probe(svc)), { runs: 1, warmup: 0 }).median;
  const inner = Math.max(1, Math.min(2000, Math.round(200 / Math.max(one, 0.01))));
  result[key] = sample(() => runTrace(world, probe(svc)), { runs: RUNS, inner });
  result[`${key}Hops`] = tr.hops.length + (tr.reply?.hops.length ?? 0);
}

// Traces per second over all pods x all Services: a seeded sample of the pairs, projected. A thread's first few
// hundred traces run at about half speed (V8 has not optimized them yet), so each thread, this one and the
// pool's, first traces a warm-up sample of other pairs untimed.
const pods = compiled.pods.filter((p) => p.netns !== undefined && !p.hostNetwork);
const pairs = samplePairs(compiled, 7, Number(a['pair-sample']));
const warmup = samplePairs(compiled, 8, Math.min(300, pairs.length));
checkpoint();
progress(`${label}: ${pairs.length} pairs, one thread`);
for (const pr of warmup) runTrace(world, pr);
t0 = performance.now();
for (const pr of pairs) runTrace(world, pr);
const oneThread = (performance.now() - t0) / 1000;
result.pairsSample = pairs.length;
result.allPairs = pods.length * compiled.services.length;
result.tracesPerSecond1 = pairs.length / oneThread;

// The same pairs over the worker pool (--jobs), each thread with its own World, warmed up as above; the threads
// start tracing together (a barrier in bench/pair-task.mjs) and are timed from the first trace to the last, so
// neither a thread's start-up and set-up nor another thread's set-up is in the figure (bench/pool-scale.mjs
// shows each of them).
const jobs = Number(a.jobs) || defaultJobs();
if (!a['no-pool']) {
  progress(`${label}: ${pairs.length} pairs, ${jobs} threads`);
  const batches = [];
  for (let i = 0; i < pairs.length; i += 10) batches.push(pairs.slice(i, i + 10));
  const barrier = { cell: new Int32Array(new SharedArrayBuffer(4)), threads: Math.min(jobs, batches.length) };
  let setup = 0;
  let deliveredPool = 0;
  let first = Infinity;
  let last = 0;
  await runPool(batches, { module: new URL('./pair-task.mjs', import.meta.url), init: { services: S, nodes: N, podsPerNode: P, seed: 1, warmup, barrier }, jobs }, (_, r) => {
    setup = Math.max(setup, r.setupMs);
    deliveredPool += r.delivered;
    first = Math.min(first, r.start);
    last = Math.max(last, r.end);
  });
  result.jobs = jobs;
  result.tracesPerSecondPool = pairs.length / ((last - first) / 1000);
  result.poolSetupMs = setup;
  result.pairsDelivered = deliveredPool;
}
// The same trace on warm caches, the way the kernel's burst meets them: the World keeps what one earlier
// packet of another flow left (neighbour entries, bridge fdbs; checkpointed runs roll them back otherwise), and
// each measured run is a new flow (its own source port, so a new conntrack entry), rolled back as usual.
// Measured last: the kept run changes the World for good.
runTrace(world, { ...probe(last), sport: 30000 }, { keep: true });
{
  let sport = 31000;
  const warm = runTrace(world, { ...probe(last), sport: sport++ });
  if (warm.disposition !== 'DELIVERED' || warm.reply?.disposition !== 'DELIVERED') throw new Error(`${label}: the warm trace is not delivered: ${warm.disposition}`);
  progress(`${label}: traceLastWarm`);
  const one = sample(() => runTrace(world, { ...probe(last), sport: sport++ }), { runs: 1, warmup: 0 }).median;
  const inner = Math.max(1, Math.min(2000, Math.round(200 / Math.max(one, 0.01))));
  result.traceLastWarm = sample(() => runTrace(world, { ...probe(last), sport: 31000 + (sport++ % 30000) }), { runs: RUNS, inner });
  result.traceLastWarmHops = warm.hops.length + (warm.reply?.hops.length ?? 0);
}
result.heapMB = heapMB();
result.peakRssMB = peakRssMB();

progress(`${label}: done (trace to the last Service ${fmt(result.traceLast, 'us')})`);
if (process.stderr.isTTY) process.stderr.write('\n');
process.stdout.write(`${JSON.stringify(result)}\n`);
