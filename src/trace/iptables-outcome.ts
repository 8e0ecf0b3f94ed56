// What a trace through a rule dump reports from its walks, for both families (iptables-save-trace.ts for IPv4
// through the kernel core, ip6tables-save-trace.ts for the IPv6 rule walk): one branch per walk, walks that
// came out the same merged, and kube-proxy tracePacket()'s `output`.

import type { HookWalk, IptablesBranch, IptablesTrace } from './iptables-save-trace.js';

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
  // Keyed by a hash of the matched rules and compared rule by rule within a bucket: a walk can match 100,000
  // rules, and one string of them all per branch would be as long as the whole trace.
  const buckets = new Map<string, IptablesBranch[]>();
  const out: IptablesBranch[] = [];
  for (const b of branches) {
    const key = JSON.stringify([b.rules.length, rulesHash(b.rules), b.dst, b.verdict, b.snat, b.markedForMasquerade]);
    const bucket = buckets.get(key);
    const seen = bucket?.find((x) => sameRules(x.rules, b.rules));
    if (seen) {
      seen.probability += b.probability;
      continue;
    }
    const copy = { ...b };
    out.push(copy);
    if (bucket) bucket.push(copy);
    else buckets.set(key, [copy]);
  }
  return out;
}

/** FNV-1a (32 bits) over the rules' texts, each ended by a newline. */
function rulesHash(rules: readonly string[]): number {
  let h = 0x811c9dc5;
  for (const r of rules) {
    for (let i = 0; i < r.length; i++) h = Math.imul(h ^ r.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 10, 0x01000193);
  }
  return h >>> 0;
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** kube-proxy tracePacket()'s `output`: DNAT destinations, else a rule's verdict, else "". */
export function flowOutput(branches: readonly IptablesBranch[]): string {
  const dnat = [...new Set(branches.map((b) => b.dnat).filter((d): d is string => d !== null))];
  if (dnat.length) return dnat.join(', ');
  const b = branches[0];
  return b && b.decidedBy ? b.verdict : '';
}

/** A trace before anything is walked: ACCEPT by default, no hooks, no branches (both families start here). */
export function blankTrace(packet: IptablesTrace['packet'], origin: IptablesTrace['origin'], nodeIPs: readonly string[], notes: string[]): IptablesTrace {
  return {
    schema: 'packetwalk.iptables-trace/v1',
    packet,
    origin,
    nodeIPs: [...nodeIPs],
    errors: [],
    notes,
    warnings: [],
    hooks: [],
    verdict: 'ACCEPT',
    decidedBy: null,
    dnat: [],
    masquerade: false,
    branches: [],
    truncated: false,
    output: '',
  };
}
