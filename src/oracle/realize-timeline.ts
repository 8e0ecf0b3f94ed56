// A timeline as shell lines for `net realize`'s `timeline` action: each `run` step is the same command line
// net verify runs (realizeCommand()), each `sleep` a real sleep, each trace and point an echo that says where
// they are, so a person can send the trace's packet by hand at that moment.

import { realizeCommand } from '../kernel/tools/index.js';
import type { TimelineStep } from '../scenario/model.js';
import { shq } from './realize.js';

/** Shell lines for the steps, namespaces named `${prefix}NAME`. */
export function timelineShell(steps: readonly TimelineStep[], prefix: string): string[] {
  return steps.map((s, i) => {
    switch (s.kind) {
      case 'run':
        return realizeCommand(`${prefix}${s.netns}`, s.command);
      case 'sleep':
        return `sleep ${Number((s.ms / 1000).toFixed(3))}`;
      case 'point':
        return `echo ${shq(`timeline[${i}]: point ${s.name}`)}`;
      case 'cluster':
        // A re-compiled cluster is not applied to real namespaces (net verify refuses such timelines).
        return `echo ${shq(`timeline[${i}]: ${s.text}: not realized (a Cluster change re-compiles the cluster; rebuild with the next compile)`)}`;
      case 'trace':
        return `echo ${shq(`timeline[${i}]: trace ${JSON.stringify(s.trace.name)} goes here (from ${prefix}${s.trace.from})`)}`;
    }
  });
}
