// One unit of `net run`: a scenario's trace (by index) or its whole timeline, run and reported as the lines
// `net run` prints. The task module of the worker pool (sim/worker-pool.ts): `--jobs 1` runs it in the CLI's
// thread, `--jobs N` in worker threads; either way the lines come back in task order, byte for byte the same.

import { loadScenarioFile } from '../scenario/load.js';
import { checkExpectations } from '../scenario/expect.js';
import { exploreTraceBranches, withBranches } from '../trace/index.js';
import { runScenarioTrace } from '../scenario/run-scenario-trace.js';
import type { CompiledCluster } from '../cluster/compile.js';
import { describeKubeProxySync } from '../cluster/live-kube-proxy.js';
import { buildWorld } from '../kernel/index.js';
import type { World, WorldSpec } from '../kernel/index.js';
import type { ExpectSpec, Scenario, SourceLocation, TimelineStep } from '../scenario/model.js';
import { runTimeline } from '../scenario/run-timeline.js';
import type { Trace } from '../trace/index.js';
import { annotateTrace, chainTexts } from '../cluster/annotate-trace.js';

export interface RunTaskInit {
  seed: number;
}

/** A trace of a scenario file (its index in `traces`), or the file's timeline. */
export type RunTask = { file: string; trace: number } | { file: string; timeline: true };

export interface RunTaskResult {
  lines: string[];
  passed: number;
  failed: number;
  unchecked: number;
}

export class Tally {
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

/**
 * The handler of a thread: it keeps the last scenario it loaded and its World (built once, each trace on a
 * checkpoint of it), so consecutive tasks of one file share them.
 */
export function createHandler(init: RunTaskInit): (task: RunTask) => RunTaskResult {
  let cached: { file: string; scenario: Scenario; world: World } | undefined;
  const load = (file: string): { scenario: Scenario; world: World } => {
    if (cached?.file === file) return cached;
    const res = loadScenarioFile(file);
    // The CLI loaded the file before making tasks of it; it cannot have changed into an invalid one.
    if (!res.ok) throw new Error(`invariant: ${file} loaded before but not now`);
    cached = { file, scenario: res.scenario, world: buildWorld(res.scenario.world) };
    return cached;
  };
  return (task) => {
    const { scenario, world } = load(task.file);
    const tally = new Tally();
    const lines: string[] = [];
    const out = (s: string): void => {
      lines.push(s);
    };
    const cluster = scenario.cluster;
    const annotate = (t: Trace): Trace => (cluster ? annotateTrace(t, cluster.owners, chainTexts(cluster)) : t);
    if ('trace' in task) {
      const t = scenario.traces[task.trace];
      const seeded = annotate(runScenarioTrace(world, cluster, t, { seed: init.seed }).trace);
      // An expectation on branches needs every outcome of the random rules, not the seed's one.
      const trace = t.expect?.branches ? withBranches(seeded, exploreTraceBranches(world, t, { seed: init.seed })) : seeded;
      tally.add(report(t.name, trace, t.expect, '', out));
    } else if (scenario.timeline) {
      runTimelineReported(scenario.file, scenario.world, scenario.timeline, init.seed, tally, out, annotate, cluster);
    }
    return { lines, passed: tally.passed, failed: tally.failed, unchecked: tally.unchecked };
  };
}
