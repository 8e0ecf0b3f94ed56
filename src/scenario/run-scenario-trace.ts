// One trace of a scenario: a packet to an address, or (kind Cluster) to a DNS name, looked up first by the
// source's resolver with every query traced (src/dns/named-trace.ts).

import type { CompiledCluster } from '../cluster/compile.js';
import { runNamedTrace } from '../dns/named-trace.js';
import type { DnsCacheState } from '../dns/named-trace.js';
import type { World } from '../kernel/index.js';
import type { Recorder, RunOptions } from '../sim/index.js';
import { runTraceRecorded } from '../trace/index.js';
import type { Trace } from '../trace/index.js';
import type { TraceSpec } from './model.js';

/**
 * Runs `t` on `world` (a checkpoint of it unless `opts.keep`); `cluster` is the one whose DNS answers names,
 * `dnsCache` NodeLocal DNSCache's contents (a timeline keeps one for its World).
 */
export function runScenarioTrace(
  world: World,
  cluster: CompiledCluster | undefined,
  t: TraceSpec,
  opts: RunOptions = {},
  dnsCache?: DnsCacheState,
): { trace: Trace; recorder: Recorder } {
  if (t.toName === undefined) return runTraceRecorded(world, t, opts);
  // Only a caller that knows the cluster can resolve names (net verify, for one, does not model the resolver).
  if (cluster === undefined) throw new Error(`trace "${t.name}" goes to the DNS name ${t.toName}, which this command cannot resolve (no cluster DNS given)`);
  return runNamedTrace(world, cluster, t.toName, t, { seed: opts.seed, scheduler: opts.scheduler, startAt: opts.startAt, keep: opts.keep, cache: dnsCache });
}
