// Every example a user can copy runs as printed: the `net` lines of each command's --help and of the code
// blocks in README.md and docs/. The net part of a pipeline (`net realize X | sudo bash -s up`) is run on its
// own; examples that need root (`sudo net verify ...`) run when the kernel suite can, else are listed as skipped
// with the reason.

import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelUnavailable, runSync } from '../src/oracle/environment.js';

const ROOT = join(import.meta.dirname, '..');
const NET = join(ROOT, 'dist', 'cli', 'main.js');
const COMMANDS = ['run', 'trace', 'show', 'route-get', 'realize', 'verify', 'serve', 'reach'];

function net(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Splits a shell line into words as sh does for the quoting examples use ('...', "...", no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced quote in example: ${line}`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** `net dns serve ...` and the like run until stopped. */
/**
 * Starts a server example, waits (at most 45 s, however loaded the machine) until it says where it listens,
 * then ends it with SIGTERM and collects what it printed.
 */
function serveUntilListening(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [NET, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const stop = (): void => { child.kill('SIGTERM'); };
    const bound = setTimeout(stop, 45_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (/ on 127\.0\.0\.1 port \d+/.test(stdout)) stop();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('close', (status, signal) => {
      clearTimeout(bound);
      resolve({ stdout, stderr, status, signal });
    });
  });
}

function isServer(args: readonly string[]): boolean {
  return args[0] === 'serve' || (args[0] === 'dns' && args[1] === 'serve');
}

interface Example {
  where: string;
  line: string;
  /** The words after `net`, up to a pipe, redirection or `&&`. */
  args: string[];
  root: boolean;
}

/** The `net` invocation in an example line, or undefined when the line is not one. */
function exampleOf(where: string, raw: string): Example | undefined {
  // Help texts explain an example after two or more spaces; docs use "$ " prompts.
  const line = raw.trim().replace(/^\$ /, '').split(/ {2,}/)[0].trim();
  const m = /^(sudo )?(npx )?net (.*)$/.exec(line);
  if (m === null) return undefined;
  const words = shellWords(m[3]);
  const stop = words.findIndex((w) => w === '|' || w === '>' || w === '&&' || w.startsWith('>'));
  return { where, line, args: stop < 0 ? words : words.slice(0, stop), root: m[1] !== undefined };
}

function helpExamples(): Example[] {
  const out: Example[] = [];
  for (const cmd of COMMANDS) {
    const help = net([cmd, '--help']).stdout;
    for (const l of help.split('\n')) {
      const e = exampleOf(`net ${cmd} --help`, l);
      if (e !== undefined) out.push(e);
    }
  }
  return out;
}

function docExamples(): Example[] {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
  const out: Example[] = [];
  for (const f of files) {
    let inBlock = false;
    for (const l of readFileSync(join(ROOT, f), 'utf8').split('\n')) {
      if (/^\s*```/.test(l)) {
        inBlock = !inBlock;
        continue;
      }
      if (!inBlock) continue;
      const e = exampleOf(f, l);
      if (e !== undefined) out.push(e);
    }
  }
  return out;
}

const examples = [...helpExamples(), ...docExamples()];
const unavailable = kernelUnavailable(`pwex${process.pid}`);
const plain = examples.filter((e) => !e.root);
const rooted = examples.filter((e) => e.root);

describe('examples in --help and docs', () => {
  it('finds examples in every command and in the docs', () => {
    for (const cmd of COMMANDS) expect(examples.some((e) => e.where === `net ${cmd} --help`), cmd).toBe(true);
    expect(examples.some((e) => e.where.startsWith('docs/'))).toBe(true);
  });

  it.each(plain.map((e) => [`${e.where}: ${e.line}`, e] as const))('%s', async (_name, e) => {
    if (isServer(e.args)) {
      // A server runs until stopped: it must come up and say where it listens, then SIGTERM ends it cleanly.
      const r = await serveUntilListening(e.args);
      expect(r.stdout).toMatch(/ on 127\.0\.0\.1 port \d+/);
      expect(r.stderr.split('\n').filter((l) => l !== '' && !/:\d+:\d+: warning: /.test(l))).toEqual([]);
      return;
    }
    const r = net(e.args);
    // Warnings (file:line:col: warning: ...) may be printed; nothing else.
    const errors = r.stderr.split('\n').filter((l) => l !== '' && !/:\d+:\d+: warning: /.test(l));
    expect({ status: r.status, errors }).toEqual({ status: 0, errors: [] });
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});

if (unavailable !== undefined) {
  console.log(`examples that need root skipped (${unavailable}): ${rooted.map((e) => e.line).join(' | ')}`);
}

describe.skipIf(unavailable !== undefined)(`examples that need root${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  it.each(rooted.map((e) => [`${e.where}: ${e.line}`, e] as const))('%s', (_name, e) => {
    const r = net(e.args);
    try {
      expect({ status: r.status, stderr: r.stderr.replace(/^.*\r/gm, '') }).toMatchObject({ status: 0 });
    } finally {
      // --keep prints the commands that remove what it left: run them, so nothing outlives the test.
      for (const m of `${r.stdout}\n${r.stderr}`.matchAll(/ip netns del(?:ete)? '?([\w.-]+)'?/g)) runSync('ip', ['netns', 'del', m[1]], 10_000);
    }
  });
});

describe('README', () => {
  it('lists every shipped scenario in its table', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml') && !readme.includes(`\`${f}\``));
    expect(missing).toEqual([]);
  });
});
