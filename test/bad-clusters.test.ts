// Every file in bad-clusters/ is a malformed Cluster scenario (or one naming a malformed manifest in
// bad-clusters/manifests/) that starts with `# expect: [FILE:]LINE:COL substring` lines, FILE relative to
// bad-clusters/ for diagnostics located in a manifest. Loading it must fail with exactly those diagnostics.

import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../src/scenario/diagnostics.js';
import { collectScenarioFiles, loadScenarioFile } from '../src/scenario/load.js';

const dir = fileURLToPath(new URL('./bad-clusters/', import.meta.url));
const files = collectScenarioFiles([dir]);

interface Expectation {
  file: string;
  line: number;
  column: number;
  substring: string;
}

function expectationsOf(file: string): Expectation[] {
  const out: Expectation[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# expect: (?:([^\s:]+):)?(\d+):(\d+) (.+)$/.exec(text);
    if (m !== null) out.push({ file: m[1] === undefined ? file : join(dir, m[1]), line: Number(m[2]), column: Number(m[3]), substring: m[4] });
  }
  return out;
}

describe('bad clusters', () => {
  it('has at least 20 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it.each(files.map((f) => [basename(f), f]))('%s fails with the expected diagnostics', (_name, file) => {
    const expectations = expectationsOf(file);
    expect(expectations.length, 'the file starts with # expect: lines').toBeGreaterThan(0);
    const result = loadScenarioFile(file);
    expect(result.ok).toBe(false);
    const diagnostics = result.ok ? [] : result.diagnostics;
    const matches = (e: Expectation, d: (typeof diagnostics)[number]) =>
      d.file === e.file && d.line === e.line && d.column === e.column && d.message.includes(e.substring);
    const unmatched = expectations.filter((e) => !diagnostics.some((d) => matches(e, d)));
    const unexplained = diagnostics.filter((d) => !expectations.some((e) => matches(e, d)));
    expect({
      unmatched: unmatched.map((e) => `${e.file}:${e.line}:${e.column} ${e.substring}`),
      unexplained: unexplained.map(formatDiagnostic),
    }).toEqual({ unmatched: [], unexplained: [] });
  });

  it('exits 2 from the CLI with file:line:col', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['dist/cli/main.js', 'run', join(dir, '09-pod-unknown-node.yaml')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/09-pod-unknown-node\.yaml:\d+:\d+: error: pod "default\/web": spec\.nodeName: no node "node-c"/);
  });
});
