// `net serve`'s server and protocol, in process: the page's files, the WebSocket's guards (Origin, Host, size),
// bad messages answered without dropping the connection, traces equal to `net trace -o json`, edits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import fc from 'fast-check';
import { WebSession } from '../../src/web/session.js';
import { startWebServer } from '../../src/web/server.js';
import type { WebServer } from '../../src/web/server.js';
import { MAX_MESSAGE_BYTES } from '../../src/web/protocol.js';
import { connect } from './ws-client.js';

const FILE = 'scenarios/two-node-service.yaml';
let srv: WebServer;
let origin: string;
let wsUrl: string;

beforeAll(async () => {
  srv = await startWebServer({ host: '127.0.0.1', port: 0, session: new WebSession(FILE, readFileSync(FILE, 'utf8')) });
  origin = `http://127.0.0.1:${srv.port}`;
  wsUrl = `ws://127.0.0.1:${srv.port}/ws`;
});
afterAll(async () => {
  await srv.close();
});

function netTraceJson(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', ...args, '-o', 'json'], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('net serve: HTTP', () => {
  it('serves the page and its script from the package, and nothing else', async () => {
    const page = await fetch(`${origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const app = await fetch(`${origin}/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${origin}/../package.json`)).status).toBe(404);
    expect((await fetch(`${origin}/app.js`, { method: 'POST' })).status).toBe(405);
  });

  it('answers only to its own host name (DNS rebinding)', async () => {
    // fetch() may not set Host: a raw request does, as a rebinding page's browser would send it.
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: srv.port, path: '/', headers: { host: `evil.example:${srv.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(status).toBe(421);
    expect((await fetch(`http://localhost:${srv.port}/`)).status).toBe(200);
  });
});

describe('net serve: WebSocket guards', () => {
  it('refuses an upgrade from a foreign Origin, or with none, and keeps serving', async () => {
    await expect(connect(wsUrl, 'http://evil.example')).rejects.toThrow(/403/);
    await expect(connect(wsUrl, `http://127.0.0.1:${srv.port + 1}`)).rejects.toThrow(/403/);
    await expect(connect(wsUrl, undefined)).rejects.toThrow(/403/);
    const c = await connect(wsUrl, origin);
    expect((await c.next()).type).toBe('world');
    c.ws.close();
  });

  it('answers bad messages with an error and keeps the connection up', async () => {
    const c = await connect(wsUrl, origin);
    await c.next();
    c.send('{not json');
    expect(await c.next()).toMatchObject({ type: 'error', code: 'bad-json' });
    c.send({ type: 'explode', v: 1, id: 'x1' });
    expect(await c.next()).toMatchObject({ type: 'error', code: 'unknown-type', id: 'x1' });
    c.send({ type: 'trace', v: 1, id: 'x2', from: 'pod/nobody', to: 'svc/web:80', proto: 'tcp' });
    const e = await c.next();
    expect(e).toMatchObject({ type: 'error', code: 'failed', id: 'x2' });
    expect(String(e.message)).toMatch(/nobody/);
    c.send(JSON.stringify({ type: 'trace', v: 1, id: 'big', from: 'x'.repeat(MAX_MESSAGE_BYTES), to: 'y', proto: 'tcp' }));
    expect(await c.next()).toMatchObject({ type: 'error', code: 'too-large' });
    c.send({ type: 'trace', v: 1, id: 'ok', from: 'pod/client', to: 'svc/web:80', proto: 'tcp' });
    const end = (await c.until('trace-end')).at(-1)!;
    expect((end.trace as { disposition: string }).disposition).toBe('DELIVERED');
    c.ws.close();
  });

  it('a frame over the hard limit closes that connection only', async () => {
    const c = await connect(wsUrl, origin);
    await c.next();
    c.send('x'.repeat(2 * 1024 * 1024));
    expect(await c.closed).toBe(1009);
    const d = await connect(wsUrl, origin);
    expect((await d.next()).type).toBe('world');
    d.ws.close();
  });

  it('1,000 random and mutated messages never stop it (fast-check, fixed seed)', async () => {
    const c = await connect(wsUrl, origin);
    await c.next();
    const valid = { type: 'trace', v: 1, id: 'f', from: 'pod/client', to: 'svc/web:80', proto: 'udp' };
    const message = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.record({ type: fc.constantFrom('trace', 'edit', 'timeline', 'save', 'reset', 'x'), v: fc.constantFrom(1, 2, '1'), id: fc.string({ maxLength: 70 }) }).map((m) => JSON.stringify(m)),
      fc.dictionary(fc.constantFrom('type', 'v', 'id', 'from', 'to', 'proto', 'dport', 'edit', 'point'), fc.jsonValue({ maxDepth: 2 })).map((m) => JSON.stringify({ ...valid, ...m })),
    );
    const samples = fc.sample(message, { numRuns: 1000, seed: 20261207 });
    // Each message gets at least one answer unless it is a valid request; count on the answers' ids instead of
    // pairing them: the connection must stay open and answer a final valid request.
    for (const m of samples) c.send(m);
    c.send({ ...valid, id: 'last' });
    for (;;) {
      const m = await c.next(60_000);
      if (m.type === 'trace-end' && m.id === 'last') break;
    }
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    c.ws.close();
  });
});

