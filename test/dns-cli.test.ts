// `net dns` as users run it: a pod's lookup printed dig-style, and bad input located with exit 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const NET = join(ROOT, 'dist', 'cli', 'main.js');

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('net dns', () => {
  it('prints the resolv.conf, every query of the search walk, and the result', () => {
    const r = net('dns', 'scenarios/cluster-dns.yaml', '--from', 'pod/client', 'web.prod');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(';;   search default.svc.cluster.local svc.cluster.local cluster.local\n;;   nameserver 10.96.0.10\n;;   options ndots:5');
    expect(r.stdout).toContain(';; query 1: web.prod.default.svc.cluster.local. IN A -> 10.96.0.10:53 (udp)');
    expect(r.stdout).toContain('web.prod.svc.cluster.local.\t30\tIN\tA\t10.96.0.2');
    expect(r.stdout).toContain(';; result: found at web.prod.svc.cluster.local. after 4 queries');
  });
  it('a pod with dnsPolicy None uses its dnsConfig; a musl resolver stops at NODATA', () => {
    const r = net('dns', 'scenarios/cluster-dns.yaml', '--from', 'pod/alpine', '--libc', 'musl', 'prod', 'A');
    expect(r.stdout).toContain('(dnsPolicy None)');
    expect(r.stdout).toContain(';;   options ndots:2');
    expect(r.stdout).toContain(';; => prod.svc.cluster.local. NODATA');
    expect(r.stdout).toContain(';; result: NO_DATA after 2 queries');
    expect(r.status).toBe(1);
  });
  it('SRV for the headless StatefulSet service names each pod', () => {
    const r = net('dns', 'scenarios/cluster-dns.yaml', '--from', 'pod/client', '_pg._tcp.db.prod.svc.cluster.local.', 'SRV');
    expect(r.stdout).toContain('_pg._tcp.db.prod.svc.cluster.local.\t30\tIN\tSRV\t0\t50\t5432\tdb-0.db.prod.svc.cluster.local.');
    expect(r.stdout).toContain('db-1.db.prod.svc.cluster.local.\t30\tIN\tA\t10.244.1.4');
  });
  it('bad input: located Corefile error, unknown pod, missing --from, all exit 2 without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-dns-'));
    const bad = join(dir, 'Corefile');
    writeFileSync(bad, '.:53 {\n  kubernetes cluster.local {\n    pods sometimes\n  }\n}\n');
    const c = net('dns', 'scenarios/cluster-dns.yaml', '--from', 'pod/client', 'web', '--corefile', bad);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain(`${bad}:3:10: pods: expected one of disabled, insecure, verified`);
    const p = net('dns', 'scenarios/cluster-dns.yaml', '--from', 'pod/ghost', 'web');
    expect([p.status, p.stderr]).toEqual([2, expect.stringContaining('--from pod/ghost: no such pod')]);
    const f = net('dns', 'scenarios/cluster-dns.yaml', 'web');
    expect([f.status, f.stderr]).toEqual([2, expect.stringContaining('--from pod/NAME is required')]);
    const t = net('dns', 'scenarios/veth-pair.yaml', '--from', 'pod/x', 'web');
    expect([t.status, t.stderr]).toEqual([2, expect.stringContaining('needs a kind: Cluster scenario')]);
    const s = net('dns', 'serve', 'scenarios/no-such-file.yaml', '--port', '0');
    expect([s.status, s.stderr]).toEqual([2, expect.stringContaining('no-such-file.yaml:1:1: error: cannot read scenario')]);
    for (const r of [c, p, f, t, s]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
