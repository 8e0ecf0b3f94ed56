import { formatDiagnostic, formatWarning } from '../scenario/diagnostics.js';
import type { Diagnostic } from '../scenario/diagnostics.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { UsageError } from './usage-error.js';

/** Loads a scenario or fails with every diagnostic (exit 2). */
export function loadOrFail(path: string): Scenario {
  const res = loadScenarioFile(path);
  printWarnings(res.warnings ?? []);
  if (!res.ok) {
    const n = res.diagnostics.length;
    throw new UsageError(`${path}: ${n} error${n === 1 ? '' : 's'}`, res.diagnostics.map(formatDiagnostic));
  }
  return res.scenario;
}

/** Warnings go to stderr, one `file:line:col: warning: ...` line each, and change no exit status. */
export function printWarnings(warnings: readonly Diagnostic[]): void {
  for (const w of warnings) process.stderr.write(`${formatWarning(w)}\n`);
}
