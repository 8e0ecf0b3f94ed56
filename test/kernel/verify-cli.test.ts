// `net verify` as a user runs it: bad input and a missing root exit 2 with a message, SIGTERM mid-run tears
// everything down before exiting, and --keep leaves the namespaces with the commands that remove them.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwk${process.pid}xc`;
const CLI = 'dist/cli/main.js';
const unavailable = kernelUnavailable(`${PREFIX}probe`)
  ?? (existsSync(CLI) ? undefined : `no ${CLI} (npm run build)`)
  ?? (runSync('setpriv', ['--version'], 5000).missing ? 'no setpriv (util-linux)' : undefined);

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

if (REQUIRED && unavailable !== undefined) {
  describe('net verify (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`net verify${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('exits 2 on bad input', () => {
    expect(cli(['verify', 'no/such/file.yaml']).code).toBe(2);
    const r = cli(['verify', 'scenarios/veth-pair.yaml', '--name', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--name: no trace "nope"');
    expect(cli(['verify', 'scenarios/veth-pair.yaml', '--prefix', 'bad prefix']).code).toBe(2);
  });

  it('exits 2 with a clear message when not root', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'verify', 'scenarios/veth-pair.yaml',
      '--prefix', `${PREFIX}u-`], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('net verify needs root');
  });

  it('tears down on SIGTERM and exits 143', async () => {
    const prefix = `${PREFIX}s-`;
    // The neighbour that never answers keeps its trace busy for seconds: time to send the signal mid-probe.
    const child = spawn(process.execPath, [CLI, 'verify', 'scenarios/veth-pair.yaml', '--prefix', prefix, '--jobs', '4']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code, sig) => resolve(code ?? (sig === null ? null : -1))));
    const deadline = Date.now() + 20_000;
    // Quick traces build and remove their namespaces within a poll: remember that some were seen at all.
    let seen = 0;
    while (seen === 0 && Date.now() < deadline) {
      seen = netnsWithPrefix(prefix).length;
      if (seen === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen, stderr).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('SIGTERM');
    expect(netnsWithPrefix(prefix)).toEqual([]);
  }, 40_000);

  it('--keep leaves the namespaces, refuses to reuse the prefix, and prints how to remove them', () => {
    const prefix = `${PREFIX}k-`;
    const r = cli(['verify', 'scenarios/veth-pair.yaml', '--name', 'a pings b', '--keep', '--prefix', prefix]);
    expect(r.code, r.stderr).toBe(0);
    expect(netnsWithPrefix(prefix).sort()).toEqual([`${prefix}1-a`, `${prefix}1-b`]);
    const again = cli(['verify', 'scenarios/veth-pair.yaml', '--prefix', prefix]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exist already');
    const remove = r.stderr.split('\n').filter((l) => l.startsWith('  ip netns del')).join('\n');
    expect(remove).not.toBe('');
    expect(spawnSync('bash', ['-c', remove]).status).toBe(0);
    expect(netnsWithPrefix(prefix)).toEqual([]);
  }, 40_000);
});
