// The timeline runner: one World, one virtual clock and scheduler for the whole timeline, steps in order.
// A trace runs on the live World and keeps what it leaves (conntrack entries, learned neighbours and fdb
// entries); a `run` step applies a command with its tool's interpreter (kernel/tools/) at the current virtual
// time; `sleep` advances the clock; a `point` is where `--at` stops. A command that fails (its tool would
// print an error) stops the timeline there, as `set -e` would.

import { buildWorld, staticEnv } from '../kernel/index.js';
import type { KernelEnv, World, WorldSpec } from '../kernel/index.js';
import { applyCommand } from '../kernel/tools/index.js';
import { LiveKubeProxies } from '../cluster/live-kube-proxy.js';
import type { KubeProxyNodeSync } from '../cluster/live-kube-proxy.js';
import { reconcileWorld } from '../kernel/netns/reconcile-world.js';
import type { ReconcileReport } from '../kernel/netns/reconcile-world.js';
import { Rng, Scheduler } from '../sim/index.js';
import type { Recorder } from '../sim/index.js';
import { exploreTraceBranches, withBranches } from '../trace/index.js';
import { runScenarioTrace } from './run-scenario-trace.js';
import { emptyDnsCache } from '../dns/named-trace.js';
import type { CompiledCluster } from '../cluster/compile.js';
import type { Trace } from '../trace/index.js';
import { checkExpectations } from './expect.js';
import type { TimelineStep } from './model.js';

export type TimelineEvent =
  | { kind: 'trace'; index: number; step: Extract<TimelineStep, { kind: 'trace' }>; trace: Trace; recorder: Recorder; problems: string[] }
  | { kind: 'run'; index: number; step: Extract<TimelineStep, { kind: 'run' }>; stderr: string[] }
  | { kind: 'sleep'; index: number; step: Extract<TimelineStep, { kind: 'sleep' }>; now: number }
  | { kind: 'point'; index: number; step: Extract<TimelineStep, { kind: 'point' }>; now: number }
  | {
    kind: 'cluster'; index: number; step: Extract<TimelineStep, { kind: 'cluster' }>; report: ReconcileReport;
    /** What each node's kube-proxy did: its sync (partial or full, chains deleted) and conntrack clean-up. */
    kubeProxy: KubeProxyNodeSync[];
  };

export interface TimelineRun {
  /** The World as the timeline left it (at `stopAt`, at a failed step, or at the end). */
  world: World;
  /** The virtual time then (ms). */
  now: number;
  events: TimelineEvent[];
  /** The index of the step that failed, if one did. */
  failedAt?: number;
  /** Whether the run stopped at the point `stopAt`. */
  stopped: boolean;
}

export interface TimelineOptions {
  seed?: number;
  /** Stop at this point (its name); the World and clock are then as they are there. */
  stopAt?: string;
  /** kind Cluster: the cluster the World was compiled from (its DNS answers names in `to:`). */
  cluster?: CompiledCluster;
  /** Called as each step is done. */
  onEvent?: (e: TimelineEvent) => void;
}

/** Runs `steps` on one World built from `spec`. */
export function runTimeline(spec: WorldSpec, steps: readonly TimelineStep[], opts: TimelineOptions = {}): TimelineRun {
  const sched = new Scheduler();
  const rng = new Rng(opts.seed ?? 1);
  // Between traces nothing is reported; time is the timeline's.
  const env: KernelEnv = {
    timers: { now: () => sched.clock.now(), after: (ms, run, background) => sched.after(ms, run, background) },
    random: () => rng.next(),
    sink: staticEnv().sink,
    hopBudget: 64,
  };
  let world = buildWorld(spec, env);
  // Each node's kube-proxy, from the first cluster step on (its state at the compile is the first step's `before`).
  let kubeProxies: LiveKubeProxies | undefined;
  // The cluster as the timeline has changed it: its DNS answers the traces that name their destination.
  let cluster = opts.cluster;
  // NodeLocal DNSCache's contents live as long as the timeline's World.
  const dnsCache = emptyDnsCache();
  const events: TimelineEvent[] = [];
  const emit = (e: TimelineEvent): void => {
    events.push(e);
    opts.onEvent?.(e);
  };
  const done = (extra: Partial<TimelineRun>): TimelineRun => ({ world, now: sched.clock.now(), events, stopped: false, ...extra });
  for (const [index, step] of steps.entries()) {
    switch (step.kind) {
      case 'trace': {
        const seed = opts.seed ?? 1;
        // Branches first, each on a checkpoint at this moment; then the run the timeline keeps.
        const branches = step.trace.expect?.branches ? exploreTraceBranches(world, step.trace, { seed, startAt: sched.clock.now() }) : null;
        const { trace: seeded, recorder } = runScenarioTrace(world, cluster, step.trace, { seed, scheduler: sched, keep: true }, dnsCache);
        const trace = branches ? withBranches(seeded, branches) : seeded;
        emit({ kind: 'trace', index, step, trace, recorder, problems: step.trace.expect ? checkExpectations(trace, step.trace.expect) : [] });
        break;
      }
      case 'run': {
        const ns = world.netns(step.netns);
        if (!ns) throw new Error(`invariant: timeline netns ${step.netns} missing (the loader checks this)`);
        const stderr = applyCommand(ns, step.command, sched.clock.now());
        emit({ kind: 'run', index, step, stderr });
        if (stderr.length > 0) return done({ failedAt: index });
        break;
      }
      case 'sleep': {
        const until = sched.clock.now() + step.ms;
        sched.run({ until, maxSteps: sched.steps + 1_000_000, background: true });
        sched.clock.advanceTo(until);
        emit({ kind: 'sleep', index, step, now: until });
        break;
      }
      case 'cluster': {
        // The controllers and the CNI have caught up: the World is the new compile's, with the dynamic state of
        // every namespace that remains; kube-proxy then syncs the change into each node's live rules.
        kubeProxies ??= new LiveKubeProxies(step.before);
        const live = world;
        const r = step.kubeProxy === 'only' ? { world, report: { kept: [...world.namespaces.keys()], added: [], removed: [] } } : reconcileWorld(world, step.cluster.world, env);
        world = r.world;
        const kubeProxy = kubeProxies.step(step.cluster, live, world, sched.clock.now(), step.kubeProxy);
        cluster = step.cluster;
        emit({ kind: 'cluster', index, step, report: r.report, kubeProxy });
        break;
      }
      case 'point':
        emit({ kind: 'point', index, step, now: sched.clock.now() });
        if (step.name === opts.stopAt) return done({ stopped: true });
        break;
    }
  }
  return done({});
}

/** The names of a timeline's points, in order. */
export function pointNames(steps: readonly TimelineStep[]): string[] {
  return steps.flatMap((s) => (s.kind === 'point' ? [s.name] : []));
}
