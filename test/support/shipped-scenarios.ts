// Every scenario the repository ships (scenarios/) and its test fixtures, loaded: the set the whole-suite
// equivalence tests (shared World, branch sharing) run over.
import { join } from 'node:path';
import { collectScenarioFiles, loadScenarioFile } from '../../src/scenario/load.js';
import type { Scenario } from '../../src/scenario/model.js';

const root = join(import.meta.dirname, '..', '..');
const DIRS = ['scenarios', 'test/fixtures', 'test/kernel/fixtures'].map((d) => join(root, d));

export function shippedScenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const file of collectScenarioFiles(DIRS)) {
    const res = loadScenarioFile(file);
    if (!res.ok) throw new Error(`${file} must load: ${res.diagnostics.map((d) => d.message).join('; ')}`);
    out.push(res.scenario);
  }
  return out;
}
