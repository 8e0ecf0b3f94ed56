// A real client against `net dns serve`: dig over UDP and TCP gets CoreDNS's answers for the cluster-dns
// scenario, and a headless Service of 40 endpoints comes back truncated (TC) over UDP.
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const NET = join(ROOT, 'dist/cli/main.js');
const hasDig = spawnSync('dig', ['-v'], { encoding: 'utf8' }).error === undefined;
if (!hasDig) process.stdout.write('dns-serve-dig: skipped: dig is not installed (apt-get install -y dnsutils)\n');

function dig(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { timeout: 10_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
}

/** The answer section's records, whitespace collapsed. */
const answers = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith(';'))
    .map((l) => l.trim().split(/\s+/).join(' '));
const status = (out: string): string | undefined => /status: ([A-Z]+)/.exec(out)?.[1];

describe.skipIf(!hasDig)('dig against net dns serve', () => {
  let server: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    server = spawn(process.execPath, [NET, 'dns', 'serve', 'scenarios/cluster-dns.yaml', '--port', '0', '--upstream', 'scenarios/cluster-dns.upstream'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('net dns serve did not start within 20 s')), 20_000);
      let text = '';
      server!.stdout!.on('data', (b: Buffer) => {
        text += b.toString();
        const m = / port (\d+) /.exec(text);
        if (m !== null) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      server!.on('exit', (code) => reject(new Error(`net dns serve exited with ${code}`)));
    });
  });
  afterAll(async () => {
    if (server?.pid === undefined || server.exitCode !== null) return;
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    process.kill(server.pid, 'SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5_000))]);
    if (code === 'timeout') process.kill(server.pid, 'SIGKILL');
    expect(code).toBe(0); // SIGTERM ends it cleanly
  });

  for (const transport of ['udp', 'tcp'] as const) {
    const t = transport === 'tcp' ? ['+tcp'] : [];
    it(`answers A, SRV, PTR, headless, ExternalName and NXDOMAIN over ${transport}`, async () => {
      const q = (args: string[]) => dig(port, [...t, '+noall', '+answer', '+comments', ...args]);
      expect(answers(await q(['web.prod.svc.cluster.local', 'A']))).toEqual(['web.prod.svc.cluster.local. 30 IN A 10.96.0.2']);
      expect(answers(await q(['_http._tcp.web.prod.svc.cluster.local', 'SRV']))).toEqual(['_http._tcp.web.prod.svc.cluster.local. 30 IN SRV 0 100 80 web.prod.svc.cluster.local.']);
      expect(answers(await q(['-x', '10.96.0.2']))).toEqual(['2.0.96.10.in-addr.arpa. 30 IN PTR web.prod.svc.cluster.local.']);
      expect(answers(await q(['db.prod.svc.cluster.local', 'A'])).sort()).toEqual(['db.prod.svc.cluster.local. 30 IN A 10.244.0.4', 'db.prod.svc.cluster.local. 30 IN A 10.244.1.4']);
      expect(answers(await q(['db-1.db.prod.svc.cluster.local', 'A']))).toEqual(['db-1.db.prod.svc.cluster.local. 30 IN A 10.244.1.4']);
      expect(answers(await q(['web-alias.prod.svc.cluster.local', 'A']))).toEqual(['web-alias.prod.svc.cluster.local. 30 IN CNAME web.prod.svc.cluster.local.', 'web.prod.svc.cluster.local. 30 IN A 10.96.0.2']);
      expect(answers(await q(['docs.prod.svc.cluster.local', 'A']))).toEqual(['docs.prod.svc.cluster.local. 30 IN CNAME docs.example.com.', 'docs.example.com. 300 IN A 93.184.215.14']);
      const nx = await q(['nope.prod.svc.cluster.local', 'A']);
      expect(status(nx)).toBe('NXDOMAIN');
      expect(nx).toMatch(/flags: qr aa rd;/);
      expect(answers(await dig(port, [...t, '+noall', '+authority', 'nope.prod.svc.cluster.local']))).toEqual([expect.stringMatching(/^cluster\.local\. 30 IN SOA ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30$/)]);
      expect(status(await q(['cluster.local', 'AXFR']))).toBe('REFUSED');
    });
  }

  it('sets TC on a UDP answer past the EDNS0 size, and TCP carries it whole', async () => {
    const udp = await dig(port, ['+ignore', '+comments', 'big.prod.svc.cluster.local', 'A']);
    expect(udp).toMatch(/flags: qr aa tc rd;/);
    const small = await dig(port, ['+ignore', '+noedns', '+comments', 'big.prod.svc.cluster.local', 'A']);
    expect(small).toMatch(/flags: qr aa tc rd;/);
    expect(Number(/MSG SIZE {2}rcvd: (\d+)/.exec(small)?.[1])).toBeLessThanOrEqual(512);
    const tcp = await dig(port, ['+tcp', '+noall', '+answer', 'big.prod.svc.cluster.local', 'A']);
    expect(answers(tcp)).toHaveLength(40);
  });
});
