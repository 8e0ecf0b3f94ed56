// The `net` command as users run it: the built entry point (npm test builds first), real exit codes.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NET = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const ROOT = join(import.meta.dirname, '..');

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('net run', () => {
  it('checks every expectation of the shipped scenarios and exits 0', () => {
    const r = net('run', 'scenarios/');
    // Only warnings (a manifest's ConfigMap is skipped, and says so): no error.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !/:\d+:\d+: warning: /.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ passed, 0 failed/m);
    expect(r.stdout).not.toContain('without expectations');
  });

  it('exits 1 and names the field when an expectation fails', () => {
    const r = net('run', 'test/fixtures/wrong-expectation.yaml');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAIL');
    expect(r.stdout).toContain('disposition: expected DROPPED, got DELIVERED');
  });
});

describe('bad scenario files', () => {
  const dir = join(ROOT, 'test', 'bad-scenarios');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

  it('has at least 30 of them', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s: located diagnostics, exit 2, no stack trace', (f) => {
    const r = net('run', join('test', 'bad-scenarios', f));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`bad-scenarios/${f.replace('.', '\\.')}:\\d+:\\d+: error: `));
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
  });
});

describe('net trace', () => {
  it('prints the hop-by-hop trace of the default scenario', () => {
    const r = net('trace', 'scenarios/router-between-subnets.yaml', '--name', "left connects to right's web server");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('router  eth1  forward');
    expect(r.stdout).toContain('ttl 64 -> 63');
    expect(r.stdout).toContain('reply (syn-ack):');
  });

  it('traces an ad-hoc packet to a namespace name, as JSON', () => {
    const r = net('trace', 'scenarios/ttl-exceeded.yaml', '--from', 'src', '--to', 'dst', '--proto', 'icmp', '--ttl', '2', '-o', 'json');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.schema).toBe('packetwalk.trace/v1');
    expect(t.disposition).toBe('TTL_EXCEEDED');
    expect(t.icmp.from).toBe('10.0.12.2');
  });

  it.each([
    [['--proto', 'dccp'], '--proto must be one of tcp, udp, icmp, sctp'],
    [['--from', 'left', '--to', '10.0.2.2:80', '--ttl', '0'], '--ttl must be in 1..255'],
    [['--from', 'nowhere', '--to', '10.0.2.2:80'], 'no namespace "nowhere"'],
    [['--from', 'left', '--to', 'elsewhere'], 'neither an address'],
    [['--from', 'left', '--to', '10.0.2.2'], 'tcp needs a port'],
    [['--name', 'no such trace'], 'no trace "no such trace"'],
  ])('rejects %j with exit 2', (args, message) => {
    const r = net('trace', 'scenarios/router-between-subnets.yaml', ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('net route-get', () => {
  it('prints what ip route get prints', () => {
    const r = net('route-get', 'scenarios/router-between-subnets.yaml', 'left', '10.0.2.2');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('10.0.2.2 via 10.0.1.1 dev eth0 src 10.0.1.2 uid 0\n    cache\n');
  });

  it('answers for an arriving packet with iif', () => {
    const r = net('route-get', 'scenarios/router-between-subnets.yaml', 'router', '10.0.2.2', 'from', '10.0.1.2', 'iif', 'eth0');
    expect(r.stdout).toBe('10.0.2.2 from 10.0.1.2 dev eth1\n    cache iif eth0\n');
  });

  it('prints the kernel error and exits 2 when there is no route', () => {
    const r = net('route-get', 'scenarios/router-forwarding-off.yaml', 'router', '10.0.2.2', 'from', '10.0.1.2', 'iif', 'eth0');
    expect(r.stdout).toBe('RTNETLINK answers: No route to host\n');
    expect(r.status).toBe(2);
  });
});

describe('net show', () => {
  it('prints routes like ip route', () => {
    const r = net('show', 'scenarios/router-between-subnets.yaml', 'left', 'route');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('default via 10.0.1.1 dev eth0 \n10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2 \n');
  });

  it('shows what the bridge learned after a trace', () => {
    const r = net('show', 'scenarios/bridge-learning.yaml', 'switch', 'fdb', '--after', 'a connects to c through the bridge');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ dev port-a master br0 \n/);
    expect(r.stdout).toMatch(/ dev port-c master br0 \n/);
  });
});
