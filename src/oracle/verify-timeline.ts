// `net verify` for a timeline: the real namespaces are built once, the listeners started once, and the steps
// run in order as on the emulator's one World: each `run` with the same command line (realizeCommand()), each
// `sleep` for real, and each trace probed at its place and compared with the emulator's trace there (the socket's
// outcome and `conntrack -L`). A command's exit status must agree too: a command that fails on one side only
// is a difference, and a failure on both ends the timeline on both. A Cluster step (`kubectl scale`, ...) is
// done to the real namespaces as the cluster's components would do it (realize-cluster-step.ts), in place, so
// their conntrack entries stay as the emulator's do; its row compares the namespaces each side has afterwards
// and, on every node kube-proxy synced, the chains and rule counts `iptables-save` lists with the new compile's.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { CompiledCluster } from '../cluster/compile.js';
import type { ReconcileReport } from '../kernel/netns/reconcile-world.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import { realizeCommand } from '../kernel/tools/index.js';
import type { TimelineStep } from '../scenario/model.js';
import { runTimeline } from '../scenario/run-timeline.js';
import type { TimelineEvent } from '../scenario/run-timeline.js';
import { compareOutcomes, describeOutcome, emulatorOutcome } from './compare.js';
import { compareConntrack, emulatorConntrackKeys, kernelConntrackKeysOf } from './conntrack-compare.js';
import { isolationProblem, netnsWithPrefix, oracleRealizeOptions, runAsync } from './environment.js';
import { DEFAULT_TIMEOUTS, Listeners, probeTrace, runInNetns, unsupportedReason } from './probe.js';
import { rulesModel } from './iptables-restore-model.js';
import { realizeCommands, renderRealizeScript, shq } from './realize.js';
import { clusterStepCommands } from './realize-cluster-step.js';
import type { VerifyOptions, VerifyRow } from './verify.js';
import { downScript, iptablesNamespaces, randomPortNotes, randomPortsOf, withoutListeners } from './verify.js';

export interface TimelineVerifyInput {
  file: string;
  /** The world built in real namespaces. */
  spec: WorldSpec;
  steps: readonly TimelineStep[];
  /** The world the emulator runs; `spec` when omitted. A test hook, as in VerifyInput (verify-fails.test.ts). */
  emulatorSpec?: WorldSpec;
  /** For kind Cluster: the cluster `spec` was compiled from, which the timeline's cluster steps start from. */
  cluster?: CompiledCluster;
}

function baseRow(input: TimelineVerifyInput, index: number, name: string, prefix: string): VerifyRow {
  return {
    file: input.file, scenario: input.spec.name, trace: `timeline[${index}] ${name}`, index, prefix,
    emulator: { disposition: '', reason: null, outcome: '', detail: '', branches: 0 },
    kernel: { outcome: '', detail: '' },
    route: { emulator: '(not compared in a timeline)', kernel: '(not compared in a timeline)', agree: true },
    status: 'agree', fields: [], ms: 0,
  };
}

/**
 * A segment without SYN on the ports of an earlier trace continues that connection in the emulator; the real
 * connection's sequence numbers are the kernel's own, so a crafted segment cannot stand in for it.
 */
function continuesConnection(steps: readonly TimelineStep[], index: number): string | undefined {
  const step = steps[index];
  if (step.kind !== 'trace' || step.trace.flags === undefined || step.trace.flags.includes('S')) return undefined;
  const t = step.trace;
  const key = (x: typeof t): string => `${x.from}|${x.sport ?? 40000}|${x.dst}|${x.dport ?? 0}`;
  const earlier = steps.slice(0, index).some((s) => s.kind === 'trace' && s.trace.proto === 'tcp' && key(s.trace) === key(t));
  return earlier ? `TCP flags ${t.flags} continue the connection of an earlier trace: the kernel's sequence numbers are its own` : undefined;
}

