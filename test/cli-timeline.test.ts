// `net run`, `net trace --at` and `net show --at` on timelines, as users run them (the built entry point).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NET = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const ROOT = join(import.meta.dirname, '..');

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('net run with a timeline', () => {
  it('reports each step and checks each trace at its place', () => {
    const r = net('run', 'scenarios/udp-dnat-conntrack-delete.yaml');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('  ok  [1] query: DELIVERED');
    expect(r.stdout).toContain('  ..  [6] router: conntrack -D -p udp --orig-dst 10.0.1.1');
    expect(r.stdout).toContain('  ok  [8] query: DELIVERED');
    expect(r.stdout).toMatch(/^3 passed, 0 failed/m);
  });

  it('reports a failed command at its file:line:col, exits 1, and counts the traces it kept from running', () => {
    const r = net('run', 'test/fixtures/timeline-failing-step.yaml');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('  FAIL [4] a: iptables -D OUTPUT -p udp --dport 9 -j DROP');
    expect(r.stdout).toContain('test/fixtures/timeline-failing-step.yaml:25:5: the command failed:');
    expect(r.stdout).toContain('  --  discard: not run (the timeline stopped at step 4');
    expect(r.stdout).toMatch(/^2 passed, 2 failed/m);
  });
});

describe('--at POINT', () => {
  it('net trace traces a packet on the World as the timeline left it there', () => {
    const r = net('trace', 'scenarios/udp-dnat-conntrack-delete.yaml', '--at', 'backend-moved', '--from', 'client', '--to', '10.0.1.1:53', '--proto', 'udp', '--sport', '40053', '-o', 'json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).deliveredTo.netns).toBe('old-backend');
    const other = net('trace', 'scenarios/udp-dnat-conntrack-delete.yaml', '--at', 'backend-moved', '--from', 'client', '--to', '10.0.1.1:53', '--proto', 'udp', '--sport', '40054', '-o', 'json');
    expect(JSON.parse(other.stdout).deliveredTo.netns).toBe('new-backend');
  });

  it('net trace without a packet shows the timeline\'s traces up to the point', () => {
    const r = net('trace', 'scenarios/udp-dnat-conntrack-delete.yaml', '--at', 'entry-deleted', '--detail', 'minimal');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^trace "query"/gm)).toHaveLength(2);
  });

  it('net show prints the state there', () => {
    const r = net('show', 'scenarios/udp-dnat-conntrack-delete.yaml', 'router', 'conntrack', '--at', 'backend-moved');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^udp +17 \d+ src=10\.0\.1\.2 dst=10\.0\.1\.1 sport=40053 dport=53 src=10\.0\.2\.2/m);
    expect(net('show', 'scenarios/udp-dnat-conntrack-delete.yaml', 'router', 'conntrack', '--at', 'entry-deleted').stdout).toBe('');
    expect(net('show', 'scenarios/udp-dnat-conntrack-delete.yaml', 'router', 'iptables', '--at', 'backend-moved').stdout).toContain('--to-destination 10.0.3.2');
  });

  it('names the points when the one given is not there, and refuses scenarios without a timeline (exit 2)', () => {
    const r = net('show', 'scenarios/fdb-ageing.yaml', 'switch', 'fdb', '--at', 'agde');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no point "agde" in the timeline of scenarios/fdb-ageing.yaml (points: learned, aged)');
    const n = net('trace', 'scenarios/veth-pair.yaml', '--at', 'x');
    expect(n.status).toBe(2);
    expect(n.stderr).toContain('has no timeline');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('--flags', () => {
  it('sends the segment with those flags, and refuses what is no TCP flag', () => {
    const r = net('trace', 'scenarios/tcp-established-survives-drop.yaml', '--from', 'client', '--to', '10.0.2.2:80', '--flags', 'A', '-o', 'json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).hops[0].packet).toContain('Flags [.]');
    const bad = net('trace', 'scenarios/tcp-established-survives-drop.yaml', '--from', 'client', '--to', '10.0.2.2:80', '--flags', 'AX');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('"X" is not a TCP flag');
  });
});
