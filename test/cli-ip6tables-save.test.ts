// `net trace --iptables-save` with IPv6 addresses: an ip6tables-save dump through the IPv6 rule walk, from the
// built entry point (npm test builds first), real exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NET = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const ROOT = join(import.meta.dirname, '..');
const RULES = 'examples/kube-proxy-node-ipv6.rules';

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, 'trace', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('net trace --iptables-save, IPv6', () => {
  it('an external client to a NodePort: both endpoints, each rule with its line, masqueraded (JSON)', () => {
    const r = net('--iptables-save', RULES, '--src', '2600:5200::1', '--dst', '[2001:db8:0::1]:3001', '--node-ip', '2001:db8::1', '-o', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout);
    expect([t.packet.dst, t.output, t.masquerade]).toEqual(['[2001:db8::1]:3001', '[fd00:10:180::1]:80, [fd00:10:180::2:1]:80', true]);
    expect(t.branches[0].hooks[0].rules.map((x: { line: number }) => x.line)).toEqual([42, 57, 48, 45, 47, 46, 59, 55]);
  });

  it('a mistake in the dump is located, exit 2; an IPv6 --src is refused for a scenario trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-ip6-'));
    const f = join(dir, 'bad.rules');
    writeFileSync(f, '*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -d 10.96.0.1/32 -j ACCEPT\nCOMMIT\n');
    const r = net('--iptables-save', f, '--src', 'fd00::2', '--dst', '[fd00::1]:80');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${f}:3:18`);
    expect(r.stderr).toContain("host/network `10.96.0.1' not found");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const s = net('scenarios/router-between-subnets.yaml', '--from', 'left', '--to', '10.0.2.2:80', '--src', 'fd00::2');
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('an IPv6 source is for --iptables-save only');
  });
});
