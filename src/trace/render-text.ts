import type { DnsQueryTrace, Hop, Leg, Trace, TraceDns } from './model.js';
import { BRANCH_LIMIT } from './branches.js';
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

/** One DNS query: its packet, the answer's way back, and what the resolver read. */
function dnsQueryLines(q: DnsQueryTrace, n: number, detail: Detail): string[] {
  const lines = [`  query ${n}: ${q.qname} IN ${q.qtype}  (udp ${q.trace.packet.src} > ${q.server})`];
  const indent = (l: string): string => `  ${l}`;
  for (const l of legLines(q.trace, detail)) lines.push(indent(l));
  if (q.trace.reply) {
    lines.push(`    answer's way back (${q.trace.reply.kind}):`);
    for (const l of legLines(q.trace.reply, detail)) lines.push(indent(l));
  }
  if (q.forwarded) {
    lines.push(`    cache miss: NodeLocal DNSCache asks upstream (tcp ${q.forwarded.trace.packet.src} > ${q.forwarded.server}):`);
    for (const l of legLines(q.forwarded.trace, detail)) lines.push(`    ${l}`);
    if (q.forwarded.trace.reply) {
      lines.push(`      reply (${q.forwarded.trace.reply.kind}):`);
      for (const l of legLines(q.forwarded.trace.reply, detail)) lines.push(`    ${l}`);
    }
  }
  if (q.failure !== null) {
    lines.push(q.failure === 'timeout'
      ? '    no answer: the resolver times out (glibc: timeout:5, attempts:2, so 10 s per server)'
      : '    no answer: ICMP port unreachable, the resolver\'s socket gets ECONNREFUSED');
  } else if (q.response !== null) {
    const by = q.answeredBy === null ? '' : ` from ${q.answeredBy.pod ?? q.answeredBy.netns} (${q.answeredBy.server})`;
    const what = q.response.answer.length > 0 ? `${q.response.answer.length} answer${q.response.answer.length === 1 ? '' : 's'}` : q.response.note ?? 'no answer records';
    lines.push(`    ${q.response.rcode}${by}: ${what}`);
    const shown = detail === 'detailed' ? [...q.response.answer, ...q.response.authority, ...q.response.additional] : q.response.answer;
    for (const rr of shown) lines.push(`      ${rr}`);
  }
  return lines;
}

/** The lookup a destination given by name took, query by query (glibc's search list, A and AAAA). */
function dnsLines(d: TraceDns, detail: Detail): string[] {
  const lines = [`dns: "${d.name}" looked up by the source's resolver (${d.libc}, getaddrinfo: A and AAAA per candidate)`];
  lines.push(`  /etc/resolv.conf: ${d.resolvConf.join(' | ')}`);
  let n = 0;
  let next = 0;
  for (const a of d.attempts) {
    while (next < d.queries.length && d.queries[next].qname === a.name) {
      n++;
      for (const l of dnsQueryLines(d.queries[next], n, detail)) lines.push(l);
      next++;
    }
    lines.push(`  => ${a.name} ${a.verdict === 'answer' ? 'answered' : a.verdict}`);
  }
  lines.push(d.result === 'found'
    ? `  result: ${d.answeredName} has address ${d.address} (${d.queries.length} queries); the connection goes there:`
    : `  result: ${d.result} after ${d.queries.length} queries: getaddrinfo fails with ${d.error}; no connection is attempted (the trace below is the last query's)`);
  return lines;
}

/** A trace as text, at one of three levels: the path only, the hops that matter, or every step with facts. */
export function renderTraceText(t: Trace, detail: Detail = 'summary'): string {
  const title = t.name ? `trace "${t.name}"` : 'trace';
  const lines: string[] = [];
  if (t.dns !== undefined) for (const l of dnsLines(t.dns, detail)) lines.push(l);
  lines.push(`${title}: ${t.packet.proto} ${t.packet.src} > ${t.packet.dst}`);
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
    if (t.branchesTruncated) lines.push(`  (exploration stopped after ${BRANCH_LIMIT} runs: these are the outcomes found so far, their probabilities add up to less than 1)`);
  }
  return lines.join('\n');
}
