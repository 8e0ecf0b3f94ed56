// `--jobs N`: the matrix's probes spread over worker threads. Each worker loads the scenario itself, builds
// the same World (at the same point) and runs `evaluateCells` on its share; every probe runs on a checkpoint
// with the same seed, so the cells are those one thread gives, in the same order. The caller stays
// synchronous: it waits on a shared counter (Atomics.wait) and takes the results with receiveMessageOnPort.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { ReachCell, ReachJob } from './model.js';

export interface PoolSource {
  /** Absolute path of the scenario file. */
  file: string;
  at?: string;
  seed: number;
}

/** What a worker is given (workerData). */
export interface WorkerInput {
  source: PoolSource;
  jobs: ReachJob[];
  port: MessagePort;
  /** [0]: workers finished, [1]: cells done (for the progress bar). */
  counters: Int32Array;
}

export type WorkerOutput = { ok: true; cells: ReachCell[] } | { ok: false; error: string };

const WAIT_MS = 200;
/** Ten minutes of waits without progress (a worker died without a word). */
const STALL_WAITS = 3000;

/** Splits jobs round-robin, so that every worker gets rows of every kind. */
export function shareJobs<T>(jobs: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  jobs.forEach((j, i) => out[i % n].push(j));
  return out;
}

/** Runs the jobs on `n` workers (the file `reach-worker.js` beside this one) and returns the cells in job order. */
export function evaluateCellsPooled(source: PoolSource, jobs: readonly ReachJob[], n: number, onProgress?: (done: number) => void): ReachCell[] {
  const shares = shareJobs(jobs, Math.max(1, Math.min(n, jobs.length))).filter((s) => s.length > 0);
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const started = shares.map((share) => {
    const { port1, port2 } = new MessageChannel();
    const input: WorkerInput = { source, jobs: share, port: port2, counters };
    const worker = new Worker(new URL('./reach-worker.js', import.meta.url), { workerData: input, transferList: [port2] });
    return { worker, port: port1, share };
  });
  try {
    // A worker the system killed never reports: give up after STALL_WAITS waits without a cell done.
    let idle = 0;
    let seen = -1;
    while (Atomics.load(counters, 0) < started.length) {
      Atomics.wait(counters, 0, Atomics.load(counters, 0), WAIT_MS);
      const done = Atomics.load(counters, 1);
      idle = done === seen ? idle + 1 : 0;
      seen = done;
      if (idle > STALL_WAITS) throw new Error(`reach workers stalled: no cell done in ${(STALL_WAITS * WAIT_MS) / 1000} s`);
      onProgress?.(done);
    }
    const byJob = new Map<string, ReachCell>();
    for (const s of started) {
      const msg = receiveMessageOnPort(s.port)?.message as WorkerOutput | undefined;
      if (msg === undefined) throw new Error('invariant: a reach worker finished without posting its cells');
      if (!msg.ok) throw new Error(`reach worker failed: ${msg.error}`);
      for (const c of msg.cells) byJob.set(`${c.row},${c.col}`, c);
    }
    return jobs.map((j) => {
      const c = byJob.get(`${j.row},${j.col}`);
      if (c === undefined) throw new Error(`invariant: no cell for job ${j.row},${j.col}`);
      return c;
    });
  } finally {
    for (const s of started) {
      s.port.close();
      void s.worker.terminate();
    }
  }
}
