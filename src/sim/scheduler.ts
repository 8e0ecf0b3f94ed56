import { VirtualClock } from './clock.js';

interface Job {
  at: number;
  order: number;
  run: () => void;
  /** Housekeeping nobody waits on (a neighbour's DELAY/PROBE timer): it runs while time passes anyway, but does not keep a run going. */
  background: boolean;
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
  #foreground = 0;

  /**
   * Queues `run` after `delayMs` of virtual time (0: as soon as the current job returns). A `background` job
   * runs when time reaches it, but a run whose only work left is background jobs is over.
   */
  after(delayMs: number, run: () => void, background = false): void {
    const job = { at: this.clock.now() + delayMs, order: this.#order++, run, background };
    if (!background) this.#foreground++;
    // Insertion keeps the queue sorted; queues stay short (a trace has a handful of frames in flight).
    let i = this.#queue.length;
    while (i > 0 && this.#precedes(job, this.#queue[i - 1])) i--;
    this.#queue.splice(i, 0, job);
  }

  get steps(): number {
    return this.#steps;
  }

  /**
   * Runs jobs until no foreground job is left (with `background`: until the queue is empty), `until` is
   * reached, or `maxSteps` jobs have run. Background jobs left over stay queued.
   */
  run(opts: { until?: number; maxSteps: number; background?: boolean }): 'idle' | 'until' | 'budget' {
    while (this.#queue.length > 0 && (opts.background === true || this.#foreground > 0)) {
      if (this.#steps >= opts.maxSteps) return 'budget';
      const job = this.#queue[0];
      if (opts.until !== undefined && job.at > opts.until) {
        this.clock.advanceTo(opts.until);
        return 'until';
      }
      this.#queue.shift();
      if (!job.background) this.#foreground--;
      this.clock.advanceTo(job.at);
      this.#steps++;
      job.run();
    }
    return 'idle';
  }

  clear(): void {
    this.#queue = [];
    this.#foreground = 0;
  }

  #precedes(a: Job, b: Job): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }
}
