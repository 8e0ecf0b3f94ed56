// Text and JSON for `net trace --iptables-save`: each hook walked with the rules that matched, then the
// verdict, the DNAT destinations and, for random rules, every branch with its probability.

import { formatRestoreError } from '../kernel/netfilter/index.js';
import type { HookWalk, IptablesBranch, IptablesTrace, IptablesTraceError } from './iptables-save-trace.js';

/** `FILE:LINE:COL: message` for dump errors (the ipsets file's name for its own), `message` for option errors. */
export function formatIptablesTraceError(file: string, e: IptablesTraceError, ipsetsFile = 'ipsets'): string {
  if (e.line === null) return e.message;
  if (e.file === 'ipsets') file = ipsetsFile;
  return `${file}:${formatRestoreError({ line: e.line, column: e.column, message: e.message }).replace(/^line /, '')}`;
}

function probText(p: number): string {
  return p === 1 ? '1' : p.toFixed(4);
}

function hookLines(h: HookWalk): string[] {
  const dev = [h.in ? `in ${h.in}` : '', h.out ? `out ${h.out}` : ''].filter(Boolean).join(' ');
  const lines = [`  ${h.table} ${h.hook}${dev ? ` (${dev})` : ''}: ${h.src} > ${h.dst}`];
  const width = h.rules.reduce((m, r) => Math.max(m, String(r.line ?? '-').length), 4);
  for (const r of h.rules) {
    const p = r.probability !== undefined ? `  [p=${probText(r.probability)}]` : '';
    lines.push(`    ${String(r.line ?? '-').padStart(width)}  ${r.rule}${p}`);
  }
  const end = h.nat ?? (h.decidedBy ? h.verdict : `policy ${h.verdict}`);
  lines.push(`    => ${end}${h.mark !== '0x0' ? `  (mark ${h.mark})` : ''}`);
  return lines;
}

function branchOutcome(b: IptablesBranch): string {
  const parts = [`=> ${b.verdict}${b.decidedBy ? '' : ' (policy)'}`];
  if (b.dnat) parts.push(`dnat ${b.dnat}`);
  if (b.masqueraded) parts.push(`masquerade (${b.snat})`);
  else if (b.markedForMasquerade) parts.push('marked for masquerade');
  return parts.join('  ');
}

/** A trace as text: every hook's chain with the rules that matched (dump line first), per branch. */
export function renderIptablesTraceText(t: IptablesTrace): string {
  // IPv4: A.B.C.D[:PORT]; IPv6 ([ADDR]:PORT or ADDR) went through the ip6tables dump.
  const tool = /^[0-9.]+(:[0-9]+)?$/.test(t.packet.dst) ? 'iptables' : 'ip6tables';
  const lines = [`${tool} trace: ${t.packet.proto} ${t.packet.src} > ${t.packet.dst}  (${t.origin === 'local' ? 'sent by the node: OUTPUT' : 'arrives: PREROUTING'})`];
  const many = t.branches.length > 1;
  t.branches.forEach((b, i) => {
    if (many) lines.push(`branch ${i + 1}/${t.branches.length}  p=${probText(b.probability)}  ${b.dnat ?? b.dst}`);
    for (const h of b.hooks) for (const l of hookLines(h)) lines.push(l);
    lines.push(`  ${branchOutcome(b)}`);
  });
  if (t.truncated) lines.push(`(stopped after ${t.branches.length} branches)`);
  for (const w of t.warnings) lines.push(`warning: ${w}`);
  for (const n of t.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** `-o json`: the trace as is (schema packetwalk.iptables-trace/v1), two-space indented. */
export function renderIptablesTraceJson(t: IptablesTrace): string {
  return JSON.stringify(t, null, 2);
}
