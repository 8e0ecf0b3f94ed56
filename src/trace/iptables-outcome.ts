// What a trace through a rule dump reports from its walks, for both families (iptables-save-trace.ts for IPv4
// through the kernel core, ip6tables-save-trace.ts for the IPv6 rule walk): one branch per walk, walks that
// came out the same merged, and kube-proxy tracePacket()'s `output`.

import type { HookWalk, IptablesBranch } from './iptables-save-trace.js';

/** What one walk of the packet through the node did. */
export interface WalkOutcome {
  readonly hooks: HookWalk[];
  /** The destination after the last NAT. */
  readonly dst: string;
  readonly dnat: string | null;
  readonly snat: string | null;
  readonly marked: boolean;
  readonly masqueraded: boolean;
}

export function branchOf(w: WalkOutcome, probability: number): IptablesBranch {
  const stop = w.hooks.find((h) => h.verdict !== 'ACCEPT');
  const acceptedBy = [...w.hooks].reverse().find((h) => h.decidedBy !== null && h.verdict === 'ACCEPT' && h.nat === null);
  const verdict = stop?.verdict ?? 'ACCEPT';
  return {
    probability,
    dst: w.dst,
    dnat: w.dnat,
    snat: w.snat,
    markedForMasquerade: w.marked,
    masqueraded: w.masqueraded,
    masquerade: w.marked || w.masqueraded,
    verdict,
    decidedBy: stop ? stop.decidedBy : acceptedBy?.decidedBy ?? null,
    rules: w.hooks.flatMap((h) => h.rules.map((r) => r.rule)),
    hooks: w.hooks,
  };
}

/**
 * Walks that came out the same are one branch: a random match followed by a match that fails (the kernel
 * still draws, statistic_mt() runs before the next match) splits the walk without changing it.
 */
export function mergeBranches(branches: readonly IptablesBranch[]): IptablesBranch[] {
  const byKey = new Map<string, IptablesBranch>();
  for (const b of branches) {
    const key = JSON.stringify([b.rules, b.dst, b.verdict, b.snat, b.markedForMasquerade]);
    const seen = byKey.get(key);
    if (seen) seen.probability += b.probability;
    else byKey.set(key, { ...b });
  }
  return [...byKey.values()];
}

/** kube-proxy tracePacket()'s `output`: DNAT destinations, else a rule's verdict, else "". */
export function flowOutput(branches: readonly IptablesBranch[]): string {
  const dnat = [...new Set(branches.map((b) => b.dnat).filter((d): d is string => d !== null))];
  if (dnat.length) return dnat.join(', ');
  const b = branches[0];
  return b && b.decidedBy ? b.verdict : '';
}
