// A cell in words, for the notes under a table, `--expect` differences and `--diff`.

import type { CellBranch, ReachCell } from './model.js';

function pct(p: number): string {
  const v = Math.round(p * 1000) / 10;
  return `${v}%`;
}

/** One branch: `connected to x/b (peer 10.244.1.2)`, `DROPPED (NETFILTER_DROP) by -A ...`, `DELIVERED, reply DROPPED`. */
export function describeBranch(b: CellBranch): string {
  if (b.connected) return `connected to ${b.deliveredTo ?? b.dst}${b.dst !== '' ? ` at ${b.dst}` : ''}, peer seen ${b.peerSeen ?? '?'}`;
  let out = b.disposition + (b.reason !== null ? ` (${b.reason})` : '');
  if (b.disposition === 'DELIVERED') {
    out += ` to ${b.deliveredTo ?? b.dst}, peer seen ${b.peerSeen ?? '?'}`;
    out += b.reply === null ? ', nothing answers' : `, ${b.reply.kind} ${b.reply.disposition}${b.reply.reason !== null ? ` (${b.reply.reason})` : ''} on the way back`;
  }
  if (b.rule !== null) out += ` by ${b.rule}`;
  return out;
}

/** The whole cell: one branch, or each with its probability. */
export function describeCell(c: ReachCell): string {
  const text = c.branches.length === 1 ? describeBranch(c.branches[0]) : `${c.verdict} (${c.branches.length} branches): ${c.branches.map((b) => `${pct(b.probability)} ${describeBranch(b)}`).join('; ')}`;
  return `${text}${c.truncated ? ' (exploration truncated)' : ''}`;
}

/** What `--diff` compares: the outcome of each branch and its probability, not the path taken. */
export function outcomeKey(c: ReachCell): string {
  return JSON.stringify(c.branches.map((b) => [Math.round(b.probability * 1e6), b.connected, b.disposition, b.reason, b.reply?.kind ?? null, b.reply?.disposition ?? null, b.deliveredTo, b.dst, b.peerSeen, b.rule]));
}
