// kube-proxy sync speed on one node, alone (no World): full sync render + apply (cold and warm cache, and over
// the previous full sync's state), then incremental syncs.
//   node bench/sync-speed.mjs --services 10000 [--nodes 3] [--runs 3]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generateCluster } from './cluster-gen.mjs';
import { compileCluster } from '../dist/cluster/compile.js';
import { defaultKubeProxySettings, nodeProxierConfig, toProxierService, toProxierSlice } from '../dist/cluster/services.js';
import { IptablesProxier, applyHookJumps, applySync, natChainNames } from '../dist/cluster/kube-proxy/index.js';
import { RuleParseCache, emptyRuleset, restore } from '../dist/kernel/netfilter/index.js';

const { values: a } = parseArgs({ options: { services: { type: 'string', default: '1000' }, nodes: { type: 'string', default: '3' }, runs: { type: 'string', default: '3' }, incremental: { type: 'string', default: '20' } } });
const S = Number(a.services), N = Number(a.nodes), RUNS = Number(a.runs);
const { spec } = generateCluster({ services: S, nodes: N, podsPerNode: 30, seed: 1 });
let t0 = performance.now();
const compiled = compileCluster(spec);
const out = { services: S, compileMs: performance.now() - t0 };
const node = compiled.nodes[0];
const config = nodeProxierConfig(spec, { name: node.name, ip: node.ip, sysctls: {} }, defaultKubeProxySettings());
const services = compiled.services.map(toProxierService);
const slices = compiled.endpointSlices.map(toProxierSlice);
const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
let proxier, plan, ruleset;
const render = [], apply = [], applyWarm = [];
const cache = new RuleParseCache();
for (let r = 0; r < RUNS; r++) {
  t0 = performance.now();
  proxier = new IptablesProxier(config);
  for (const s of services) proxier.onServiceAdd(s);
  for (const e of slices) proxier.onEndpointSliceAdd(e);
  plan = proxier.sync({ now: 0, existingNatChains: null });
  render.push(performance.now() - t0);
  t0 = performance.now();
  const jumps = applyHookJumps(emptyRuleset(), plan.hookJumps);
  const res = applySync(jumps.ruleset, plan.text, r === 0 ? cache : new RuleParseCache());
  if (res.errors.length) throw new Error(res.errors[0].message);
  ruleset = res.ruleset;
  apply.push(performance.now() - t0);
  t0 = performance.now();
  const warm = applySync(applyHookJumps(emptyRuleset(), plan.hookJumps).ruleset, plan.text, cache);
  if (warm.errors.length) throw new Error(warm.errors[0].message);
  applyWarm.push(performance.now() - t0);
}
out.fullRender = render.map(Math.round);
// A full sync applied over the state an earlier full sync left (kube-proxy's periodic full sync): every chain
// is declared again with the lines it holds (restore-chain-source.ts).
const again = [];
for (let r = 0; r < RUNS; r++) {
  t0 = performance.now();
  const res = applySync(applyHookJumps(ruleset, plan.hookJumps).ruleset, plan.text, cache);
  if (res.errors.length) throw new Error(res.errors[0].message);
  again.push(performance.now() - t0);
}
out.fullApplyOverPrevious = again.map(Math.round);
out.fullApplyCold = apply.map(Math.round);
out.fullApplyWarm = applyWarm.map(Math.round);
out.lines = plan.text.split('\n').length;
const first = compiled.services[0];
const slice0 = slices.find((s) => s.service === first.meta.name);
let ready = true;
const inc = [], incApply = [], incNames = [], incRender = [];
for (let i = 0; i < Number(a.incremental); i++) {
  ready = !ready;
  const changed = { ...slice0, endpoints: slice0.endpoints.map((e, j) => (j === 0 ? { ...e, conditions: { ...e.conditions, ready } } : e)) };
  const t = performance.now();
  proxier.onEndpointSliceUpdate(changed);
  const names = natChainNames(ruleset);
  const tn = performance.now();
  const p = proxier.sync({ now: i + 1, existingNatChains: names });
  const t1 = performance.now();
  incNames.push(tn - t);
  incRender.push(t1 - tn);
  const r = applySync(ruleset, p.text, cache);
  inc.push(performance.now() - t);
  incApply.push(performance.now() - t1);
  if (r.errors.length) throw new Error(r.errors[0].message);
  if (p.full) throw new Error('full');
  ruleset = r.ruleset;
}
out.incrementalMedianMs = +med(inc.slice(2)).toFixed(2);
out.incrementalApplyMedianMs = +med(incApply.slice(2)).toFixed(2);
// The parts: the informer event and the nat chain names (read lazily: iptables-save -t nat runs only for a
// clean-up), the render, the restore.
out.incrementalPartsMedianMs = { names: +med(incNames.slice(2)).toFixed(2), render: +med(incRender.slice(2)).toFixed(2), apply: out.incrementalApplyMedianMs };
const nodeText = compiled.world.namespaces.find((n) => n.name === node.netns).iptables;
const ours = [];
for (let r = 0; r < RUNS; r++) { t0 = performance.now(); restore(nodeText); ours.push(performance.now() - t0); }
out.ourRestoreOfNodeText = ours.map(Math.round);
const nodeCache = new RuleParseCache();
const cached = [];
for (let r = 0; r < RUNS + 1; r++) { t0 = performance.now(); restore(nodeText, undefined, { cache: nodeCache }); cached.push(performance.now() - t0); }
out.ourRestoreOfNodeTextCacheColdThenWarm = cached.map(Math.round);
out.cacheStats = cache.stats;
console.log(JSON.stringify(out));
