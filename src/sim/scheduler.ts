import { VirtualClock } from './clock.js';

interface Job {
  at: number;
  order: number;
  run: () => void;
}

/**
 * The step driver: a time-ordered queue of work (frames in flight, timers). Jobs at the same instant run in
 * the order they were queued, so a run is deterministic.
 */
export class Scheduler {
  readonly clock = new VirtualClock();
  #queue: Job[] = [];
  #order = 0;
  #steps = 0;

  /** Queues `run` after `delayMs` of virtual time (0: as soon as the current job returns). */
  after(delayMs: number, run: () => void): void {
    const job = { at: this.clock.now() + delayMs, order: this.#order++, run };
    // Insertion keeps the queue sorted; queues stay short (a trace has a handful of frames in flight).
    let i = this.#queue.length;
    while (i > 0 && this.#precedes(job, this.#queue[i - 1])) i--;
    this.#queue.splice(i, 0, job);
  }

  get steps(): number {
    return this.#steps;
  }

  /** Runs jobs until the queue is empty, `until` is reached, or `maxSteps` jobs have run. */
  run(opts: { until?: number; maxSteps: number }): 'idle' | 'until' | 'budget' {
    while (this.#queue.length > 0) {
      if (this.#steps >= opts.maxSteps) return 'budget';
      const job = this.#queue[0];
      if (opts.until !== undefined && job.at > opts.until) {
        this.clock.advanceTo(opts.until);
        return 'until';
      }
      this.#queue.shift();
      this.clock.advanceTo(job.at);
      this.#steps++;
      job.run();
    }
    return 'idle';
  }

  clear(): void {
    this.#queue = [];
  }

  #precedes(a: Job, b: Job): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}
