import type { World, WorldSpec } from '../kernel/index.js';
import { runProbe } from '../sim/index.js';
import type { ProbeSpec, Recorder, RunOptions } from '../sim/index.js';
import { assembleTrace } from './assemble.js';
import type { Trace } from './model.js';

/**
 * Traces one packet and returns it in the Trace model (schema v1). Given a World (built once per scenario),
 * the run takes a checkpoint of it and rolls back, so the World is left as it was; given a spec, the run builds
 * a World of its own.
 */
export function runTrace(world: World | WorldSpec, probe: ProbeSpec & { name?: string }, opts: RunOptions = {}): Trace {
  // The recorder is dropped here, so nobody reads its frames: they are not copied (the Trace never holds them).
  const run = runProbe(world, probe, { ...opts, captures: false });
  return assembleTrace(run.recorder, { name: probe.name ?? null, packet: run.packet });
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
