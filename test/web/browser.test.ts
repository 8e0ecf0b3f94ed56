// `net serve` in a real browser (playwright-core driving Debian's chromium, which .ci/run installs): the
// page draws the default two-node cluster, a pod-to-ClusterIP trace asked through the form lists exactly the
// hops of `net trace -o json`, its URL reproduces it, and a pod made not ready is avoided by the next trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

const FILE = 'scenarios/two-node-service.yaml';
const CANDIDATES = [process.env.PACKETWALK_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const executable = CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
const why = executable === undefined ? `no chromium found (looked for ${CANDIDATES.filter(Boolean).join(', ')}; apt-get install chromium, or set PACKETWALK_CHROMIUM)` : undefined;
if (why !== undefined) console.log(`net serve browser test skipped: ${why}`);

interface PageHop {
  leg: string;
  seq: number;
  netns: string;
  dev: string;
  stage: string;
  text: string;
}

describe.skipIf(why !== undefined)(`net serve in a browser${why !== undefined ? ` (skipped: ${why})` : ''}`, () => {
  let server: ChildProcess;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    server = spawn(process.execPath, ['dist/cli/main.js', 'serve', FILE, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('net serve did not say where it listens within 20 s')), 20_000);
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += String(d);
        const m = /open (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      server.on('exit', (code) => reject(new Error(`net serve exited ${code}`)));
    });
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    if (server?.pid !== undefined && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => {
        const t = setTimeout(() => {
          server.kill('SIGKILL');
          resolve(null);
        }, 3000);
        server.once('exit', () => {
          clearTimeout(t);
          resolve(null);
        });
      });
    }
  });

  // Page-side code is given as text: this file is compiled without the DOM's types.
  const hopsOnPage = (page: Page): Promise<PageHop[]> =>
    page.evaluate<PageHop[]>(`[...document.querySelectorAll('#hops li')].map((e) => ({
      leg: e.dataset.leg, seq: Number(e.dataset.seq), netns: e.dataset.netns, dev: e.dataset.dev, stage: e.dataset.stage, text: e.textContent }))`);

  const traceThroughForm = async (page: Page): Promise<void> => {
    await page.fill('#from', 'pod/client');
    await page.fill('#to', 'svc/web:80');
    await page.selectOption('#proto', 'tcp');
    await page.selectOption('#speed', '15');
    await page.click('#trace-button');
    await page.waitForSelector('body[data-animation="done"]', { state: 'attached', timeout: 90_000 });
  };

  it('draws the cluster, animates a trace asked through the form, and lists the hops of net trace -o json', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-world="drawn"]', { state: 'attached', timeout: 30_000 });
    // Both nodes as boxes, each pod's eth0 drawn, the VXLAN tunnel between the flannel.1 devices.
    expect(await page.locator('svg .k8s-node').count()).toBe(2);
    for (const dev of ['client/eth0', 'web-0/eth0', 'node-a/flannel.1', 'node-b/flannel.1']) expect(await page.locator(`[data-device="${dev}"]`).count(), dev).toBe(1);
    expect(await page.locator('svg path.wire.vxlan').count()).toBeGreaterThan(0);

    await traceThroughForm(page);
    const cli = spawnSync(process.execPath, ['dist/cli/main.js', 'trace', FILE, '--from', 'pod/client', '--to', 'svc/web:80', '--proto', 'tcp', '-o', 'json'], { encoding: 'utf8' });
    const trace = JSON.parse(cli.stdout) as { hops: { seq: number; netns: string; dev: string | null; stage: string; detail: string }[]; reply: { hops: { seq: number; netns: string; dev: string | null; stage: string; detail: string }[] } };
    const expected = [...trace.hops.map((h) => ({ leg: 'request', h })), ...trace.reply.hops.map((h) => ({ leg: 'reply', h }))];
    const shown = await hopsOnPage(page);
    expect(shown.map(({ leg, seq, netns, dev, stage }) => ({ leg, seq, netns, dev, stage }))).toEqual(
      expected.map(({ leg, h }) => ({ leg, seq: h.seq, netns: h.netns, dev: h.dev ?? '', stage: h.stage })),
    );
    shown.forEach((s, i) => expect(s.text).toContain(expected[i].h.detail));
    expect(await page.locator('#outcome').textContent()).toMatch(/^DELIVERED to default\/web-0 10\.244\.1\.2:8080/);
    // The walk is drawn: the request's path and the packet where the animation ended (the reply's last hop).
    expect(await page.locator('svg path.walk.request').count()).toBe(1);
    expect(await page.locator('svg circle.packet.reply').count()).toBe(1);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/net-serve-trace.png' });

    // The page's URL reproduces the trace.
    expect(page.url()).toMatch(/\?from=pod%2Fclient&to=svc%2Fweb%3A80&proto=tcp&speed=15$/);
    const again = await browser.newPage();
    await again.goto(page.url());
    await again.waitForSelector('body[data-animation="done"]', { state: 'attached', timeout: 90_000 });
    expect((await hopsOnPage(again)).map((h) => h.text)).toEqual(shown.map((h) => h.text));
    await again.close();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a pod made not ready on the page is avoided by the next trace', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url);
    await page.waitForSelector('body[data-world="drawn"]', { state: 'attached', timeout: 30_000 });
    const version = await page.evaluate<string>('document.body.dataset.worldVersion');
    await page.uncheck('[data-ready="default/web-0"]');
    // (waitForFunction would evaluate text, which the page's Content-Security-Policy forbids: wait on attributes.)
    await page.waitForSelector(`body[data-world-version="${Number(version) + 1}"]`, { state: 'attached', timeout: 30_000 });
    expect(await page.locator('#edits li').allTextContents()).toEqual(['{ready: "default/web-0", value: false}']);
    await page.evaluate('delete document.body.dataset.animation');
    await traceThroughForm(page);
    const outcome = (await page.locator('#outcome').textContent()) ?? '';
    expect(outcome).not.toMatch(/web-0/);
    expect(outcome).toMatch(/^NO_ROUTE/);
    await page.screenshot({ path: 'test-output/net-serve-not-ready.png' });
    // Undo it, for the other pages of this server.
    await page.click('#reset');
    await page.close();
  });
});
