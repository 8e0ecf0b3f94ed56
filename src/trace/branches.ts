import type { WorldSpec } from '../kernel/index.js';
import { World, buildWorld, isNexthopChoice, staticEnv } from '../kernel/index.js';
import { WalkMemo } from '../kernel/netfilter/index.js';
import type { ProbeSpec, RunOptions } from '../sim/index.js';
import type { Trace } from './model.js';
import { runTrace } from './run-trace.js';

/** One distinct outcome of the random choices a packet met (DESIGN.md §4, `branches`). */
export interface TraceBranch {
  probability: number;
  disposition: string;
  /** Destination after NAT, as the first leg last saw it. */
  dst: string;
  /** The packet was source-NATed on its way. */
  masquerade: boolean;
  deliveredTo: Trace['deliveredTo'];
  /** The random rules that matched on this branch, as iptables-save prints them. */
  rules: string[];
  /**
   * The ECMP nexthops this branch took, in order (`nexthop via A dev X weight W (PREFIX in NETNS)`): paths
   * that end alike are still separate branches.
   */
  nexthops: string[];
}

export const BRANCH_LIMIT = 256;

function outcomeOf(t: Trace): { dst: string; masquerade: boolean } {
  let dst = t.packet.dst;
  let masquerade = false;
  for (const h of t.hops) {
    if (h.stage !== 'netfilter' || !h.after) continue;
    if (h.detail.startsWith('DNAT')) dst = h.after.dst;
    if (h.detail.startsWith('SNAT')) masquerade = true;
  }
  return { dst, masquerade };
}

/**
 * Runs the trace once per sequence of random choices (`-m statistic --mode random` rules, ECMP nexthops),
 * depth first, each on a checkpoint of one World (built here once when given a spec), and groups the runs by
 * outcome with their probabilities. Returns the branches and whether the exploration stopped at BRANCH_LIMIT
 * runs.
 *
 * The runs are read for their outcome only, so their chain walks leave out the rule-by-rule facts
 * (RunOptions.ruleWalk): with 100,000 rules, printing each rule walked is what each run would repeat. And runs
 * share the chain walks they have in common, those before their first different choice (a WalkMemo, given in
 * `opts.walkMemo` or made here): a run replays them instead of walking them again.
 */
/** `trace` with the explored branches: `branchesTruncated` says when the exploration stopped before the end. */
export function withBranches<T extends Trace>(trace: T, explored: { branches: TraceBranch[]; truncated: boolean }): T {
  return explored.truncated ? { ...trace, branches: explored.branches, branchesTruncated: true } : { ...trace, branches: explored.branches };
}

export function exploreTraceBranches(
  worldOrSpec: World | WorldSpec,
  probe: ProbeSpec & { name?: string },
  opts: RunOptions = {},
): { branches: TraceBranch[]; truncated: boolean } {
  // A World built once and rolled back after each run: what a run changes (conntrack, neighbours, counters,
  // nth counters, recent lists) is undone by the checkpoint, as for every trace of a scenario.
  const world = worldOrSpec instanceof World ? worldOrSpec : buildWorld(worldOrSpec, { ...staticEnv(), restore: opts.restore });
  // Runs share the chain walks they have in common: those before their first different choice.
  const walkMemo = opts.walkMemo ?? new WalkMemo();
  const pending: boolean[][] = [[]];
  const byOutcome = new Map<string, TraceBranch>();
  let runs = 0;
  while (pending.length > 0 && runs < BRANCH_LIMIT) {
    const prefix = pending.pop() as boolean[];
    const taken: boolean[] = [];
    const rules: string[] = [];
    let p = 1;
    const trace = runTrace(world, probe, {
      ...opts,
      ruleWalk: false,
      walkMemo,
      decide: (prob, rule) => {
        const i = taken.length;
        // A certain choice is no branch (probability 1 or 0 after the kernel's rounding).
        const choice = prob >= 1 ? true : prob <= 0 ? false : i < prefix.length ? prefix[i] : true;
        if (i >= prefix.length && prob > 0 && prob < 1) pending.push([...taken, false]);
        taken.push(choice);
        p *= prob >= 1 || prob <= 0 ? 1 : choice ? prob : 1 - prob;
        if (choice) rules.push(rule);
        return choice;
      },
    });
    runs++;
    const o = outcomeOf(trace);
    const nexthops = [...new Set(rules.filter(isNexthopChoice))];
    const iptablesRules = rules.filter((r) => !isNexthopChoice(r));
    const key = `${trace.disposition}|${trace.deliveredTo?.netns ?? ''}|${o.dst}|${o.masquerade}|${nexthops.join('|')}`;
    const seen = byOutcome.get(key);
    if (seen) seen.probability += p;
    else byOutcome.set(key, { probability: p, disposition: trace.disposition, dst: o.dst, masquerade: o.masquerade, deliveredTo: trace.deliveredTo, rules: iptablesRules, nexthops });
  }
  const branches = [...byOutcome.values()].sort((a, b) => b.probability - a.probability || a.dst.localeCompare(b.dst));
  return { branches, truncated: pending.length > 0 };
}
