import type { Scenario, TimelineStep } from '../scenario/model.js';
import { pointNames } from '../scenario/run-timeline.js';
import { UsageError } from './usage-error.js';

/** The scenario's timeline, checked to hold the point `at` (`flag` names the option in messages). */
export function timelineAt(sc: Scenario, at: string, flag: string): TimelineStep[] {
  if (sc.timeline === undefined) throw new UsageError(`${flag}: ${sc.file} has no timeline (points are steps of a timeline)`);
  const points = pointNames(sc.timeline);
  if (!points.includes(at)) {
    throw new UsageError(`${flag}: no point "${at}" in the timeline of ${sc.file} (${points.length ? `points: ${points.join(', ')}` : 'it has no point steps'})`);
  }
  return sc.timeline;
}

/** A Cluster as its timeline's changes have left it at point `at` (names of pods made by a scale resolve there). */
export function clusterAt(sc: Scenario, at: string): Scenario['cluster'] {
  let c = sc.cluster;
  for (const s of sc.timeline ?? []) {
    if (s.kind === 'point' && s.name === at) break;
    if (s.kind === 'cluster') c = s.cluster;
  }
  return c;
}
