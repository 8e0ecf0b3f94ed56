// npm run bench [-- --quick | --full] [--runs N] [--nodes N] [--no-kernel] [--micro]
// Seeded generated clusters (S Services x 3 endpoints on N nodes, flannel VXLAN, kube-proxy iptables), each size
// measured in a process of its own (bench/measure-size.mjs), the kernel's columns beside ours when root, then
// the big compile (1,000 nodes x 30 pods). Progress on stderr, the table on stdout, every figure in
// bench/results.json. Never part of `npm test`; no test asserts on these wall-clock figures.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, progress } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false }, full: { type: 'boolean', default: false }, micro: { type: 'boolean', default: false },
    runs: { type: 'string' }, nodes: { type: 'string' }, 'no-kernel': { type: 'boolean', default: false }, 'pool-max': { type: 'string' },
    'big-services': { type: 'string' }, heap: { type: 'string', default: '4096' }, sizes: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
  },
});
if (a.help) {
  process.stdout.write(`npm run bench -- [options]
  --quick            S = 100 and 1,000 only, 3 runs, a big compile of 100 Services (a few minutes)
  --full             the issue's other shape: N = 100 nodes (long)
  --runs N           samples per figure (default 5; 3 with --quick)
  --nodes N          nodes of the generated clusters (default 10; at least 7)
  --big-services S   Services of the 1,000-node compile (default 10,000; 100 with --quick)
  --sizes A,B,...     the Services of each size (default 100,1000,10000; 100,1000 with --quick)
  --heap MB          the heap limit of each size's process (default 4096; the big compile's is 2048)
  --pool-max S       measure traces/s over the worker pool up to S Services only (default 1,000: each
                     thread compiles and builds its own World, minutes and gigabytes at 10,000)
  --no-kernel        leave out the kernel columns (they need root, iproute2, iptables, conntrack and cc):
                     the node's rules through the real iptables-restore, one new connection through
                     them, and the trace's own round trip built for real (net realize's commands: the
                     client pod, the endpoint pods, their nodes, the underlay; an echo answers)
  --micro            also run bench/micro.mjs (shipped scenarios, indexed vs linear chains)
`);
  process.exit(0);
}
const quick = a.quick;
const runs = a.runs ?? (quick ? '3' : '5');
const nodes = a.nodes ?? (a.full ? '100' : quick ? '7' : '10');
const sizes = a.sizes ? a.sizes.split(',').map(Number) : quick ? [100, 1000] : [100, 1000, 10000];
if (Number(nodes) < 7) {
  process.stderr.write('bench: --nodes must be at least 7 (the client pod needs a node without the first and last Services\' endpoints)\n');
  process.exit(2);
}
const bigServices = a['big-services'] ?? (quick ? '100' : '10000');
const poolMax = Number(a['pool-max'] ?? '1000');

/** Runs one measure-size process; its stderr (progress) passes through, its last stdout line is the result. */
function measure(args, heapMB) {
  return new Promise((resolve) => {
    const argv = [`--max-old-space-size=${heapMB}`, join(here, 'measure-size.mjs'), ...args];
    const partial = join(tmpdir(), `pwb-partial-${process.pid}.json`);
    rmSync(partial, { force: true });
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_PARTIAL: partial } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code, signal) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line));
      else {
        // Keep the figures measured before it ended.
        const got = existsSync(partial) ? JSON.parse(readFileSync(partial, 'utf8')) : {};
        resolve({ ...got, failed: `measure-size ${args.join(' ')} ended with ${signal ?? `exit ${code}`}` });
      }
      rmSync(partial, { force: true });
    });
  });
}

const results = {
  date: new Date().toISOString(),
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
  options: { quick, full: a.full, runs: Number(runs), nodes: Number(nodes), kernel: !a['no-kernel'] },
  sizes: [],
  big: null,
  ratios: {},
};
if (!a['no-kernel']) {
  const { kernelUnavailable, kernelVersions } = await import('./kernel/kernel-side.mjs');
  const why = kernelUnavailable();
  if (why === undefined) results.machine.kernel = kernelVersions();
  else {
    progress(`kernel columns left out: ${why}`);
    results.options.kernel = false;
    results.kernelSkipped = why;
  }
}

