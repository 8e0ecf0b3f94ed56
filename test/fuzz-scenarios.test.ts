// Mutated shipped scenarios (their YAML and their iptables blocks), loaded and run through the CLI's main()
// in-process: no exception ever escapes, every diagnostic points inside the file (a real line, a column on
// it), and the exit status is 0, 1 or 2. Fixed seed, bounded runs and time, so it belongs in `npm test`.

import fc from 'fast-check';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../src/scenario/diagnostics.js';
import { loadScenarioText } from '../src/scenario/load.js';
import { runCli } from './support/run-cli.js';

const ROOT = join(import.meta.dirname, '..');
const SCENARIOS = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).sort();
const TEXTS = SCENARIOS.map((f) => readFileSync(join(ROOT, 'scenarios', f), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'pw-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pieces that break YAML, the scenario's fields, or the Linux syntaxes inside them. */
const YAML_TOKENS = [
  ':', ': ', '- ', '-', '[', ']', '{', '}', ',', '"', "'", '\n', '\n  ', '  ', '\t', '#', '&a ', '*a', '*b', '!!omap ', '!!set ',
  '!!str ', '!!int ', '? ', '|', '>', '---\n', '...\n', '%YAML 1.2\n', 'null', '~', 'true', '0x10', '1e400', '-1', '65536',
  '4294967296', 'é', '\u0000', '\ufeff', '\r\n', 'ééééééééééééééé', 'name', 'from', 'to', 'links', 'routes', 'expect',
];
const LINUX_TOKENS = [
  '10.0.0.300', '10.0.0.0/33', '0.0.0.0/0', '255.255.255.255', 'default', 'via', 'dev', 'onlink', 'table', 'metric',
  'blackhole', 'unreachable', 'nexthop', 'lookup', 'from', 'fwmark', 'lladdr', 'nud', 'permanent', 'self', 'master',
  'tcp/', 'udp/', ':0', ':65536', ':80',
];
const IPTABLES_TOKENS = [
  '*nat\n', '*filter\n', '*raw\n', 'COMMIT\n', ':FOO - [0:0]\n', '-A ', '-I ', '-N ', '-X ', '-F ', '-P ', '-j ', '-g ', '-m ',
  '! ', '-p tcp ', '-p icmp ', '--dport ', '--sport ', '-m statistic --mode random --probability 0.5 ', '-m conntrack --ctstate ',
  'DNAT --to-destination ', 'MASQUERADE', 'RETURN', 'ACCEPT', 'DROP', 'REJECT', 'KUBE-SVC-X', '"', '--comment "a b"',
  '-m set --match-set ', '-s 10.0.0.0/8 ', '-d ', '-i ', '-o ', '0xffffffff', '--to-ports ',
];

type Mutation =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'replace-word'; at: number; text: string }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'swap-lines'; at: number; other: number }
  | { kind: 'iptables'; at: number; text: string };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, text: fc.constantFrom(...YAML_TOKENS, ...LINUX_TOKENS) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, text: fc.string({ maxLength: 6 }) }),
  fc.record({ kind: fc.constant('replace-word' as const), at: position, text: fc.constantFrom(...YAML_TOKENS, ...LINUX_TOKENS) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: position }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: position, other: position }),
  fc.record({ kind: fc.constant('iptables' as const), at: position, text: fc.constantFrom(...IPTABLES_TOKENS) }),
);

function apply(text: string, m: Mutation): string {
  const at = Math.floor(m.at * (text.length + 1));
  const lines = text.split('\n');
  const line = Math.floor(m.at * lines.length);
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'replace-word': {
      const end = text.slice(at).search(/[\s,:\]}]/);
      return text.slice(0, at) + m.text + (end < 0 ? '' : text.slice(at + end));
    }
    case 'duplicate-line':
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    case 'swap-lines': {
      const other = Math.floor(m.other * lines.length);
      [lines[line], lines[other]] = [lines[other], lines[line]];
      return lines.join('\n');
    }
    case 'iptables': {
      // Into a line of an `iptables: |` block when the scenario has one, else anywhere.
      const block = lines.findIndex((l) => /iptables: \|/.test(l));
      if (block < 0) return text.slice(0, at) + m.text + text.slice(at);
      let end = block + 1;
      while (end < lines.length && (lines[end].trim() === '' || /^\s{6,}/.test(lines[end]))) end++;
      const target = block + 1 + Math.floor(m.at * Math.max(1, end - block - 1));
      const l = lines[target] ?? '';
      const cut = Math.floor(m.at * (l.length + 1));
      const indent = /^\s*/.exec(l)?.[0] ?? '';
      lines[target] = cut < indent.length ? indent + m.text + l.slice(indent.length) : l.slice(0, cut) + m.text + l.slice(cut);
      return lines.join('\n');
    }
  }
}

/** Every diagnostic names a line of the file and a column on that line (one past its end at most). */
function outside(text: string, diagnostics: readonly Diagnostic[]): string[] {
  const lines = text.split('\n');
  return diagnostics
    .filter((d) => !(Number.isInteger(d.line) && Number.isInteger(d.column) && d.line >= 1 && d.line <= lines.length
      && d.column >= 1 && d.column <= lines[d.line - 1].length + 1))
    .map((d) => `${d.line}:${d.column} ${d.message} (the file has ${lines.length} lines)`);
}

const mutated = fc.record({
  scenario: fc.integer({ min: 0, max: TEXTS.length - 1 }),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
});

describe('fuzz: mutated shipped scenarios', () => {
  it('load without an exception, with every diagnostic inside the file', () => {
    let n = 0;
    fc.assert(
      fc.property(mutated, ({ scenario, mutations }) => {
        n++;
        const text = mutations.reduce(apply, TEXTS[scenario]);
        const res = loadScenarioText(text, 'fuzz.yaml');
        expect(outside(text, res.ok ? [] : res.diagnostics)).toEqual([]);
        expect(outside(text, res.warnings ?? [])).toEqual([]);
      }),
      { seed: 20261206, numRuns: 120, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: false },
    );
    expect(n).toBeGreaterThan(20);
  });

  it('run through net run and net trace in-process: exit 0, 1 or 2, never a stack trace', () => {
    let n = 0;
    fc.assert(
      fc.property(mutated, ({ scenario, mutations }) => {
        const file = join(dir, `case-${n++}.yaml`);
        writeFileSync(file, mutations.reduce(apply, TEXTS[scenario]));
        for (const args of [['run', file], ['trace', file, '--detail', 'minimal', '--no-reply']]) {
          const r = runCli(...args);
          expect([0, 1, 2]).toContain(r.status);
          expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/);
        }
      }),
      { seed: 20261206, numRuns: 40, interruptAfterTimeLimit: 10_000, markInterruptAsFailure: false },
    );
    expect(n).toBeGreaterThan(5);
  });
});
