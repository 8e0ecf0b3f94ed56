import { describeKubeProxySync } from '../cluster/live-kube-proxy.js';
import type { Command } from 'commander';
import { collectScenarioFiles, loadScenarioFile } from '../scenario/load.js';
import { formatDiagnostic } from '../scenario/diagnostics.js';
import { checkExpectations } from '../scenario/expect.js';
import { exploreTraceBranches } from '../trace/index.js';
import { runScenarioTrace } from '../scenario/run-scenario-trace.js';
import type { CompiledCluster } from '../cluster/compile.js';
import { buildWorld } from '../kernel/index.js';
import type { WorldSpec } from '../kernel/index.js';
import type { ExpectSpec, SourceLocation, TimelineStep } from '../scenario/model.js';
import { runTimeline } from '../scenario/run-timeline.js';
import type { Trace } from '../trace/index.js';
import { printWarnings } from './load.js';
import { UsageError } from './usage-error.js';
import { annotateTrace, chainTexts } from '../cluster/annotate-trace.js';
import { argInt } from './parse-args.js';

class Tally {
  passed = 0;
  failed = 0;
  unchecked = 0;

  add(r: 'passed' | 'failed' | 'unchecked'): void {
    this[r]++;
  }
}

/** One trace's line (and its problems); `tag` places it in a timeline. */
function report(name: string, trace: Trace, expect: ExpectSpec | undefined, tag: string, out: (s: string) => void): 'passed' | 'failed' | 'unchecked' {
  const d = trace.dns;
  // A trace to a name: the lookup first, then the fate of the last packet sent (the connection, or the last query).
  const lookup = d === undefined ? '' : d.result === 'found' ? `${d.name} -> ${d.address} (${d.queries.length} DNS queries), ` : `${d.name}: ${d.result} after ${d.queries.length} DNS queries, last query `;
  const summary = `${lookup}${trace.disposition}${trace.reason ? ` (${trace.reason})` : ''}`;
  if (!expect) {
    out(`  -  ${tag}${name}: ${summary} (no expect)`);
    return 'unchecked';
  }
  const problems = checkExpectations(trace, expect);
  if (problems.length === 0) {
    out(`  ok  ${tag}${name}: ${summary}`);
    return 'passed';
  }
  out(`  FAIL ${tag}${name}: ${summary}`);
  for (const p of problems) out(`       ${p}`);
  return 'failed';
}

/** The timeline, step by step: each trace checked at its point, a failed command at its place in the file. */
function runTimelineReported(
  file: string,
  spec: WorldSpec,
  steps: readonly TimelineStep[],
  seed: number,
  tally: Tally,
  out: (s: string) => void,
  annotate: (t: Trace) => Trace,
  cluster?: CompiledCluster,
): void {
  out('  timeline:');
  // After a Cluster change, hops and receivers are named by the cluster as it is then.
  let named = annotate;
  const run = runTimeline(spec, steps, {
    seed,
    ...(cluster === undefined ? {} : { cluster }),
    onEvent: (e) => {
      const tag = `[${e.index + 1}] `;
      switch (e.kind) {
        case 'trace':
          tally.add(report(e.step.trace.name, named(e.trace), e.step.trace.expect, tag, out));
          break;
        case 'cluster': {
          const owners = e.step.cluster.owners;
          named = (t) => annotateTrace(t, owners);
          const r = e.report;
          const parts = [r.added.length ? `+${r.added.join(' +')}` : '', r.removed.length ? `-${r.removed.join(' -')}` : ''].filter((x) => x !== '');
          out(`  ..  ${tag}${e.step.text}${parts.length ? ` (namespaces ${parts.join(' ')})` : ''}`);
          for (const s of e.kubeProxy) for (const l of describeKubeProxySync(s)) out(`        ${l}`);
          break;
        }
        case 'run':
          if (e.stderr.length === 0) out(`  ..  ${tag}${e.step.netns}: ${e.step.command.text}`);
          else {
            tally.add('failed');
            out(`  FAIL ${tag}${e.step.netns}: ${e.step.command.text}`);
            out(`       ${formatLocation(e.step.at)}: the command failed:`);
            for (const l of e.stderr) out(`       ${l}`);
          }
          break;
        case 'sleep':
          out(`  ..  ${tag}sleep ${e.step.text} (now ${formatSeconds(e.now)})`);
          break;
        case 'point':
          out(`  ..  ${tag}point ${e.step.name} (at ${formatSeconds(e.now)})`);
          break;
      }
    },
  });
  if (run.failedAt !== undefined) {
    const left = steps.slice(run.failedAt + 1).filter((s) => s.kind === 'trace');
    for (const s of left) if (s.kind === 'trace') out(`  --  ${s.trace.name}: not run (the timeline stopped at step ${run.failedAt + 1} of ${file})`);
    for (let i = 0; i < left.length; i++) tally.add('failed');
  }
}

function formatLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.column}`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

export function registerRun(program: Command, out: (s: string) => void): void {
  program
    .command('run')
    .description('run every trace in the scenario files and check its expect: block')
    .argument('<file-or-dir...>', 'scenario files, or directories of *.yaml')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .addHelpText(
      'after',
      `
A scenario with a timeline: its own traces first, each on the World as built, then the timeline's steps in
order on one World and one virtual clock, each trace checked at its place. A command that fails stops the
timeline there (reported at its file:line:col), and the traces after it count as failed.
In a Cluster, under each change (kubectl, ready:, addNode:, sync: kube-proxy) are what every node's
kube-proxy did: its partial or full sync, the chains it deleted (-X), and the stale UDP conntrack entries
its clean-up deleted.

Exit status: 0 when every expectation holds, 1 when some trace differs, 2 when a file is not a valid scenario.

Example:
  net run scenarios/                 check every shipped scenario
  net run scenarios/veth-pair.yaml scenarios/nat-router.yaml
  net run scenarios/kube-proxy-stale-udp-cleanup.yaml   a kube-proxy sync and its conntrack clean-up`,
    )
    .action((paths: string[], opts: { seed: number }) => {
      const files = collectScenarioFiles(paths);
      if (files.length === 0) throw new UsageError(`no scenario files in ${paths.join(' ')} (expected *.yaml or *.yml)`);
      const tally = new Tally();
      const bad: string[] = [];
      for (const file of files) {
        const res = loadScenarioFile(file);
        printWarnings(res.warnings ?? []);
        if (!res.ok) {
          for (const d of res.diagnostics) bad.push(formatDiagnostic(d));
          continue;
        }
        out(`${file}`);
        // One World per scenario; each trace runs on a checkpoint of it.
        const world = buildWorld(res.scenario.world);
        const cluster = res.scenario.cluster;
        const annotate = (t: Trace): Trace => (cluster ? annotateTrace(t, cluster.owners, chainTexts(cluster)) : t);
        for (const t of res.scenario.traces) {
          const plain = runScenarioTrace(world, cluster, t, { seed: opts.seed }).trace;
          const seeded = annotate(plain);
          // An expectation on branches needs every outcome of the random rules, not the seed's one.
          const trace = t.expect?.branches
            ? { ...seeded, branches: exploreTraceBranches(world, t, { seed: opts.seed }).branches }
            : seeded;
          tally.add(report(t.name, trace, t.expect, '', out));
        }
        if (res.scenario.timeline) runTimelineReported(res.scenario.file, res.scenario.world, res.scenario.timeline, opts.seed, tally, out, annotate, cluster);
      }
      if (bad.length > 0) throw new UsageError(`${bad.length} error(s) in scenario files`, bad);
      const { passed, failed, unchecked } = tally;
      out(`\n${passed} passed, ${failed} failed${unchecked ? `, ${unchecked} without expectations` : ''} (${files.length} scenario file${files.length === 1 ? '' : 's'})`);
      if (failed > 0) process.exitCode = 1;
    });
}
