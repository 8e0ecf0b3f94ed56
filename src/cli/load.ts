import { formatDiagnostic } from '../scenario/diagnostics.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { UsageError } from './usage-error.js';

/** Loads a scenario or fails with every diagnostic (exit 2). */
export function loadOrFail(path: string): Scenario {
  const res = loadScenarioFile(path);
  if (!res.ok) {
    const n = res.diagnostics.length;
    throw new UsageError(`${path}: ${n} error${n === 1 ? '' : 's'}`, res.diagnostics.map(formatDiagnostic));
  }
  for (const w of res.scenario.warnings ?? []) process.stderr.write(`${w.file}:${w.line}:${w.column}: warning: ${w.message}\n`);
  return res.scenario;
}
