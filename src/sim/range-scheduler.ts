// The order in which the worker pool (worker-pool.ts) hands tasks to its threads.

/**
 * Which task each thread runs next. Each thread starts with its own contiguous range of the tasks (so the tasks
 * of one scenario file stay on one thread, which builds the file's World once) and runs it in order; a thread
 * whose range is done takes the upper half of the largest range left (so the threads finish together).
 */
export class RangeScheduler {
  private readonly ranges: Array<{ lo: number; hi: number }>;
  /** Tasks not handed to any thread yet. */
  left: number;

  constructor(tasks: number, threads: number) {
    this.ranges = Array.from({ length: threads }, (_, k) => ({ lo: Math.floor((k * tasks) / threads), hi: Math.floor(((k + 1) * tasks) / threads) }));
    this.left = tasks;
  }

  /** The next task for thread `k`, or undefined when every task has been handed out. */
  take(k: number): number | undefined {
    const r = this.ranges[k];
    if (r.lo === r.hi) {
      let most = 0;
      let victim: { lo: number; hi: number } | undefined;
      for (const v of this.ranges) {
        if (v.hi - v.lo > most) {
          most = v.hi - v.lo;
          victim = v;
        }
      }
      if (victim === undefined) return undefined;
      const mid = victim.lo + Math.floor(most / 2);
      r.lo = mid;
      r.hi = victim.hi;
      victim.hi = mid;
    }
    this.left--;
    return r.lo++;
  }
}
