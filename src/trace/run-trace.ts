import type { World, WorldSpec } from '../kernel/index.js';
import { runProbe } from '../sim/index.js';
import type { ProbeSpec, RunOptions } from '../sim/index.js';
import { assembleTrace } from './assemble.js';
import type { Trace } from './model.js';

/** Traces one packet through a fresh copy of the World and returns it in the Trace model (schema v1). */
export function runTrace(world: World | WorldSpec, probe: ProbeSpec & { name?: string }, opts: RunOptions = {}): Trace {
  const run = runProbe(world, probe, opts);
  return assembleTrace(run.recorder, { name: probe.name ?? null, packet: run.packet });
}
