// Endpoints by name in a Cluster, and what the trace says about nodes and pods.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { annotateTrace } from '../src/cluster/annotate-trace.js';
import { resolveEndpoint } from '../src/cluster/endpoints.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { runTrace } from '../src/trace/index.js';
import { formatIpv4 } from '../src/wire/ipv4-addr.js';

const loaded = loadScenarioFile('scenarios/cluster-deployment.yaml');
if (!loaded.ok) throw new Error('the shipped scenario loads');
const sc = loaded.scenario;
const c = sc.cluster!;

describe('cluster endpoints', () => {
  it('resolves pods, nodes and addresses', () => {
    const r = (t: string) => {
      const x = resolveEndpoint(c, t);
      return x.ok ? `${x.value.netns} ${formatIpv4(x.value.addr)}${x.value.port === undefined ? '' : `:${x.value.port}`}` : `error: ${x.error}`;
    };
    expect(r('shop/client')).toBe('shop_client 10.244.1.2');
    expect(r('pod/client:80')).toBe('shop_client 10.244.1.2:80');
    expect(r('node/node-b')).toBe('node-b 192.168.56.12');
    expect(r('10.244.0.2:8080')).toBe('shop_web-7c7d44749b-5knbx 10.244.0.2:8080');
    expect(r('node/node-z')).toMatch(/^error: no node "node-z"/);
    expect(r('default/client')).toMatch(/^error: no pod "client" in namespace default/);
    expect(r('pod/client:99999')).toMatch(/is not a port/);
  });

  it('names the node of each hop and the pod that got the packet', () => {
    const t = sc.traces[0];
    const trace = annotateTrace(runTrace(sc.world, t), c.owners);
    expect(trace.deliveredTo).toMatchObject({ node: 'node-a', pod: 'shop/web-7c7d44749b-5knbx' });
    expect(trace.hops[0].node).toBe('node-b');
    expect(trace.reply?.deliveredTo).toMatchObject({ node: 'node-b', pod: 'shop/client' });
  });

  it('takes names on the command line and shows a pod\'s state', () => {
    const trace = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', 'scenarios/cluster-deployment.yaml', '--from', 'shop/client', '--to', 'node/node-a', '--proto', 'icmp', '-o', 'json'], { encoding: 'utf8' });
    expect(trace.status, trace.stderr).toBe(0);
    expect(JSON.parse(trace.stdout).deliveredTo).toMatchObject({ node: 'node-a', netns: 'node-a', pod: null });
    const bad = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', 'scenarios/cluster-deployment.yaml', '--from', 'pod/nope', '--to', 'node/node-a'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--from: no pod "nope"');
    const show = spawnSync(process.execPath, ['dist/cli/main.js', 'show', 'scenarios/cluster-deployment.yaml', 'shop/client', 'route'], { encoding: 'utf8' });
    expect(show.status, show.stderr).toBe(0);
    expect(show.stdout).toContain('default via 10.244.1.1 dev eth0');
  });
});