/** Verifies the timeline of one scenario on one real World; one row per trace, and per command that disagrees. */
export async function verifyTimeline(input: TimelineVerifyInput, opts: VerifyOptions): Promise<VerifyRow[]> {
  // The world as it is now: a cluster step moves it to the step's compile.
  let spec = input.spec;
  let cluster = input.cluster;
  const isolation = isolationProblem(spec);
  if (isolation !== undefined) throw new Error(`refusing to realize ${input.file}: ${isolation}`);
  const prefix = `${opts.prefix}t-`;
  const emu = runTimeline(input.emulatorSpec ?? spec, input.steps, { seed: opts.seed ?? 1, cluster: input.cluster });
  const byStep = new Map<number, TimelineEvent>(emu.events.map((e) => [e.index, e]));
  let ctNetns = iptablesNamespaces(spec);
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const realize = oracleRealizeOptions(opts.hasDummy);
  const down = realizeCommands(spec, prefix, realize).down;
  opts.session.built(prefix, down);
  const rows: VerifyRow[] = [];
  const push = (r: VerifyRow): void => {
    rows.push(r);
    opts.onRow?.(r);
  };
  let listeners: Listeners | undefined;
  try {
    const up = await runAsync('bash', ['-c', renderRealizeScript(withoutListeners(spec), prefix, realize), 'realize', 'up'], 60_000);
    if (up.code !== 0) throw new Error(`realize failed (exit ${up.code}): ${up.err.trim()}`);
    listeners = await Listeners.start(spec, prefix, timeouts, opts.session.live);
    for (const [index, step] of input.steps.entries()) {
      const t0 = performance.now();
      const ev = byStep.get(index);
      if (step.kind === 'sleep') await sleep(step.ms);
      if (step.kind === 'cluster') {
        if (cluster === undefined) throw new Error(`invariant: a cluster step (${step.text}) in a scenario that is no Cluster`);
        const plan = clusterStepCommands(cluster, step.cluster, prefix, ev?.kind === 'cluster' ? ev.kubeProxy : [], realize);
        const row = baseRow(input, index, step.text, prefix);
        row.emulator.disposition = 'RECONCILED';
        row.emulator.outcome = ev?.kind === 'cluster' ? changeText(ev.report) : 'not run';
        if (plan.problems.length > 0) {
          row.status = 'error';
          row.fields = ['cluster'];
          row.kernel.outcome = `not realized: ${plan.problems.join('; ')}`;
          push(row);
          break;
        }
        // Processes first: a namespace with a process inside outlives `ip netns del`.
        await listeners.stopIn(new Set(plan.removed));
        // Remembered before they exist, so that a failure half-way still tears them down.
        for (const n of plan.added) down.push(`ip netns del ${shq(`${prefix}${n}`)}`);
        opts.session.built(prefix, down);
        const r = await runAsync('bash', ['-c', ['set -eo pipefail', ...plan.commands].join('\n')], 60_000);
        if (r.code !== 0) throw new Error(`${step.text}: realizing it failed (exit ${r.code}): ${r.err.trim()}`);
        const added = new Set(plan.added);
        listeners.adopt(await Listeners.start({ ...step.cluster.world, namespaces: step.cluster.world.namespaces.filter((n) => added.has(n.name)) }, prefix, timeouts, opts.session.live));
        spec = step.cluster.world;
        cluster = step.cluster;
        ctNetns = iptablesNamespaces(spec);
        const checked = new Set([...plan.synced.map((n) => cluster?.nodes.find((x) => x.name === n)?.netns ?? n), ...plan.rewritten]);
        const seen = await realizedState(spec, prefix, [...checked], opts);
        row.kernel.outcome = `${changeText({ added: plan.added, removed: plan.removed })}${plan.synced.length > 0 ? `; kube-proxy synced on ${plan.synced.join(', ')}` : ''}`;
        row.kernel.detail = plan.rewritten.length > 0 ? `rules beyond kube-proxy's sync rewritten in ${plan.rewritten.join(', ')}` : '';
        row.fields = seen;
        row.status = seen.length === 0 && ev?.kind === 'cluster' ? 'agree' : 'DIFFER';
        if (ev?.kind !== 'cluster') row.fields.push('emulator');
        row.ms = Math.round(performance.now() - t0);
        push(row);
        continue;
      }
      if (step.kind === 'run') {
        const line = realizeCommand(`${prefix}${step.netns}`, step.command);
        const r = await runAsync('bash', ['-c', line], 30_000);
        const emuFailed = ev?.kind === 'run' && ev.stderr.length > 0;
        const kernelFailed = r.code !== 0;
        if (emuFailed !== kernelFailed) {
          const row = baseRow(input, index, `${step.netns}: ${step.command.text}`, prefix);
          row.emulator.outcome = emuFailed && ev?.kind === 'run' ? `failed: ${ev.stderr.join(' ')}` : 'succeeded';
          row.kernel.outcome = kernelFailed ? `failed (exit ${r.code}): ${r.err.trim()}` : 'succeeded';
          row.status = 'DIFFER';
          row.fields = ['command'];
          row.ms = Math.round(performance.now() - t0);
          push(row);
        }
        if (emuFailed || kernelFailed) break;
      }
      if (step.kind !== 'trace') continue;
      const row = baseRow(input, index, step.trace.name, prefix);
      if (ev?.kind !== 'trace') {
        row.status = 'error';
        row.fields = ['emulator'];
        row.emulator.outcome = 'not run';
        push(row);
        continue;
      }
      const observed = emulatorOutcome(ev.trace, { from: step.trace.from, spec });
      row.emulator = {
        disposition: ev.trace.disposition, reason: ev.trace.reason, outcome: describeOutcome(observed), detail: observed.detail, observed,
        branches: ev.trace.branches.length,
      };
      const unsupported = unsupportedReason(step.trace) ?? continuesConnection(input.steps, index);
      if (unsupported !== undefined) {
        row.status = 'not-probed';
        row.note = unsupported;
        row.kernel.outcome = `not probed: ${unsupported}`;
        push(row);
        continue;
      }
      const random = randomPortsOf(spec, ev.trace);
      listeners.forget();
      const outcome = await probeTrace({ spec, prefix, listeners, timeouts, live: opts.session.live }, step.trace);
      row.kernel = { outcome: describeOutcome(outcome), detail: outcome.detail, observed: outcome };
      const c = compareOutcomes(observed, outcome);
      if (!c.agree) row.fields.push(c.field ?? 'kind');
      if (ctNetns.length > 0) {
        const listing: Record<string, string> = {};
        for (const n of ctNetns) {
          const r = await runInNetns(`${prefix}${n}`, 'conntrack', ['-L', '-f', 'ipv4'], 5000, opts.session.live);
          if (r.code !== 0) throw new Error(`conntrack -L in ${prefix}${n} failed: ${r.out.trim()}`);
          listing[n] = r.stdout;
        }
        const emuKeys = emulatorConntrackKeys(ev.trace.conntrack, new Set(ctNetns), random);
        const kernelKeys = kernelConntrackKeysOf(listing, random);
        const cc = compareConntrack(emuKeys, kernelKeys);
        row.conntrack = { netns: ctNetns, emulator: emuKeys, kernel: kernelKeys, agree: cc.agree, listing };
        if (!cc.agree) row.fields.push('conntrack');
      }
      const wildcards = randomPortNotes(observed, row.conntrack?.emulator, random);
      if (wildcards.length > 0) row.wildcards = wildcards;
      row.status = row.fields.length === 0 ? 'agree' : 'DIFFER';
      row.ms = Math.round(performance.now() - t0);
      push(row);
    }
  } catch (e) {
    const row = baseRow(input, -1, 'timeline', prefix);
    row.status = 'error';
    row.fields = ['oracle'];
    row.kernel.outcome = `oracle error: ${e instanceof Error ? e.message : String(e)}`;
    push(row);
  } finally {
    await listeners?.stop();
    opts.session.built(prefix, down);
    if (opts.keep === true) opts.session.keep(prefix);
    else {
      await runAsync('bash', ['-c', downScript(down)], 30_000);
      opts.session.removed(prefix);
    }
  }
  return rows;
}

