import type { Hop, Leg, Trace } from './model.js';
import type { TraceBranch } from './branches.js';
import { senderLineNeeded } from './sender-view.js';

export type Detail = 'minimal' | 'summary' | 'detailed';

function time(t: number): string {
  return t === 0 ? '' : `+${(t / 1000).toFixed(3)}s`;
}

function outcome(leg: Leg): string {
  const parts = [`=> ${leg.disposition}`];
  if (leg.deliveredTo) parts.push(`${leg.deliveredTo.netns} ${leg.deliveredTo.addr} (peer seen: ${leg.deliveredTo.peerSeen})`);
  if (leg.reason) parts.push(`reason ${leg.reason}`);
  if (leg.icmp) {
    parts.push(`${leg.icmp.type} from ${leg.icmp.from}${leg.icmp.mtu !== undefined ? ` (mtu ${leg.icmp.mtu})` : ''}`);
  }
  return parts.join('  ');
}

/** The one-line path: namespace/device pairs the packet crossed, in order. */
function path(leg: Leg): string {
  const steps: string[] = [];
  for (const h of leg.hops) {
    if (h.stage !== 'rcv' && h.stage !== 'output-route' && h.stage !== 'forward' && h.stage !== 'drop' && h.stage !== 'exit') continue;
    const s = h.stage === 'forward' ? `${h.netns}(fwd)` : h.stage === 'drop' ? `${h.netns}(drop)`
      : h.stage === 'exit' ? `${h.netns}/${h.dev ?? '-'}(exit)` : `${h.netns}/${h.dev ?? '-'}`;
    if (steps[steps.length - 1] !== s) steps.push(s);
  }
  return steps.join(' -> ');
}

function hopLines(h: Hop, detail: Detail, widths: { ns: number; dev: number }): string[] {
  const head = [
    String(h.seq).padStart(3),
    h.netns.padEnd(widths.ns),
    (h.dev ?? '-').padEnd(widths.dev),
    h.stage.padEnd(13),
    h.detail,
    time(h.t),
  ]
    .filter((s) => s !== '')
    .join('  ');
  const lines = [head];
  const indent = ' '.repeat(3 + 2 + widths.ns + 2 + widths.dev + 2 + 13 + 2);
  if (h.rule && !h.detail.includes(h.rule)) lines.push(`${indent}rule: ${h.rule}`);
  if (h.before && h.after && !h.detail.includes(`${h.after.src} > ${h.after.dst}`)) {
    lines.push(`${indent}nat: ${h.before.src} > ${h.before.dst}  =>  ${h.after.src} > ${h.after.dst}`);
  }
  if (h.packet && (detail === 'detailed' || h.stage === 'output-route' || h.stage === 'icmp-send')) lines.push(`${indent}${h.packet}`);
  if (detail === 'detailed') for (const f of h.facts ?? []) lines.push(`${indent}· ${f}`);
  return lines;
}

function legLines(leg: Leg, detail: Detail): string[] {
  if (detail === 'minimal') return [`  ${path(leg)}`, `  ${outcome(leg)}`];
  const hops = detail === 'detailed' ? leg.hops : leg.hops.filter((h) => !h.minor);
  const widths = {
    ns: hops.reduce((m, h) => Math.max(m, h.netns.length), 5),
    dev: hops.reduce((m, h) => Math.max(m, (h.dev ?? '-').length), 3),
  };
  return [...hops.flatMap((h) => hopLines(h, detail, widths)), `  ${outcome(leg)}`];
}

/** A trace as text, at one of three levels: the path only, the hops that matter, or every step with facts. */
export function renderTraceText(t: Trace, detail: Detail = 'summary'): string {
  const title = t.name ? `trace "${t.name}"` : 'trace';
  const lines = [`${title}: ${t.packet.proto} ${t.packet.src} > ${t.packet.dst}`];
  for (const l of legLines(t, detail)) lines.push(l);
  // When the answer or error is lost on its way back, or nothing comes back, say what the sender lives through.
  if (t.sender && senderLineNeeded(t.sender)) lines.push(`  sender: ${t.sender.text}`);
  if (t.reply) {
    lines.push(`reply (${t.reply.kind}):`);
    for (const l of legLines(t.reply, detail)) lines.push(l);
  }
  const branches = t.branches as TraceBranch[];
  if (branches.length > 0) {
    lines.push(`branches (${branches.length}, every outcome of the random rule matches and ECMP paths):`);
    for (const b of branches) {
      const where = b.deliveredTo ? ` ${b.deliveredTo.netns}` : '';
      lines.push(`  p=${b.probability.toFixed(4)}  ${b.disposition}${where}  dst ${b.dst}${b.masquerade ? '  masqueraded' : ''}`);
      if (detail !== 'minimal') for (const r of [...(b.nexthops ?? []), ...b.rules]) lines.push(`      ${r}`);
    }
  }
  return lines.join('\n');
}
