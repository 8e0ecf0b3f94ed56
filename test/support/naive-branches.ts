// The branch explorer as it was before runs shared anything (before fan8): every sequence of random choices
// run from the start on a freshly built World, with the full rule walk. Tests compare the explorer with it.
import type { WorldSpec } from '../../src/kernel/index.js';
import { isNexthopChoice } from '../../src/kernel/index.js';
import type { ProbeSpec, RunOptions } from '../../src/sim/index.js';
import type { Trace, TraceBranch } from '../../src/trace/index.js';
import { BRANCH_LIMIT, runTrace } from '../../src/trace/index.js';

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

export function naiveBranches(spec: WorldSpec, probe: ProbeSpec, opts: RunOptions = {}): { branches: TraceBranch[]; truncated: boolean } {
  const pending: boolean[][] = [[]];
  const byOutcome = new Map<string, TraceBranch>();
  let runs = 0;
  while (pending.length > 0 && runs < BRANCH_LIMIT) {
    const prefix = pending.pop() as boolean[];
    const taken: boolean[] = [];
    const rules: string[] = [];
    let p = 1;
    const trace = runTrace(spec, probe, {
      ...opts,
      decide: (prob, rule) => {
        const i = taken.length;
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
