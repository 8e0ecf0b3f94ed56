// The body of a worker_threads worker of runPool(): loads the task module named in workerData, builds its
// handler once, then answers each { index, task } message with { index, result } (or { index, error }).

import { parentPort, workerData } from 'node:worker_threads';
import type { TaskModule } from './worker-pool.js';

interface HostData {
  module: string;
  init: unknown;
}

async function serve(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('invariant: worker-host runs as a worker thread');
  const data = workerData as HostData;
  const mod = (await import(data.module)) as TaskModule<unknown, unknown, unknown>;
  const handle = mod.createHandler(data.init);
  port.on('message', (m: { index: number; task: unknown }) => {
    try {
      port.postMessage({ index: m.index, result: handle(m.task) });
    } catch (e) {
      port.postMessage({ index: m.index, error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
    }
  });
}

void serve();