for (const S of sizes) {
  const args = ['--services', String(S), '--nodes', nodes, '--pods-per-node', '30', '--runs', runs, '--pair-sample', S >= 10000 ? '30' : quick ? '100' : '2000'];
  // Each pool thread compiles and builds its own World: at 10,000 Services that is minutes, left out of --quick.
  if (S > poolMax) args.push('--no-pool');
  if (results.options.kernel) args.push('--kernel');
  results.sizes.push(await measure(args, Number(a.heap)));
  // Written after every size, so a long run that is stopped keeps what it measured.
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}
progress(`compile of 1,000 nodes x 30 pods x ${bigServices} Services`);
results.big = await measure(['--services', bigServices, '--nodes', '1000', '--pods-per-node', '30', '--compile-only'], 2048);

// Ratios measured side by side in this run.
const by = new Map(results.sizes.filter((s) => s.services !== undefined).map((s) => [s.services, s]));
const ratio = (x, y) => (x && y ? x.median / y.median : null);
for (const [S, s] of by) {
  results.ratios[S] = {
    traceFirstOverKernelConn: ratio(s.traceFirst, s.kernelConnFirst),
    traceLastOverKernelConn: ratio(s.traceLast, s.kernelConnLast),
    fullSyncOverKernelRestore: ratio(s.fullSync, s.kernelRestore),
    fullSyncWarmOverKernelRestore: s.fullSyncRender && s.fullSyncApplyWarm && s.kernelRestore ? (s.fullSyncRender.median + s.fullSyncApplyWarm.median) / s.kernelRestore.median : null,
    traceLastWarmOverKernelConn: ratio(s.traceLastWarm, s.kernelConnLast),
    traceFirstOverKernelRoundTrip: ratio(s.traceFirst, s.kernelRoundTripFirst),
    traceLastOverKernelRoundTrip: ratio(s.traceLast, s.kernelRoundTripLast),
    traceLastWarmOverKernelRoundTrip: ratio(s.traceLastWarm, s.kernelRoundTripLast),
    ourRestoreOverKernelRestore: ratio(s.ourRestore, s.kernelRestore),
    traceLastOverTraceLastAt100: ratio(s.traceLast, by.get(100)?.traceLast),
  };
}
writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

