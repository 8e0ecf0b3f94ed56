// Independent units of work (traces, reachability pairs) spread over worker_threads, results handed back in the
// order of the tasks, so a caller prints exactly what one thread would. The work itself lives in a task module
// that both the pool's workers and the single-thread path load, so the two cannot drift apart.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RangeScheduler } from './range-scheduler.js';

/**
 * What a task module exports: `createHandler(init)` returns the function that runs one task. Tasks and results
 * cross threads by structured clone (plain data: no functions, no class instances).
 */
export interface TaskModule<I, T, R> {
  createHandler(init: I): (task: T) => R;
}

export interface PoolOptions<I> {
  /** The task module, as a file URL (`new URL('./my-task.js', import.meta.url)`). */
  module: URL;
  /** Handed to `createHandler` once per thread. */
  init: I;
  /** Threads; 1 runs every task in this thread. */
  jobs: number;
}

/** One thread per core: the default of `--jobs`. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Whether `module` can run in a worker: workers load compiled JavaScript (the host and the task module), so
 * from TypeScript sources (vitest) every task runs in this thread.
 */
export function canUseWorkers(module: URL): boolean {
  const host = new URL('./worker-host.js', import.meta.url);
  return module.protocol === 'file:' && existsSync(fileURLToPath(module)) && existsSync(fileURLToPath(host));
}

/**
 * Runs `tasks` on this thread, synchronously: `onResult(i, result)` in task order. The path of `--jobs 1`, and
 * of any run with a single task; `mod` is the same task module the workers load.
 */
export function runInline<I, T, R>(mod: TaskModule<I, T, R>, init: I, tasks: readonly T[], onResult: (i: number, r: R) => void): void {
  const handle = mod.createHandler(init);
  tasks.forEach((t, i) => onResult(i, handle(t)));
}

interface Reply<R> {
  index: number;
  result?: R;
  error?: string;
}

/**
 * Runs `tasks` over `opts.jobs` worker threads, each taking its tasks from a RangeScheduler (neighbouring tasks
 * stay on one thread: a World built for one trace of a scenario serves the next). While many tasks are left a
 * thread has two in flight, so it starts its next task without waiting for this thread to read its answer and
 * send the next one (on a busy machine that wait was several ms per task). `onResult` is called in task order,
 * as soon as every earlier result is in. A task that throws is a bug: the pool stops and the promise rejects
 * with its message.
 */
export function runPool<I, T, R>(tasks: readonly T[], opts: PoolOptions<I>, onResult: (i: number, r: R) => void): Promise<void> {
  const threads = Math.max(1, Math.min(opts.jobs, tasks.length));
  const host = new URL('./worker-host.js', import.meta.url);
  return new Promise((resolve, reject) => {
    const done = new Map<number, R>();
    const schedule = new RangeScheduler(tasks.length, threads);
    const inFlight: number[] = [];
    let emitted = 0;
    let failed = false;
    const workers: Worker[] = [];
    const stop = (): void => {
      for (const w of workers) void w.terminate();
    };
    const feed = (k: number): void => {
      // Near the end one task at a time, so no thread holds a task another one could be running.
      const depth = schedule.left >= 2 * threads ? 2 : 1;
      while (inFlight[k] < depth) {
        const i = schedule.take(k);
        if (i === undefined) return;
        workers[k].postMessage({ index: i, task: tasks[i] });
        inFlight[k]++;
      }
    };
    const fail = (message: string): void => {
      if (failed) return;
      failed = true;
      stop();
      reject(new Error(message));
    };
    for (let k = 0; k < threads; k++) {
      const w = new Worker(host, { workerData: { module: opts.module.href, init: opts.init } });
      workers.push(w);
      inFlight.push(0);
      w.on('message', (m: Reply<R>) => {
        if (m.error !== undefined) return fail(m.error);
        inFlight[k]--;
        done.set(m.index, m.result as R);
        while (done.has(emitted)) {
          const r = done.get(emitted) as R;
          done.delete(emitted);
          onResult(emitted, r);
          emitted++;
        }
        if (emitted === tasks.length) {
          stop();
          resolve();
        } else feed(k);
      });
      w.on('error', (e) => fail(e.message));
      w.on('exit', (code) => {
        if (code !== 0 && emitted < tasks.length) fail(`a worker thread exited with status ${code}`);
      });
    }
    for (let k = 0; k < threads; k++) feed(k);
    if (tasks.length === 0) {
      stop();
      resolve();
    }
  });
}
