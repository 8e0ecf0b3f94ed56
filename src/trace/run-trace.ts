import type { World, WorldSpec } from '../kernel/index.js';
import { runProbe } from '../sim/index.js';
import type { ProbeSpec, Recorder, RunOptions } from '../sim/index.js';
import { assembleTrace } from './assemble.js';
import type { Trace } from './model.js';

/** Traces one packet through a fresh copy of the World and returns it in the Trace model (schema v1). */
export function runTrace(world: World | WorldSpec, probe: ProbeSpec & { name?: string }, opts: RunOptions = {}): Trace {
  return runTraceRecorded(world, probe, opts).trace;
}

/** The same, keeping the recorder (frames on the wire for `--pcap`). */
export function runTraceRecorded(
  world: World | WorldSpec,
  probe: ProbeSpec & { name?: string },
  opts: RunOptions = {},
): { trace: Trace; recorder: Recorder } {
  const run = runProbe(world, probe, opts);
  return { trace: assembleTrace(run.recorder, { name: probe.name ?? null, packet: run.packet }), recorder: run.recorder };
}
