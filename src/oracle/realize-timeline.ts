// A timeline as shell lines for `net realize`'s `timeline` action: each `run` step is the same command line
// net verify runs (realizeCommand()), each `sleep` a real sleep, each trace and point an echo that says where
// they are, so a person can send the trace's packet by hand at that moment. A Cluster change is the commands
// net verify runs for it (realize-cluster-step.ts), given the cluster the scenario compiled.

import type { CompiledCluster } from '../cluster/compile.js';
import type { KubeProxyNodeSync } from '../cluster/live-kube-proxy.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import { realizeCommand } from '../kernel/tools/index.js';
import type { TimelineStep } from '../scenario/model.js';
import { runTimeline } from '../scenario/run-timeline.js';
import type { RealizeOptions } from './realize.js';
import { shq } from './realize.js';
import { clusterStepCommands } from './realize-cluster-step.js';

/** Shell lines for the steps, namespaces named `${prefix}NAME`; `cluster`: what a Cluster scenario compiled. */
export function timelineShell(steps: readonly TimelineStep[], prefix: string, cluster?: CompiledCluster, opts: RealizeOptions = {}, world?: WorldSpec): string[] {
  let now = cluster;
  // kube-proxy applies what the emulator's live kube-proxy applied at each step (net verify does the same).
  const events = world !== undefined && cluster !== undefined ? runTimeline(world, steps, { seed: 1, cluster }).events : [];
  const kubeProxyAt = (i: number): KubeProxyNodeSync[] => events.flatMap((e) => (e.kind === 'cluster' && e.index === i ? e.kubeProxy : []));
  return steps.flatMap((s, i) => {
    switch (s.kind) {
      case 'run':
        return [realizeCommand(`${prefix}${s.netns}`, s.command)];
      case 'sleep':
        return [`sleep ${Number((s.ms / 1000).toFixed(3))}`];
      case 'point':
        return [`echo ${shq(`timeline[${i}]: point ${s.name}`)}`];
      case 'cluster': {
        if (now === undefined) return [`echo ${shq(`timeline[${i}]: ${s.text}: not realized (no compiled cluster)`)} >&2`, 'exit 1'];
        const plan = clusterStepCommands(now, s.cluster, prefix, kubeProxyAt(i), opts);
        now = s.cluster;
        if (plan.problems.length > 0) return [`echo ${shq(`timeline[${i}]: ${s.text}: not realized: ${plan.problems.join('; ')}`)} >&2`, 'exit 1'];
        const listening = s.cluster.world.namespaces.filter((n) => plan.added.includes(n.name) && n.listen.length > 0).map((n) => `${prefix}${n.name}`);
        return [
          `echo ${shq(`timeline[${i}]: ${s.text}`)}`,
          ...plan.commands,
          ...(listening.length > 0 ? [`echo ${shq(`timeline[${i}]: listen sockets of the new namespaces are not started (${listening.join(', ')})`)}`] : []),
        ];
      }
      case 'trace':
        return [`echo ${shq(`timeline[${i}]: trace ${JSON.stringify(s.trace.name)} goes here (from ${prefix}${s.trace.from})`)}`];
    }
  });
}

/** Namespaces the timeline's Cluster changes add: the script's `down` deletes them too. */
export function timelineNamespaces(steps: readonly TimelineStep[]): string[] {
  const out = new Set<string>();
  for (const s of steps) if (s.kind === 'cluster') for (const n of s.cluster.world.namespaces) out.add(n.name);
  return [...out];
}
