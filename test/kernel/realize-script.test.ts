// `net realize` as a user runs it: the printed script, piped to `bash -s up`, builds veth-pair with its TCP
// listener, a connection from the other namespace is accepted, and `bash -s down` removes the namespaces and
// kills exactly the listener processes it started. Needs root, iproute2, python3 and a built dist/ (npm run
// build); without them the suite is skipped with the reason, or fails when PACKETWALK_KERNEL=required.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';

import { kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { listenerPidFile } from '../../src/oracle/realize.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = 'pwrl-';
const CLI = 'dist/cli/main.js';
const SCENARIO = 'scenarios/veth-pair.yaml';

/** dist/ older than the source would test yesterday's script. */
function distProblem(): string | undefined {
  if (!existsSync(CLI)) return `no ${CLI} (npm run build)`;
  const built = 'dist/oracle/realize.js';
  if (!existsSync(built) || statSync(built).mtimeMs < statSync('src/oracle/realize.ts').mtimeMs) {
    return `${built} is older than src/oracle/realize.ts (npm run build)`;
  }
  return undefined;
}

const unavailable = kernelUnavailable(`${PREFIX}probe`)
  ?? distProblem()
  ?? (runSync('python3', ['--version'], 5000).missing ? 'no python3' : undefined);
if (unavailable !== undefined) console.warn(`net realize script test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('net realize script (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

/** `net realize SCENARIO --prefix pwrl- | bash -s ACTION`, bounded. */
function realize(action: 'up' | 'down'): { code: number | null; stderr: string } {
  const script = spawnSync(process.execPath, [CLI, 'realize', SCENARIO, '--prefix', PREFIX], { encoding: 'utf8', timeout: 30_000 });
  if (script.status !== 0) return { code: script.status, stderr: script.stderr };
  const r = spawnSync('bash', ['-s', action], { input: script.stdout, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

/** Running, not a zombie: an orphan's parent (here, maybe PID 1) may never reap it. */
function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe.skipIf(unavailable !== undefined)(`net realize script${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  const pidFile = listenerPidFile(PREFIX);
  const started: number[] = [];

  afterAll(() => {
    // A safety net, by our prefix and our PIDs only.
    for (const pid of started.filter(pidAlive)) process.kill(pid, 'SIGKILL');
    for (const n of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', n], 10_000);
  });

  it('up starts the listener, a TCP connect succeeds, down removes namespaces and listeners', () => {
    expect(netnsWithPrefix(PREFIX), 'no leftovers of an earlier run').toEqual([]);
    const up = realize('up');
    expect(up.code, up.stderr).toBe(0);
    started.push(...readFileSync(pidFile, 'utf8').split('\n').filter((l) => l !== '').map(Number));
    expect(started).toHaveLength(1);
    expect(started.every(pidAlive)).toBe(true);

    const connect = runSync('ip', ['netns', 'exec', `${PREFIX}a`, 'timeout', '3', 'bash', '-c', 'exec 3<>/dev/tcp/192.168.10.2/8080'], 10_000);
    expect(connect.code, connect.err).toBe(0);

    const down = realize('down');
    expect(down.code, down.stderr).toBe(0);
    expect(netnsWithPrefix(PREFIX)).toEqual([]);
    expect(started.filter(pidAlive)).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
  }, 120_000);
});
