import type { Command } from 'commander';
import { collectScenarioFiles, loadScenarioFile } from '../scenario/load.js';
import { formatDiagnostic } from '../scenario/diagnostics.js';
import { checkExpectations } from '../scenario/expect.js';
import { exploreTraceBranches, runTrace } from '../trace/index.js';
import { printWarnings } from './load.js';
import { UsageError } from './usage-error.js';
import { argInt } from './parse-args.js';

export function registerRun(program: Command, out: (s: string) => void): void {
  program
    .command('run')
    .description('run every trace in the scenario files and check its expect: block')
    .argument('<file-or-dir...>', 'scenario files, or directories of *.yaml')
    .option('--seed <n>', 'seed for random choices', argInt('--seed', 0, 2 ** 32 - 1), 1)
    .addHelpText(
      'after',
      `
Exit status: 0 when every expectation holds, 1 when some trace differs, 2 when a file is not a valid scenario.

Example:
  net run scenarios/                 check every shipped scenario
  net run my-topology.yaml`,
    )
    .action((paths: string[], opts: { seed: number }) => {
      const files = collectScenarioFiles(paths);
      if (files.length === 0) throw new UsageError(`no scenario files in ${paths.join(' ')} (expected *.yaml or *.yml)`);
      let passed = 0;
      let failed = 0;
      let unchecked = 0;
      const bad: string[] = [];
      for (const file of files) {
        const res = loadScenarioFile(file);
        printWarnings(res.warnings ?? []);
        if (!res.ok) {
          for (const d of res.diagnostics) bad.push(formatDiagnostic(d));
          continue;
        }
        out(`${file}`);
        for (const t of res.scenario.traces) {
          const seeded = runTrace(res.scenario.world, t, { seed: opts.seed });
          // An expectation on branches needs every outcome of the random rules, not the seed's one.
          const trace = t.expect?.branches
            ? { ...seeded, branches: exploreTraceBranches(res.scenario.world, t, { seed: opts.seed }).branches }
            : seeded;
          const summary = `${trace.disposition}${trace.reason ? ` (${trace.reason})` : ''}`;
          if (!t.expect) {
            unchecked++;
            out(`  -  ${t.name}: ${summary} (no expect)`);
            continue;
          }
          const problems = checkExpectations(trace, t.expect);
          if (problems.length === 0) {
            passed++;
            out(`  ok  ${t.name}: ${summary}`);
          } else {
            failed++;
            out(`  FAIL ${t.name}: ${summary}`);
            for (const p of problems) out(`       ${p}`);
          }
        }
      }
      if (bad.length > 0) throw new UsageError(`${bad.length} error(s) in scenario files`, bad);
      out(`\n${passed} passed, ${failed} failed${unchecked ? `, ${unchecked} without expectations` : ''} (${files.length} scenario file${files.length === 1 ? '' : 's'})`);
      if (failed > 0) process.exitCode = 1;
    });
}
