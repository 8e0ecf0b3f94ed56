// The World a matrix is taken on: the scenario's, built once, or its timeline's at a point (with the
// Cluster as the timeline's changes left it there, so that names resolve to the pods of that moment).

import type { CompiledCluster } from '../cluster/compile.js';
import type { World } from '../kernel/index.js';
import { buildWorld } from '../kernel/index.js';
import { pointNames, runTimeline } from '../scenario/run-timeline.js';
import type { Scenario } from '../scenario/model.js';

export interface WorldAt {
  world: World;
  cluster: CompiledCluster;
  /** Virtual time the probes start at. */
  startAt: number;
}

export type WorldAtResult = { ok: true; value: WorldAt } | { ok: false; message: string };

/** The World (and Cluster) at `at`, or the scenario's as built; a message (for `flag`) when there is none. */
export function reachWorld(sc: Scenario, at: string | undefined, seed: number, flag = '--at'): WorldAtResult {
  if (sc.cluster === undefined) return { ok: false, message: `${sc.file} is a ${sc.kind}: net reach takes a Cluster (pods, Services, nodes)` };
  if (at === undefined) return { ok: true, value: { world: buildWorld(sc.world), cluster: sc.cluster, startAt: 0 } };
  if (sc.timeline === undefined) return { ok: false, message: `${flag}: ${sc.file} has no timeline (points are steps of a timeline)` };
  const points = pointNames(sc.timeline);
  if (!points.includes(at)) {
    return { ok: false, message: `${flag}: no point "${at}" in the timeline of ${sc.file} (${points.length ? `points: ${points.join(', ')}` : 'it has no point steps'})` };
  }
  let cluster = sc.cluster;
  for (const s of sc.timeline) {
    if (s.kind === 'point' && s.name === at) break;
    if (s.kind === 'cluster') cluster = s.cluster;
  }
  const run = runTimeline(sc.world, sc.timeline, { seed, stopAt: at });
  if (run.failedAt !== undefined) return { ok: false, message: `${flag}: the timeline stopped at step ${run.failedAt + 1}, before point "${at}"` };
  return { ok: true, value: { world: run.world, cluster, startAt: run.now } };
}