describe('net serve: traces and edits', () => {
  it('streams the hops of net trace -o json, in order, then the whole trace', async () => {
    const c = await connect(wsUrl, origin);
    await c.next();
    c.send({ type: 'trace', v: 1, id: 't1', from: 'pod/client', to: 'svc/web:80', proto: 'tcp' });
    const msgs = await c.until('trace-end');
    const cli = netTraceJson([FILE, '--from', 'pod/client', '--to', 'svc/web:80']);
    expect(msgs[0]).toMatchObject({ type: 'trace-begin', id: 't1' });
    const end = msgs.at(-1)!;
    expect(end.trace).toEqual(cli);
    const hops = msgs.filter((m) => m.type === 'hop');
    const cliHops = [...(cli.hops as unknown[]), ...((cli.reply as { hops: unknown[] }).hops)];
    expect(hops.map((m) => m.hop)).toEqual(cliHops);
    expect(end.command).toBe(`net trace ${FILE} --from pod/client --to svc/web:80 --proto tcp -o json`);
    c.ws.close();
  });

  it('an edit re-runs the reconcilers: a pod made not ready leaves the Service, and save gives a timeline back', async () => {
    const c = await connect(wsUrl, origin);
    await c.next();
    c.send({ type: 'edit', v: 1, id: 'e1', edit: { op: 'ready', pod: 'default/web-0', ready: false } });
    const w = await c.next();
    expect(w).toMatchObject({ type: 'world', id: 'e1', point: 'edit-1', edits: ['{ready: "default/web-0", value: false}'] });
    expect((w.pods as { name: string; ready: boolean }[]).find((p) => p.name === 'default/web-0')?.ready).toBe(false);
    c.send({ type: 'trace', v: 1, id: 't2', from: 'pod/client', to: 'svc/web:80', proto: 'tcp' });
    const t = (await c.until('trace-end')).at(-1)!.trace as { disposition: string; deliveredTo: unknown };
    // No ready endpoint: kube-proxy's KUBE-SERVICES has no DNAT for it any more (its REJECT is in the filter
    // table, which this node, without a default route, never reaches: the route lookup fails first).
    expect(t.disposition).toBe('NO_ROUTE');
    c.send({ type: 'save', v: 1, id: 's1' });
    const saved = await c.next();
    expect(saved.type).toBe('saved');
    const yaml = String(saved.yaml);
    expect(yaml).toMatch(/\ntimeline:\n\s+- ready: default\/web-0\n\s+value: false\n\s+- point: edit-1\n\s+- trace:\n/);
    // The saved scenario is one net takes, and checks itself: the edit, then the trace the page ran,
    // expecting what it showed (the scenario's own trace, not in the timeline, runs on the World as loaded).
    const dir = mkdtempSync(join(tmpdir(), 'pw-serve-'));
    try {
      const file = join(dir, 'saved.yaml');
      writeFileSync(file, yaml.replace('$schema=../schema/', `$schema=${process.cwd()}/schema/`));
      const r = spawnSync(process.execPath, ['dist/cli/main.js', 'run', file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/2 passed, 0 failed/);
      const at = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', file, '--at', 'edit-1', '--from', 'pod/client', '--to', 'svc/web:80', '-o', 'json'], { encoding: 'utf8' });
      expect((JSON.parse(at.stdout) as { disposition: string }).disposition).toBe('NO_ROUTE');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    c.send({ type: 'reset', v: 1, id: 'r1' });
    expect(await c.next()).toMatchObject({ type: 'world', id: 'r1', point: null, edits: [] });
    c.ws.close();
  });

  it('an edit the cluster refuses is undone and explained', async () => {
    const c = await connect(wsUrl, origin);
    await c.next();
    c.send({ type: 'edit', v: 1, id: 'e2', edit: { op: 'delete-pod', pod: 'default/nobody' } });
    const e = await c.next();
    expect(e).toMatchObject({ type: 'error', id: 'e2', code: 'failed' });
    expect(String(e.message)).toMatch(/nobody/);
    c.send({ type: 'save', v: 1, id: 's2' });
    expect(String((await c.next()).yaml)).not.toMatch(/nobody/);
    c.ws.close();
  });
});

describe('net serve: a timeline scenario', () => {
  it('steps to a point and traces there as net trace --at does', async () => {
    const file = 'scenarios/cluster-timeline-readiness.yaml';
    const s = await startWebServer({ host: '127.0.0.1', port: 0, session: new WebSession(file, readFileSync(file, 'utf8')) });
    try {
      const c = await connect(`ws://127.0.0.1:${s.port}/ws`, `http://127.0.0.1:${s.port}`);
      const w = await c.next();
      expect(w.points).toEqual(['not-ready', 'ready-again']);
      c.send({ type: 'timeline', v: 1, id: 'p', point: 'not-ready' });
      expect(await c.next()).toMatchObject({ type: 'world', point: 'not-ready' });
      c.send({ type: 'trace', v: 1, id: 't', from: 'pod/client', to: 'svc/web:80', proto: 'tcp' });
      const t = (await c.until('trace-end')).at(-1)!.trace;
      const cli = netTraceJson([file, '--at', 'not-ready', '--from', 'pod/client', '--to', 'svc/web:80']);
      expect((t as { hops: unknown }).hops).toEqual(cli.hops);
      c.ws.close();
    } finally {
      await s.close();
    }
  });
});

describe('net serve: NetworkPolicy edits', () => {
  it('a policy applied on the page is enforced by the next trace, and deleting it lets the traffic through again', async () => {
    const s = await startWebServer({ host: '127.0.0.1', port: 0, session: new WebSession(FILE, readFileSync(FILE, 'utf8')) });
    try {
      const c = await connect(`ws://127.0.0.1:${s.port}/ws`, `http://127.0.0.1:${s.port}`);
      expect((await c.next()).policies).toEqual([]);
      const manifest = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n';
      c.send({ type: 'edit', v: 1, id: 'a', edit: { op: 'apply', manifest } });
      expect(await c.next()).toMatchObject({ type: 'world', id: 'a', policies: ['default/deny'] });
      c.send({ type: 'trace', v: 1, id: 't1', from: 'pod/client', to: 'svc/web:80', proto: 'tcp' });
      const denied = (await c.until('trace-end')).at(-1)!.trace as { disposition: string; hops: { chain: string | null; detail: string }[] };
      expect(denied.disposition).not.toBe('DELIVERED');
      expect(JSON.stringify(denied.hops)).toMatch(/KUBE-NWPLCY|KUBE-POD-FW/);
      c.send({ type: 'edit', v: 1, id: 'd', edit: { op: 'delete-networkpolicy', policy: 'default/deny' } });
      expect(await c.next()).toMatchObject({ type: 'world', id: 'd', policies: [] });
      c.send({ type: 'trace', v: 1, id: 't2', from: 'pod/client', to: 'svc/web:80', proto: 'tcp', seed: 2 });
      expect(((await c.until('trace-end')).at(-1)!.trace as { disposition: string }).disposition).toBe('DELIVERED');
      c.send({ type: 'edit', v: 1, id: 'bad', edit: { op: 'apply', manifest: 'kind: [' } });
      expect(await c.next()).toMatchObject({ type: 'error', id: 'bad', code: 'failed' });
      c.ws.close();
    } finally {
      await s.close();
    }
  });
});
