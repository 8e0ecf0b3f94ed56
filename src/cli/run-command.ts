import { describeKubeProxySync } from '../cluster/live-kube-proxy.js';
import type { Command } from 'commander';
import { collectScenarioFiles, loadScenarioFile } from '../scenario/load.js';
import { formatDiagnostic } from '../scenario/diagnostics.js';
import { canUseWorkers, defaultJobs, runInline, runPool } from '../sim/index.js';
import { printWarnings } from './load.js';
import { UsageError } from './usage-error.js';
import { argInt } from './parse-args.js';
import * as runTask from './run-task.js';
import type { RunTask, RunTaskInit, RunTaskResult } from './run-task.js';
import { Tally } from './run-task.js';

/** The most threads `--jobs` takes. */
const MAX_JOBS = 64;

export function registerRun(program: Command, out: (s: string) => void): void {
  program
    .command('run')
    .description('run every trace in the scenario files and check its expect: block')
    .argument('<file-or-dir...>', 'scenario files, or directories of *.yaml')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .option('--jobs <n>', 'traces run at once, each thread on its own copy of the World (default: one per core)', argInt('--jobs', 1, MAX_JOBS))
    .addHelpText(
      'after',
      `
A scenario with a timeline: its own traces first, each on the World as built, then the timeline's steps in
order on one World and one virtual clock, each trace checked at its place. A command that fails stops the
timeline there (reported at its file:line:col), and the traces after it count as failed.
In a Cluster, under each change (kubectl, ready:, addNode:, sync: kube-proxy) are what every node's
kube-proxy did: its partial or full sync, the chains it deleted (-X), and the stale UDP conntrack entries
its clean-up deleted.

Independent traces (and each timeline, as one unit) are spread over --jobs worker threads; the output is the
same, in the same order, as with --jobs 1.

Exit status: 0 when every expectation holds, 1 when some trace differs, 2 when a file is not a valid scenario.

Example:
  net run scenarios/                 check every shipped scenario
  net run scenarios/veth-pair.yaml scenarios/nat-router.yaml
  net run scenarios/kube-proxy-stale-udp-cleanup.yaml   a kube-proxy sync and its conntrack clean-up
  net run --jobs 1 scenarios/         the same, in one thread`,
    )
    .action((paths: string[], opts: { seed: number; jobs?: number }): void | Promise<void> => {
      const files = collectScenarioFiles(paths);
      if (files.length === 0) throw new UsageError(`no scenario files in ${paths.join(' ')} (expected *.yaml or *.yml)`);
      const bad: string[] = [];
      // The files' names, each printed before its first task's lines (files without traces: before the next).
      const tasks: RunTask[] = [];
      const heading = new Map<number, string[]>();
      for (const file of files) {
        const res = loadScenarioFile(file);
        printWarnings(res.warnings ?? []);
        if (!res.ok) {
          for (const d of res.diagnostics) bad.push(formatDiagnostic(d));
          continue;
        }
        heading.set(tasks.length, [...(heading.get(tasks.length) ?? []), file]);
        const n = res.scenario.traces.length;
        for (let i = 0; i < n; i++) tasks.push({ file, trace: i });
        if (res.scenario.timeline) tasks.push({ file, timeline: true });
      }
      const tally = new Tally();
      const onResult = (i: number, r: RunTaskResult): void => {
        for (const h of heading.get(i) ?? []) out(h);
        for (const l of r.lines) out(l);
        tally.passed += r.passed;
        tally.failed += r.failed;
        tally.unchecked += r.unchecked;
      };
      const finish = (): void => {
        for (const h of heading.get(tasks.length) ?? []) out(h);
        if (bad.length > 0) throw new UsageError(`${bad.length} error(s) in scenario files`, bad);
        const { passed, failed, unchecked } = tally;
        out(`\n${passed} passed, ${failed} failed${unchecked ? `, ${unchecked} without expectations` : ''} (${files.length} scenario file${files.length === 1 ? '' : 's'})`);
        if (failed > 0) process.exitCode = 1;
      };
      const init: RunTaskInit = { seed: opts.seed };
      const module = new URL('./run-task.js', import.meta.url);
      const jobs = opts.jobs ?? defaultJobs();
      if (jobs <= 1 || tasks.length <= 1 || !canUseWorkers(module)) {
        runInline(runTask, init, tasks, onResult);
        finish();
        return;
      }
      return runPool<RunTaskInit, RunTask, RunTaskResult>(tasks, { module, init, jobs }, onResult).then(finish).catch((e: unknown) => {
        // The thread-pool path ends after main() returned: print as main() would.
        if (e instanceof UsageError) {
          for (const l of e.lines) process.stderr.write(`${l}\n`);
          process.stderr.write(`net: ${e.message}\n`);
          process.exitCode = 2;
        } else throw e;
      });
    });
}
