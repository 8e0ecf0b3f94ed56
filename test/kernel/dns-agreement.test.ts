// Kernel agreement for DNS in the dataplane: scenarios/cluster-dns-remote-coredns.yaml is built in real
// namespaces as `net verify` builds it, `net dns serve` (our resolver) listens on the CoreDNS pod's address
// inside that pod's namespace, and `dig` in the client pod's namespace asks the kube-dns ClusterIP the name our
// trace's query asks. The answer must be our resolver's, come back from the address our trace says (dig
// drops a reply from any other source), and the client node's conntrack entry must show the query DNATed to
// the CoreDNS pod our trace names. Needs root, dig and conntrack; skipped with the reason otherwise.

import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { dnsAgreementPlan } from '../../src/oracle/dns-agreement.js';
import type { DnsAgreementPlan } from '../../src/oracle/dns-agreement.js';
import { kernelHasDummy, kernelUnavailable, netnsWithPrefix, runSync } from '../../src/oracle/environment.js';
import { loadScenarioFile } from '../../src/scenario/load.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const PREFIX = `pwd${process.pid}dn-`;
const CLI = 'dist/cli/main.js';
const SCENARIO = 'scenarios/cluster-dns-remote-coredns.yaml';
const unavailable =
  kernelUnavailable(`${PREFIX}probe`) ??
  (existsSync(CLI) ? undefined : `no ${CLI} (npm run build)`) ??
  (runSync('dig', ['-v'], 5000).missing ? 'no dig (apt-get install bind9-dnsutils)' : undefined);

if (REQUIRED && unavailable !== undefined) {
  describe('DNS kernel agreement (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      throw new Error(`PACKETWALK_KERNEL=required, but ${unavailable}`);
    });
  });
}

/** Resolves when `child` prints `marker` on stdout, rejects when it exits or `ms` pass first. */
function waitForLine(child: ChildProcess, marker: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no "${marker}" within ${ms} ms: ${seen} ${err}`)), ms);
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening: ${err}`));
    });
  });
}

const words = (line: string): string => line.trim().split(/\s+/).join(' ');

describe.skipIf(unavailable !== undefined)(`DNS in the dataplane agrees with the kernel${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  it('a query to the kube-dns ClusterIP reaches the CoreDNS pod our trace names and comes back as our trace says', async () => {
    const r = loadScenarioFile(SCENARIO);
    if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('; '));
    const sc = r.scenario;
    const planned = dnsAgreementPlan(sc, 'client', 'web.prod', PREFIX, kernelHasDummy(`${PREFIX}dummy`));
    if (typeof planned === 'string') throw new Error(planned);
    const plan: DnsAgreementPlan = planned;
    const clientNode = sc.cluster!.nodes.find((n) => n.name === sc.cluster!.owners.get(plan.clientNetns)?.node);
    expect(clientNode, 'the client pod has a node').toBeDefined();
    // Our trace: CoreDNS on the other node, the answer from the ClusterIP.
    expect(sc.cluster!.owners.get(plan.corednsNetns)?.node).not.toBe(clientNode!.name);
    expect(plan.answerFrom).toBe(`${plan.nameserver}:53`);

    const dir = mkdtempSync(join(tmpdir(), 'pw-dns-'));
    const script = join(dir, 'world.sh');
    writeFileSync(script, plan.script);
    let server: ChildProcess | undefined;
    try {
      const up = spawnSync('bash', [script, 'up'], { encoding: 'utf8', timeout: 180_000 });
      expect(up.status, up.stderr).toBe(0);
      server = spawn('ip', ['netns', 'exec', `${PREFIX}${plan.corednsNetns}`, process.execPath, CLI, 'dns', 'serve', SCENARIO, '--address', plan.corednsAddr, '--port', '53'], { stdio: ['ignore', 'pipe', 'pipe'] });
      await waitForLine(server, ';; net dns serve', 60_000);

      const dig = spawnSync('ip', ['netns', 'exec', `${PREFIX}${plan.clientNetns}`, 'dig', `@${plan.nameserver}`, plan.qname, plan.qtype, '+tries=2', '+time=3', '+noall', '+answer', '+stats'], { encoding: 'utf8', timeout: 30_000 });
      expect(dig.status, `${dig.stdout} ${dig.stderr}`).toBe(0);
      const lines = dig.stdout.split('\n');
      const answer = lines.filter((l) => l.trim() !== '' && !l.startsWith(';'));
      expect(answer.map(words)).toEqual(plan.answer.map(words));
      // dig takes an answer only from the server it asked: the un-DNATed reply from the ClusterIP.
      expect(lines.find((l) => l.startsWith(';; SERVER:')) ?? '').toContain(`${plan.nameserver}#53`);
      expect(lines.some((l) => /reply from unexpected source/.test(l))).toBe(false);

      // The client node's conntrack entry: DNATed to the CoreDNS pod our trace names.
      const ct = spawnSync('ip', ['netns', 'exec', `${PREFIX}${clientNode!.netns}`, 'conntrack', '-L', '-p', 'udp', '--orig-dst', plan.nameserver], { encoding: 'utf8', timeout: 15_000 });
      const entry = ct.stdout.split('\n').find((l) => l.includes(`dst=${plan.nameserver} `) && l.includes('dport=53'));
      expect(entry, `${ct.stdout} ${ct.stderr}`).toBeDefined();
      const reply = entry!.slice(entry!.indexOf('src=', entry!.indexOf('dport=53')));
      expect(reply.startsWith(`src=${plan.corednsAddr} `), `${entry} (our trace: ${plan.corednsPod} at ${plan.corednsAddr})`).toBe(true);
    } finally {
      if (server?.pid !== undefined && server.exitCode === null) server.kill('SIGTERM');
      spawnSync('bash', [script, 'down'], { encoding: 'utf8', timeout: 120_000 });
      rmSync(dir, { recursive: true, force: true });
      // Anything left with our prefix is a bug in the script's teardown: remove exactly those.
      for (const ns of netnsWithPrefix(PREFIX)) runSync('ip', ['netns', 'del', ns], 5000);
    }
  }, 300_000);
});
