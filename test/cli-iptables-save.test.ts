// `net trace --iptables-save` as users run it: the built entry point (npm test builds first), real exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NET = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const ROOT = join(import.meta.dirname, '..');
const RULES = join(import.meta.dirname, 'conformance', 'kube-proxy', 'TestTracePacket.input.iptables-restore');
const NODE = ['--node-ip', '192.168.0.2', '--node-ip', '192.168.1.2', '--node-ip', '192.168.99.11'];

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('net trace --iptables-save', () => {
  it('prints a Service with two endpoints as two branches, each rule with its line', () => {
    const r = net('trace', '--iptables-save', RULES, '--lenient-comments', '--src', '10.0.0.2', '--dst', '172.30.0.44:80', ...NODE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('iptables trace: tcp 10.0.0.2:40000 > 172.30.0.44:80');
    expect(r.stdout).toContain('branch 1/2  p=0.5000  10.180.0.4:80');
    expect(r.stdout).toContain('branch 2/2  p=0.5000  10.180.0.5:80');
    expect(r.stdout).toMatch(/^ +97 {2}-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4\/svc4:p80 -> 10.180.0.4:80" .*\[p=0.5000\]$/m);
    expect(r.stdout).toContain('=> DNAT 10.180.0.4:80');
    expect(r.stdout).toContain('filter FORWARD (in eth0 out eth0): 10.0.0.2:40000 > 10.180.0.5:80');
  });

  it('prints JSON: the node sends, the packet is marked and masqueraded', () => {
    const r = net('trace', '--iptables-save', RULES, '--lenient-comments', '--src', '192.168.0.2', '--dst', '192.168.99.22', '--dport', '80', ...NODE, '-o', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.schema).toBe('packetwalk.iptables-trace/v1');
    expect([t.origin, t.verdict, t.output, t.masquerade]).toEqual(['local', 'ACCEPT', '10.180.0.2:80', true]);
    expect(t.branches).toHaveLength(1);
    expect(t.branches[0]).toMatchObject({ probability: 1, dnat: '10.180.0.2:80', markedForMasquerade: true, masqueraded: true, snat: 'MASQUERADE' });
    expect(t.hooks.map((h: { table: string; hook: string }) => `${h.table} ${h.hook}`)).toEqual(['nat OUTPUT', 'filter OUTPUT', 'nat POSTROUTING']);
  });

  it('shows the REJECT verdict and the rule that gave it', () => {
    const r = net('trace', '--iptables-save', RULES, '--lenient-comments', '--src', '10.0.0.2', '--dst', '172.30.0.46:80');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('-A KUBE-SERVICES -m comment --comment "ns6/svc6:p80 has no endpoints"');
    expect(r.stdout).toMatch(/=> REJECT$/m);
  });

  it.each([
    ['a missing file', ['--iptables-save', '/nonexistent/rules', '--src', '10.0.0.2', '--dst', '10.0.0.3:80'], 'cannot read /nonexistent/rules'],
    ['a bad --dst', ['--iptables-save', RULES, '--src', '10.0.0.2', '--dst', '10.0.0.300:80'], '--dst must be A.B.C.D or A.B.C.D:PORT'],
    ['a --dst without a port', ['--iptables-save', RULES, '--src', '10.0.0.2', '--dst', '10.0.0.3'], 'tcp needs a port'],
    ['a bad --src', ['--iptables-save', RULES, '--src', 'pod-a', '--dst', '10.0.0.3:80'], '--src must be an IPv4 address'],
    ['a bad --node-ip', ['--iptables-save', RULES, '--src', '10.0.0.2', '--dst', '10.0.0.3:80', '--node-ip', 'node-a'], '--node-ip must be an IP address'],
    ['a bad --proto', ['--iptables-save', RULES, '--src', '10.0.0.2', '--dst', '10.0.0.3:80', '--proto', 'gre'], '--proto must be one of'],
    ['no --src', ['--iptables-save', RULES, '--dst', '10.0.0.3:80'], '--iptables-save needs --src'],
    ['both a scenario and --iptables-save', ['scenarios/router-between-subnets.yaml', '--iptables-save', RULES, '--src', '10.0.0.2', '--dst', '10.0.0.3:80'], 'not both'],
    ['neither', [], 'give a scenario file, or --iptables-save FILE'],
    ['--from with --iptables-save', ['--iptables-save', RULES, '--from', 'left', '--src', '10.0.0.2', '--dst', '10.0.0.3:80'], '--from describes a scenario trace'],
    ['--dst without --iptables-save', ['scenarios/router-between-subnets.yaml', '--dst', '10.0.0.3:80'], '--dst needs --iptables-save'],
    ['unquoted comments without --lenient-comments', ['--iptables-save', RULES, '--src', '10.0.0.2', '--dst', '10.0.0.3:80'], `${RULES}:11:42: Bad argument \`health'`],
  ])('%s: a clear message, exit 2', (_name, args, message) => {
    const r = net('trace', ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains itself in --help', () => {
    const r = net('trace', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--iptables-save <file>');
    expect(r.stdout).toContain('net trace --iptables-save examples/kube-proxy-node.rules --src 10.0.0.2 --dst 172.30.0.44:80 --node-ip 192.168.0.2');
  });

  describe('input that is no dump, sets, unreachable chains', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-ipt-save-'));
    const file = (name: string, text: string | Buffer): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const TO = ['--src', '10.0.0.2', '--dst', '10.0.0.3:80'];

    it.each([
      ['an empty file', 'empty.rules', '', ':1:1: empty: no table to trace through'],
      ['plain text', 'text.rules', 'hello world\n', ':1:1: line failed: "hello" outside a table'],
      ['random bytes', 'random.rules', Buffer.from([0x9c, 0x01, 0xfe, 0x41, 0x0a, 0x2a, 0x00]), ':1:1: line failed'],
    ])('%s: a located error, exit 2', (_n, name, text, message) => {
      const f = file(name, text);
      const r = net('trace', '--iptables-save', f, ...TO);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`${f}${message}`);
    });

    const dump = '*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m set --match-set blocked src -j DROP\nCOMMIT\n';
    it('--match-set of a set no --ipsets file creates: refused as iptables-restore does', () => {
      const f = file('set.rules', dump);
      const r = net('trace', '--iptables-save', f, ...TO);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`${f}:3:31: Set blocked doesn't exist. (give the node's \`ipset save\` output with --ipsets FILE)`);
      const sets = file('node.ipsets', 'create blocked hash:ip family inet hashsize 1024 maxelem 65536\nadd blocked 10.0.0.2\n');
      const ok = net('trace', '--iptables-save', f, '--ipsets', sets, ...TO);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/=> DROP$/m);
      const bad = file('bad.ipsets', 'create blocked hash:ip\nadd blocked nohost\n');
      const r2 = net('trace', '--iptables-save', f, '--ipsets', bad, ...TO);
      expect(r2.status).toBe(2);
      expect(r2.stderr).toContain(`${bad}:2:13: Syntax error: cannot parse nohost`);
    });

    it('warns when the built-in chains reach none of the chains holding rules', () => {
      const f = file('unlinked.rules', '*filter\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.0.0.3/32 -j DROP\nCOMMIT\n');
      const r = net('trace', '--iptables-save', f, ...TO);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('warning: no built-in chain jumps to filter KUBE-SERVICES');
    });
  });
});