/** "+a, +b; -c" for the namespaces a cluster step added and removed. */
function changeText(r: Pick<ReconcileReport, 'added' | 'removed'>): string {
  const parts = [...r.added.map((n) => `+${n}`), ...r.removed.map((n) => `-${n}`)];
  return parts.length === 0 ? 'no namespace added or removed' : parts.join(' ');
}

/**
 * After a cluster step, what the kernel has against the new compile: the same namespaces (`ip netns list`), and
 * on each node kube-proxy synced the same chains with as many rules each (`iptables-save`; rule texts are
 * printed in iptables' own canonical form, so they are counted rather than compared). The differing fields.
 */
async function realizedState(spec: WorldSpec, prefix: string, synced: readonly string[], opts: VerifyOptions): Promise<string[]> {
  const fields: string[] = [];
  const have = netnsWithPrefix(prefix).map((n) => n.slice(prefix.length)).filter((n) => !n.startsWith('_')).sort();
  const want = spec.namespaces.map((n) => n.name).sort();
  if (have.join(' ') !== want.join(' ')) fields.push('netns');
  for (const netns of synced) {
    const r = await runInNetns(`${prefix}${netns}`, 'iptables-save', [], 10_000, opts.session.live);
    if (r.code !== 0) throw new Error(`iptables-save in ${prefix}${netns} failed: ${r.out.trim()}`);
    const wanted = rulesModel(spec.namespaces.find((n) => n.name === netns)?.iptables ?? '');
    const got = rulesModel(r.stdout);
    const shape = (m: ReturnType<typeof rulesModel>, tables: Iterable<string>) => [...tables].sort()
      .map((t) => `${t}: ${[...(m.get(t) ?? new Map<string, { rules: string[] }>())].map(([c, x]) => `${c}=${x.rules.length}`).sort().join(' ')}`).join('\n');
    if (shape(wanted, wanted.keys()) !== shape(got, wanted.keys())) {
      fields.push(`iptables ${netns}`);
    }
  }
  return fields;
}
