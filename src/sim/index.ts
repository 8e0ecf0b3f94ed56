export { VirtualClock } from './clock.js';
export { Rng } from './rng.js';
export { Scheduler } from './scheduler.js';
export { Recorder } from './recorder.js';
export type { LegRecord } from './recorder.js';
export { runProbe, DEFAULT_SPORT, TCP_FLAG_LETTERS, tcpFlagsOf, tcpFlagsProblem } from './probe.js';
export type { ProbeRun, ProbeSpec, RunOptions } from './probe.js';
export { canUseWorkers, defaultJobs, runInline, runPool } from './worker-pool.js';
export type { PoolOptions, TaskModule } from './worker-pool.js';
