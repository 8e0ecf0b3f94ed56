// Inputs the size of a real node (a kube-proxy ruleset, a busy host's sockets) or of a mistake at that size:
// each must give an answer or a located diagnostic, in bounded time, never a stack overflow.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { restore } from '../../src/kernel/netfilter/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import type { Hop, Trace } from '../../src/trace/index.js';
import { renderTraceText } from '../../src/trace/index.js';
import { runCli } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-large-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = 'apiVersion: packetwalk/v1\nkind: Topology\nmetadata: {name: large}\nnamespaces:\n';

describe('large inputs', () => {
  it('net run reports 125,000 diagnostics of one file (exit 2), not a stack overflow', () => {
    const file = join(dir, 'many-errors.yaml');
    writeFileSync(file, `${HEAD}  - name: a\n    routes: [${Array.from({ length: 125_000 }, () => '1').join(', ')}]\n`);
    const r = runCli('run', file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('net: 125000 error(s) in scenario files');
    expect(r.stderr).toContain('many-errors.yaml:6:14: error: namespace "a": routes[0]: expected a string, got a number (1)');
  });

  it('40,000 listening sockets are checked in linear time', () => {
    const ports = Array.from({ length: 40_000 }, (_, i) => `tcp/10.0.0.1:${(i % 60_000) + 1}`);
    ports.push('tcp/2', 'tcp/10.0.0.1:2');
    const text = `${HEAD}  - name: a\n    links: [{name: d0, type: dummy, addresses: [10.0.0.1/24]}]\n    listen: [${ports.join(', ')}]\n`;
    const t0 = performance.now();
    const res = loadScenarioText(text, 'listen.yaml');
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(res.ok ? [] : res.diagnostics.map((d) => d.message)).toEqual([
      'namespace "a": listen[40000]: Address already in use: namespace "a": listen[1] already binds tcp port 2',
      'namespace "a": listen[40001]: Address already in use: namespace "a": listen[1] already binds tcp port 2',
    ]);
  });

  it('130,000 bad iptables lines are all reported', () => {
    const text = `*filter\n${Array.from({ length: 130_000 }, () => '-A INPUT --bogus\n').join('')}COMMIT\n`;
    const { errors } = restore(text);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0].line).toBe(2);
  });

  it('a trace with 150,000 hops renders as text', () => {
    const hop = (seq: number): Hop => ({
      seq, node: null, netns: seq === 150_000 ? 'the-last-namespace' : 'a', dev: 'eth0', stage: 'netfilter', detail: 'rule matched',
      table: 'filter', chain: 'FORWARD', rule: null, verdict: null, before: null, after: null, t: 0,
    });
    const hops: Hop[] = Array.from({ length: 150_000 }, (_, i) => hop(i + 1));
    const trace = {
      schema: 'packetwalk.trace/v1', name: 'large', packet: { proto: 'tcp', src: '10.0.0.1:40000', dst: '10.0.0.2:80' },
      disposition: 'DELIVERED', reason: null, hops, deliveredTo: null, icmp: null, conntrack: [], reply: null, branches: [],
    } as unknown as Trace;
    const text = renderTraceText(trace, 'summary');
    expect(text.split('\n').length).toBeGreaterThan(150_000);
    expect(text).toContain('150000  the-last-namespace  eth0  netfilter');
  });
});
