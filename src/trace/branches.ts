import type { World, WorldSpec } from '../kernel/index.js';
import { isNexthopChoice } from '../kernel/index.js';
import type { ProbeSpec, RunOptions } from '../sim/index.js';
import type { RestoreError, Ruleset, RulesetIndex } from '../kernel/netfilter/index.js';
import { indexRuleset, restore } from '../kernel/netfilter/index.js';
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
 * Runs the trace once per sequence of random choices (`-m statistic --mode random` rules), depth first, each
 * on a checkpoint of the same World (or a fresh one per run, given a spec), and groups the runs by outcome with their probabilities. Returns the branches and
 * whether the exploration stopped at BRANCH_LIMIT runs.
 */
export function exploreTraceBranches(
  world: World | WorldSpec,
  probe: ProbeSpec & { name?: string },
  opts: RunOptions = {},
): { branches: TraceBranch[]; truncated: boolean; first: Trace } {
  const pending: boolean[][] = [[]];
  const byOutcome = new Map<string, TraceBranch>();
  // Every run builds a fresh World (a walk changes conntrack, neighbours, marks), but the rulesets they share
  // are parsed and indexed once: with 100,000 rules that, not the walk, is what each branch would repeat.
  const restoreOnce = sharedRestore();
  let first: Trace | null = null;
  let runs = 0;
  while (pending.length > 0 && runs < BRANCH_LIMIT) {
    const prefix = pending.pop() as boolean[];
    const taken: boolean[] = [];
    const rules: string[] = [];
    let p = 1;
    const trace = runTrace(world, probe, {
      ...opts,
      restore: restoreOnce,
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
    first ??= trace;
    const o = outcomeOf(trace);
    const nexthops = [...new Set(rules.filter(isNexthopChoice))];
    const iptablesRules = rules.filter((r) => !isNexthopChoice(r));
    const key = `${trace.disposition}|${trace.deliveredTo?.netns ?? ''}|${o.dst}|${o.masquerade}|${nexthops.join('|')}`;
    const seen = byOutcome.get(key);
    if (seen) seen.probability += p;
    else byOutcome.set(key, { probability: p, disposition: trace.disposition, dst: o.dst, masquerade: o.masquerade, deliveredTo: trace.deliveredTo, rules: iptablesRules, nexthops });
  }
  const branches = [...byOutcome.values()].sort((a, b) => b.probability - a.probability || a.dst.localeCompare(b.dst));
  return { branches, truncated: pending.length > 0, first: first as Trace };
}

/**
 * iptables-restore that parses (and indexes) each text once and hands every World the same rules, when that
 * is safe: every match is pure (no recent lists, nfacct or nth counters) or a random one the explorer decides,
 * so a walk leaves nothing in the rules but their packet counters, which no branch outcome reads. Other
 * rulesets are parsed anew for each World.
 */
function sharedRestore(): NonNullable<RunOptions['restore']> {
  const parsed = new Map<string, { ruleset: Ruleset; errors: RestoreError[]; index: RulesetIndex } | null>();
  return (text) => {
    let p = parsed.get(text);
    if (p === undefined) {
      const { ruleset, errors } = restore(text);
      p = errors.length === 0 && statelessRules(ruleset) ? { ruleset, errors, index: indexRuleset(ruleset) } : null;
      parsed.set(text, p);
      if (p === null) return { ruleset, errors };
    }
    return p ?? restore(text);
  };
}

function statelessRules(rs: Ruleset): boolean {
  for (const t of rs.tables.values()) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) if (!r.matches.every((m) => m.pure || m.branchProbability !== undefined)) return false;
    }
  }
  return true;
}