// The table.
const cols = [...by.keys()];
const row = (name, f) => `${name.padEnd(44)}${cols.map((S) => String(f(by.get(S)) ?? '-').padStart(20)).join('')}`;
const x = (v) => (v === null || v === undefined ? '-' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)}x`);
const out = [];
out.push(`packetwalk bench, ${results.date}, ${results.machine.cores} cores (${results.machine.cpu}), Node ${process.version}${results.machine.kernel ? `, Linux ${results.machine.kernel.kernel}, ${results.machine.kernel.iptables}` : ''}`);
out.push(`generated clusters: S Services x 3 endpoints, ${nodes} nodes x 30 pods, flannel VXLAN, kube-proxy iptables; median ±half-range of ${runs} runs`);
out.push('');
out.push(row('Services (S)', (s) => s.services));
out.push(row('node rules (iptables-restore lines -A)', (s) => s.nodeRules));
out.push(row('cluster compile', (s) => fmt(s.compile)));
out.push(row('build World', (s) => fmt(s.buildWorld)));
out.push(row('kube-proxy full sync, one node (render+apply)', (s) => fmt(s.fullSync)));
out.push(row('  render', (s) => fmt(s.fullSyncRender)));
out.push(row('  apply (our iptables-restore)', (s) => fmt(s.fullSyncApply)));
out.push(row('  apply, parse cache warm', (s) => fmt(s.fullSyncApplyWarm)));
out.push(row('kernel iptables-restore of the node rules', (s) => fmt(s.kernelRestore)));
out.push(row('our iptables-restore of the node rules', (s) => fmt(s.ourRestore)));
out.push(row('incremental sync (one endpoint change)', (s) => fmt(s.incrementalSync)));
out.push(row('trace to the first Service (w/ reply)', (s) => fmt(s.traceFirst, 'us')));
out.push(row('trace to the last Service (w/ reply)', (s) => fmt(s.traceLast, 'us')));
out.push(row('  the same, warm caches, a new flow each', (s) => fmt(s.traceLastWarm, 'us')));
out.push(row('kernel new connection, first Service', (s) => fmt(s.kernelConnFirst, 'us')));
out.push(row('kernel new connection, last Service', (s) => fmt(s.kernelConnLast, 'us')));
out.push(row('kernel, the trace\'s round trip, first (CPU)', (s) => fmt(s.kernelRoundTripFirst, 'us')));
out.push(row('kernel, the trace\'s round trip, last (CPU)', (s) => fmt(s.kernelRoundTripLast, 'us')));
out.push(row('  the same, wall time', (s) => fmt(s.kernelRoundTripLastWall, 'us')));
out.push(row('traces/s, one thread (pairs sampled)', (s) => s.tracesPerSecond1?.toFixed(1)));
out.push(row(`traces/s, --jobs ${results.machine.cores}`, (s) => s.tracesPerSecondPool?.toFixed(1)));
out.push(row('all pods x all Services (pairs)', (s) => s.allPairs));
out.push(row('peak RSS (MB)', (s) => s.peakRssMB?.toFixed(0)));
out.push('ratios, same run');
out.push(row('  trace first / kernel new connection', (s) => x(results.ratios[s.services].traceFirstOverKernelConn)));
out.push(row('  trace last / kernel new connection', (s) => x(results.ratios[s.services].traceLastOverKernelConn)));
out.push(row('  trace last, warm caches / kernel new conn.', (s) => x(results.ratios[s.services].traceLastWarmOverKernelConn)));
out.push(row('  trace first / kernel round trip (CPU)', (s) => x(results.ratios[s.services].traceFirstOverKernelRoundTrip)));
out.push(row('  trace last / kernel round trip (CPU)', (s) => x(results.ratios[s.services].traceLastOverKernelRoundTrip)));
out.push(row('  trace last, warm / kernel round trip (CPU)', (s) => x(results.ratios[s.services].traceLastWarmOverKernelRoundTrip)));
out.push(row('  full sync / kernel iptables-restore', (s) => x(results.ratios[s.services].fullSyncOverKernelRestore)));
out.push(row('  full sync, parse cache warm / kernel restore', (s) => x(results.ratios[s.services].fullSyncWarmOverKernelRestore)));
out.push(row('  our restore / kernel iptables-restore', (s) => x(results.ratios[s.services].ourRestoreOverKernelRestore)));
out.push(row('  trace last / trace last at S=100', (s) => x(results.ratios[s.services].traceLastOverTraceLastAt100)));
for (const s of results.sizes) if (s.failed) out.push(`failed: ${s.failed}`);
const b = results.big;
out.push('');
out.push(b.failed
  ? `compile of 1,000 nodes x 30 pods x ${bigServices} Services: ${b.failed} (heap limit 2 GB)`
  : `compile of 1,000 nodes x 30 pods x ${bigServices} Services: ${fmt(b.compile, 's')}, heap ${b.compileHeapMB.toFixed(0)} MB, peak RSS ${b.peakRssMB.toFixed(0)} MB`);
if (sizes.some((S) => S > poolMax)) out.push(`traces/s over the pool: left out above ${poolMax} Services (--pool-max)`);
if (results.kernelSkipped) out.push(`kernel columns left out: ${results.kernelSkipped}`);
out.push('every figure: bench/results.json');
if (process.stderr.isTTY) process.stderr.write('\n');
process.stdout.write(`${out.join('\n')}\n`);
if (a.micro) await import('./micro.mjs');
