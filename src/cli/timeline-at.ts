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
