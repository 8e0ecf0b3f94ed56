// `net run --jobs N` spreads a run's traces over worker threads: the built CLI (npm test builds first) must print
// exactly what one thread prints, in the same order, over every shipped scenario and over a failing and a bad
// file; and the pool itself hands results back in task order whatever order the threads finish in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const NET = join(ROOT, 'dist', 'cli', 'main.js');

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('net run --jobs', () => {
  it('gives byte-identical output and status on every shipped scenario with 1 and 3 threads', () => {
    const one = net('run', '--jobs', '1', 'scenarios/');
    const three = net('run', '--jobs', '3', 'scenarios/');
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/\d+ passed, 0 failed \(\d+ scenario files\)/);
    expect(three.status).toBe(one.status);
    expect(three.stdout).toBe(one.stdout);
    expect(three.stderr).toBe(one.stderr);
  }, 240_000);

  it('keeps a failing trace and a bad file in their places, with the same exit status', () => {
    const files = ['scenarios/veth-pair.yaml', 'test/fixtures/wrong-expectation.yaml', 'test/bad-scenarios', 'scenarios/nat-router.yaml'];
    const one = net('run', '--jobs', '1', ...files);
    const two = net('run', '--jobs', '2', ...files);
    expect(one.status).toBe(2);
    expect(one.stdout).toContain('FAIL');
    expect(two.status).toBe(one.status);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
  }, 240_000);

  it('rejects --jobs 0 as a usage error', () => {
    const r = net('run', '--jobs', '0', 'scenarios/veth-pair.yaml');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--jobs must be in 1..64');
  });
});

describe('runPool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-pool-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands results back in task order when later tasks finish first', async () => {
    // Task i spins longer the smaller i is, so the threads finish out of order.
    const mod = join(dir, 'spin-task.mjs');
    writeFileSync(mod, `export function createHandler(init) {
  return (t) => { const end = Date.now() + (init.n - t) * 3; while (Date.now() < end); return { i: t, sq: t * t }; };
}\n`);
    const { runPool } = (await import(pathToFileURL(join(ROOT, 'dist', 'sim', 'worker-pool.js')).href)) as typeof import('../src/sim/worker-pool.js');
    const tasks = Array.from({ length: 20 }, (_, i) => i);
    const seen: number[] = [];
    await runPool<{ n: number }, number, { i: number; sq: number }>(tasks, { module: pathToFileURL(mod), init: { n: 20 }, jobs: 3 }, (i, r) => {
      expect(r).toEqual({ i, sq: i * i });
      seen.push(i);
    });
    expect(seen).toEqual(tasks);
  });

  it('rejects with the message of a task that throws', async () => {
    const mod = join(dir, 'throw-task.mjs');
    writeFileSync(mod, 'export function createHandler() { return (t) => { if (t === 3) throw new Error(\'task three broke\'); return t; }; }\n');
    const { runPool } = (await import(pathToFileURL(join(ROOT, 'dist', 'sim', 'worker-pool.js')).href)) as typeof import('../src/sim/worker-pool.js');
    await expect(runPool([1, 2, 3, 4], { module: pathToFileURL(mod), init: null, jobs: 2 }, () => undefined)).rejects.toThrow('task three broke');
  });
});
