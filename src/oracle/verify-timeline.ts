// `net verify` for a timeline: the real namespaces are built once, the listeners started once, and the steps
// run in order as on the emulator's one World: each `run` with the same command line (realizeCommand()), each
// `sleep` for real, and each trace probed at its place and compared with the emulator's trace there (the socket's
// outcome and `conntrack -L`). A command's exit status must agree too: a command that fails on one side only
// is a difference, and a failure on both ends the timeline on both.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import type { WorldSpec } from '../kernel/netns/world-spec.js';
import { realizeCommand } from '../kernel/tools/index.js';
import type { TimelineStep } from '../scenario/model.js';
import { runTimeline } from '../scenario/run-timeline.js';
import type { TimelineEvent } from '../scenario/run-timeline.js';
import { compareOutcomes, describeOutcome, emulatorOutcome } from './compare.js';
import { compareConntrack, emulatorConntrackKeys, kernelConntrackKeys } from './conntrack-compare.js';
import { isolationProblem, oracleRealizeOptions, runAsync } from './environment.js';
import { DEFAULT_TIMEOUTS, Listeners, probeTrace, runInNetns, unsupportedReason } from './probe.js';
import { realizeCommands, renderRealizeScript } from './realize.js';
import type { VerifyOptions, VerifyRow } from './verify.js';
import { downScript, iptablesNamespaces, randomPortNotes, withoutListeners } from './verify.js';
import { vxlanFlowSources } from './random-ports.js';

export interface TimelineVerifyInput {
  file: string;
  /** The world built in real namespaces. */
  spec: WorldSpec;
  steps: readonly TimelineStep[];
  /** The world the emulator runs; `spec` when omitted. A test hook, as in VerifyInput (verify-fails.test.ts). */
  emulatorSpec?: WorldSpec;
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
  const spec = input.spec;
  const isolation = isolationProblem(spec);
  if (isolation !== undefined) throw new Error(`refusing to realize ${input.file}: ${isolation}`);
  const prefix = `${opts.prefix}t-`;
  const emu = runTimeline(input.emulatorSpec ?? spec, input.steps, { seed: opts.seed ?? 1 });
  const byStep = new Map<number, TimelineEvent>(emu.events.map((e) => [e.index, e]));
  const ctNetns = iptablesNamespaces(spec);
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const realize = oracleRealizeOptions(opts.hasDummy);
  const { down } = realizeCommands(spec, prefix, realize);
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
        const flows = vxlanFlowSources(spec);
        const emuKeys = emulatorConntrackKeys(ev.trace.conntrack, new Set(ctNetns), flows);
        const kernelKeys = ctNetns.flatMap((n) => kernelConntrackKeys(n, listing[n] ?? '', flows)).sort();
        const cc = compareConntrack(emuKeys, kernelKeys);
        row.conntrack = { netns: ctNetns, emulator: emuKeys, kernel: kernelKeys, agree: cc.agree, listing };
        if (!cc.agree) row.fields.push('conntrack');
      }
      const wildcards = randomPortNotes(observed, row.conntrack?.emulator);
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
    if (opts.keep === true) opts.session.keep(prefix);
    else {
      await runAsync('bash', ['-c', downScript(down)], 30_000);
      opts.session.removed(prefix);
    }
  }
  return rows;
}
