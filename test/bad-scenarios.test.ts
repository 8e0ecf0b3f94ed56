// Every file in bad-scenarios/ is a malformed scenario that starts with `# expect: LINE:COL substring`
// lines. Loading it must fail with exactly the diagnostics listed: each expectation matched by a diagnostic
// at that position whose message contains the substring, and no diagnostic left unexplained.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../src/scenario/diagnostics.js';
import { collectScenarioFiles, loadScenarioFile } from '../src/scenario/load.js';

const dir = fileURLToPath(new URL('./bad-scenarios/', import.meta.url));
const files = collectScenarioFiles([dir]);

interface Expectation {
  line: number;
  column: number;
  substring: string;
}

function expectationsOf(file: string): Expectation[] {
  const out: Expectation[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# expect: (\d+):(\d+) (.+)$/.exec(text);
    if (m !== null) out.push({ line: Number(m[1]), column: Number(m[2]), substring: m[3] });
  }
  return out;
}

describe('bad scenarios', () => {
  it('has at least 35 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(35);
  });

  it.each(files.map((f) => [basename(f), f]))('%s fails with the expected diagnostics', (_name, file) => {
    const expectations = expectationsOf(file);
    expect(expectations.length, 'the file starts with # expect: lines').toBeGreaterThan(0);
    const result = loadScenarioFile(file);
    expect(result.ok).toBe(false);
    const diagnostics = result.ok ? [] : result.diagnostics;
    const matches = (e: Expectation, d: (typeof diagnostics)[number]) =>
      d.line === e.line && d.column === e.column && d.message.includes(e.substring);
    const unmatched = expectations.filter((e) => !diagnostics.some((d) => matches(e, d)));
    const unexplained = diagnostics.filter((d) => !expectations.some((e) => matches(e, d)));
    expect({
      unmatched: unmatched.map((e) => `${e.line}:${e.column} ${e.substring}`),
      unexplained: unexplained.map(formatDiagnostic),
    }).toEqual({ unmatched: [], unexplained: [] });
  });
});
