// kube-proxy full sync of one node: render (a fresh IptablesProxier's sync()), cold apply (applySync with a
// fresh RuleParseCache) and warm apply (the same cache again), medians of N rounds, plus a hash of the rendered
// text and of the resulting iptables-save so an optimization can be checked byte for byte.
// Usage: npm run build && node bench/full-sync-speed.mjs [services=2000] [rounds=3] [--prof DIR] (DIR gets render.cpuprofile,
// cold-apply.cpuprofile and warm-apply.cpuprofile of the last round)
// node --expose-gc bench/full-sync-speed.mjs [services] [rounds] --retain: also what one RuleParseCache keeps alive
// after 8 more restores of texts that each add one new line (a cache must not keep earlier texts alive)
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { generateCluster } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { defaultKubeProxySettings, nodeProxierConfig, toProxierService, toProxierSlice } from '../dist/cluster/services.js';
import { IptablesProxier, applyHookJumps, applySync } from '../dist/cluster/kube-proxy/index.js';
import { RuleParseCache, emptyRuleset, printSave } from '../dist/kernel/netfilter/index.js';

const retain = process.argv.includes('--retain');
const args = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--prof');
const S = Number(args[0] ?? 2000);
const rounds = Number(args[1] ?? 3);
const profAt = process.argv.indexOf('--prof');
const profDir = profAt > 0 ? process.argv[profAt + 1] : null;
const session = profDir ? new Session() : null;
session?.connect();
if (profDir) mkdirSync(profDir, { recursive: true });
const startProf = async () => { if (session) { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start'); } };
const stopProf = async (name) => { if (session) { const { profile } = await session.post('Profiler.stop'); writeFileSync(`${profDir}/${name}.cpuprofile`, JSON.stringify(profile)); } };
const { spec } = generateCluster({ services: S, nodes: 3, podsPerNode: 30, seed: 1 });
const compiled = compileCluster(spec);
const node = compiled.nodes[0];
const config = nodeProxierConfig(spec, { name: node.name, ip: node.ip, sysctls: {} }, defaultKubeProxySettings());
const services = compiled.services.map(toProxierService);
const slices = compiled.endpointSlices.map(toProxierSlice);
const hash = (s) => createHash('sha256').update(s).digest('hex').slice(0, 12);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const render = [], cold = [], warm = [], renderCpu = [], coldCpu = [], warmCpu = [];
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let stats = null;
let textHash = '', saveHash = '', lines = 0;
for (let r = 0; r < rounds; r++) {
  const last = r === rounds - 1;
  if (last) await startProf();
  let t0 = performance.now();
  let c0 = cpu();
  const proxier = new IptablesProxier(config);
  for (const s of services) proxier.onServiceAdd(s);
  for (const e of slices) proxier.onEndpointSliceAdd(e);
  const plan = proxier.sync({ now: 0, existingNatChains: null });
  render.push(performance.now() - t0);
  renderCpu.push(cpu() - c0);
  if (last) await stopProf('render');
  const base = applyHookJumps(emptyRuleset(), plan.hookJumps).ruleset;
  const cache = new RuleParseCache();
  if (last) await startProf();
  t0 = performance.now();
  c0 = cpu();
  const res = applySync(base, plan.text, cache);
  cold.push(performance.now() - t0);
  coldCpu.push(cpu() - c0);
  stats = { ...cache.stats };
  if (last) await stopProf('cold-apply');
  if (last) await startProf();
  t0 = performance.now();
  c0 = cpu();
  const res2 = applySync(base, plan.text, cache);
  warm.push(performance.now() - t0);
  warmCpu.push(cpu() - c0);
  if (last) await stopProf('warm-apply');
  if (res.errors.length || res2.errors.length) throw new Error(`errors: ${JSON.stringify(res.errors[0] ?? res2.errors[0])}`);
  textHash = hash(plan.text);
  saveHash = hash(printSave(res.ruleset, { counters: true }));
  lines = plan.text.split('\n').length;
}
console.log(`${S} Services, ${lines} lines, text ${textHash} save ${saveHash}; cold parse cache ${JSON.stringify(stats)}`);
const min = (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity).toFixed(0);
console.log(`CPU medians: render ${median(renderCpu).toFixed(0)} ms  cold apply ${median(coldCpu).toFixed(0)} ms  warm apply ${median(warmCpu).toFixed(0)} ms; minima ${min(renderCpu)} / ${min(coldCpu)} / ${min(warmCpu)}`);
console.log(`wall medians: render ${median(render).toFixed(0)} ms  cold apply ${median(cold).toFixed(0)} ms  warm apply ${median(warm).toFixed(0)} ms  (medians of ${rounds}: render ${render.map((x) => x.toFixed(0)).join(' ')} | cold ${cold.map((x) => x.toFixed(0)).join(' ')} | warm ${warm.map((x) => x.toFixed(0)).join(' ')})`);

if (retain) {
  if (typeof globalThis.gc !== 'function') console.log('--retain skipped: run node with --expose-gc');
  else {
    const proxier = new IptablesProxier(config);
    for (const s of services) proxier.onServiceAdd(s);
    for (const e of slices) proxier.onEndpointSliceAdd(e);
    const plan = proxier.sync({ now: 0, existingNatChains: null });
    const base = applyHookJumps(emptyRuleset(), plan.hookJumps).ruleset;
    const cache = new RuleParseCache();
    applySync(base, plan.text, cache);
    const at = plan.text.lastIndexOf('COMMIT\n');
    globalThis.gc();
    const h0 = process.memoryUsage().heapUsed;
    const K = 8;
    for (let k = 0; k < K; k++) {
      // A new text each time, with one line the cache has not seen.
      const text = `${plan.text.slice(0, at)}-A KUBE-SERVICES -m comment --comment "retained-${k}-check" -j RETURN\n${plan.text.slice(at)}`;
      const res = applySync(base, text, cache);
      if (res.errors.length) throw new Error(`errors: ${JSON.stringify(res.errors[0])}`);
    }
    globalThis.gc();
    const h1 = process.memoryUsage().heapUsed;
    console.log(`retained by the cache after ${K} restores of ${(plan.text.length / 1e6).toFixed(1)} M-character texts with one new line each: ${((h1 - h0) / 1e6).toFixed(1)} MB`);
  }
}
