// One cell: the probe of a job traced in full with its reply, once per sequence of random choices it meets
// (kube-proxy's `-m statistic` endpoint picks, ECMP), depth first, as `net trace --branches` explores them.
// Runs that end alike are grouped and their probabilities summed.

import type { World } from '../kernel/index.js';
import type { NetnsOwners } from '../cluster/annotate-trace.js';
import { annotateTrace } from '../cluster/annotate-trace.js';
import { runTrace } from '../trace/index.js';
import type { Trace } from '../trace/index.js';
import { parseIpv4 } from '../wire/ipv4-addr.js';
import type { CellBranch, ReachCell, ReachJob } from './model.js';

export interface CellOptions {
  seed?: number;
  /** Virtual time to start at (a timeline point). */
  startAt?: number;
  owners?: NetnsOwners;
  /** Runs per cell before the exploration stops (the cell says `truncated`). */
  branchLimit?: number;
}

export const CELL_BRANCH_LIMIT = 64;

/** The reply reached the sending socket: a SYN-ACK (TCP), the answer datagram (UDP) or an INIT ACK (SCTP). */
export function isConnected(t: Trace): boolean {
  return t.disposition === 'DELIVERED' && t.reply !== null && t.reply.disposition === 'DELIVERED' && (t.reply.kind === 'syn-ack' || t.reply.kind === 'udp-answer' || t.reply.kind === 'init-ack');
}

function afterNat(t: Trace): string {
  let dst = t.packet.dst;
  for (const h of t.hops) if (h.stage === 'netfilter' && h.after && h.detail.startsWith('DNAT')) dst = h.after.dst;
  return dst;
}

/** The namespaces the packet itself crossed (hops that carry it, not the ARP around it), then where it ended. */
function pathOf(t: Trace): string[] {
  const out: string[] = [];
  const add = (ns: string): void => {
    if (ns !== '' && out[out.length - 1] !== ns) out.push(ns);
  };
  for (const h of t.hops) if (h.packet?.startsWith('IP ')) add(h.netns);
  const last = t.hops[t.hops.length - 1];
  if (last !== undefined) add(last.netns);
  return out;
}

/** The rule whose verdict ended the packet (DROP or REJECT), on the way there or back. */
function stoppingRule(t: Trace): string | null {
  const legs = [t, ...(t.reply !== null ? [t.reply] : [])];
  for (const l of legs) {
    for (let i = l.hops.length - 1; i >= 0; i--) {
      const h = l.hops[i];
      if (h.rule !== null && h.verdict !== null && /^(?:DROP|REJECT)\b/.test(h.verdict)) return h.rule;
    }
  }
  return null;
}

function peerAddr(peer: string): string {
  const colon = peer.lastIndexOf(':');
  return colon > 0 && parseIpv4(peer.slice(0, colon)) !== undefined ? peer.slice(0, colon) : peer;
}

export function branchOf(t: Trace, probability: number): CellBranch {
  const d = t.deliveredTo;
  return {
    probability,
    connected: isConnected(t),
    disposition: t.disposition,
    reason: t.reason,
    reply: t.reply === null ? null : { kind: t.reply.kind, disposition: t.reply.disposition, reason: t.reply.reason },
    deliveredTo: d === null ? null : (d.pod ?? d.netns),
    dst: afterNat(t),
    peerSeen: d === null ? null : peerAddr(d.peerSeen),
    path: pathOf(t),
    rule: stoppingRule(t),
  };
}

const keyOf = (b: CellBranch): string => JSON.stringify({ ...b, probability: 0 });

/** Probes one job on `world` (rolled back after every run) and groups its runs by outcome. */
export function exploreCell(world: World, job: ReachJob, o: CellOptions = {}): ReachCell {
  const dst = parseIpv4(job.dst);
  if (dst === undefined) throw new Error(`invariant: job destination ${job.dst} is an IPv4 address (the planner formats it)`);
  const limit = o.branchLimit ?? CELL_BRANCH_LIMIT;
  const pending: boolean[][] = [[]];
  const grouped = new Map<string, CellBranch>();
  let runs = 0;
  while (pending.length > 0 && runs < limit) {
    const prefix = pending.pop() as boolean[];
    const taken: boolean[] = [];
    let p = 1;
    const plain = runTrace(world, { from: job.from, dst, proto: job.proto, dport: job.dport }, {
      seed: o.seed ?? 1,
      ...(o.startAt !== undefined ? { startAt: o.startAt } : {}),
      decide: (prob) => {
        const i = taken.length;
        const certain = prob >= 1 || prob <= 0;
        const choice = prob >= 1 ? true : prob <= 0 ? false : i < prefix.length ? prefix[i] : true;
        if (i >= prefix.length && !certain) pending.push([...taken, false]);
        taken.push(choice);
        if (!certain) p *= choice ? prob : 1 - prob;
        return choice;
      },
    });
    runs++;
    const t = o.owners === undefined ? plain : annotateTrace(plain, o.owners);
    const b = branchOf(t, p);
    const k = keyOf(b);
    const seen = grouped.get(k);
    if (seen) seen.probability += p;
    else grouped.set(k, b);
  }
  const branches = [...grouped.values()].sort((a, b) => b.probability - a.probability || (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
  const connected = branches.filter((b) => b.connected).length;
  return {
    row: job.row,
    col: job.col,
    verdict: connected === branches.length ? 'connected' : connected === 0 ? 'blocked' : 'mixed',
    branches,
    truncated: pending.length > 0,
  };
}
