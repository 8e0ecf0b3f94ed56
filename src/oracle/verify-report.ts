// How verify rows are shown: the side-by-side table `net verify` prints, its JSON, the known differences a
// test run accepts (each shown with its reason, never dropped), and the Markdown of docs/kernel-agreement.md.

import type { HostVersions } from './environment.js';
import type { VerifyRow } from './verify.js';

/** A trace knowingly not modelled: `{file, trace, reason}`, as test/kernel/known-differences.json lists them. */
export interface KnownDifference {
  file: string;
  trace: string;
  reason: string;
}

/** Parses the known-differences list; a malformed entry is an error, not a silent skip. */
export function parseKnownDifferences(text: string, source: string): KnownDifference[] {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v)) throw new Error(`${source}: expected a JSON array of {file, trace, reason}`);
  return v.map((e: unknown, i) => {
    const o = e as Partial<Record<keyof KnownDifference, unknown>>;
    if (typeof o !== 'object' || o === null || typeof o.file !== 'string' || typeof o.trace !== 'string' || typeof o.reason !== 'string') {
      throw new Error(`${source}[${i}]: expected {file, trace, reason}, all strings`);
    }
    return { file: o.file, trace: o.trace, reason: o.reason };
  });
}

/** A differing row listed as known becomes `known` with its reason; an agreeing one stays as it is. */
export function applyKnownDifferences(rows: readonly VerifyRow[], known: readonly KnownDifference[]): VerifyRow[] {
  return rows.map((r) => {
    const k = known.find((x) => sameFile(x.file, r.file) && x.trace === r.trace);
    return k !== undefined && r.status === 'DIFFER' ? { ...r, status: 'known', note: k.reason } : r;
  });
}

/** Known differences whose trace agrees now or no longer exists: stale entries a test should report. */
export function staleKnownDifferences(rows: readonly VerifyRow[], known: readonly KnownDifference[]): KnownDifference[] {
  return known.filter((k) => !rows.some((r) => sameFile(k.file, r.file) && k.trace === r.trace && r.status === 'known'));
}

function sameFile(a: string, b: string): boolean {
  const norm = (p: string) => p.replace(/^\.\//, '');
  return norm(a) === norm(b);
}

/** The result column: `agree`, `DIFFER (kind, conntrack)`, `known: reason`, `n/a: reason`. */
export function resultText(r: VerifyRow): string {
  switch (r.status) {
    case 'agree':
      return 'agree';
    case 'DIFFER':
    case 'error':
      return `DIFFER (${r.fields.join(', ')})`;
    case 'known':
      return `known: ${r.note ?? ''} (${r.fields.join(', ')})`;
    case 'not-probed':
      return `n/a: ${r.note ?? ''}`;
  }
}

/** The emulator column: the disposition with its reason, then what a socket would observe. */
export function emulatorText(r: VerifyRow): string {
  const d = `${r.emulator.disposition}${r.emulator.reason !== null ? ` (${r.emulator.reason})` : ''}`;
  return d === r.emulator.outcome ? d : `${d}: ${r.emulator.outcome}`;
}

/** The rules column: how many rule steps agree, or the namespace and step where the two traces part. */
export function rulesText(r: VerifyRow): string {
  if (r.rules === undefined) return '';
  if (r.rules.parting !== undefined) return `part: ${r.rules.parting.netns} step ${r.rules.parting.step}`;
  const n = Object.values(r.rules.kernel).reduce((sum, steps) => sum + steps.length, 0);
  return `${n} step${n === 1 ? '' : 's'} agree${r.rules.branch !== undefined ? ' (another random branch)' : ''}`;
}

/** The vxlan column: the agreed outer header (`vni 1 192.168.56.11 > 192.168.56.12:8472`), or what differs. */
export function vxlanText(r: VerifyRow): string {
  if (r.vxlan === undefined) return '';
  return r.vxlan.agree ? r.vxlan.note : `differ: ${r.vxlan.note}`;
}

/** An outer header in one line, tcpdump's order. */
function outerLine(o: NonNullable<VerifyRow['vxlan']>['emulator']): string {
  if (o === null) return '(no VXLAN packet)';
  const ip = o.ttl !== undefined ? ` ttl ${o.ttl}${o.df === true ? ' DF' : ''}` : '';
  return `${o.src}.${o.sport} > ${o.dst}.${o.dport} vni ${o.vni}${ip}${o.netns !== undefined ? ` (${o.netns})` : ''}`;
}

/** Lines under the table for every differing field that a column does not show whole. */
function differenceLines(r: VerifyRow): string[] {
  if (r.status !== 'DIFFER' && r.status !== 'known' && r.status !== 'error') return [];
  const out = [`${r.trace}:`];
  if (r.fields.includes('route')) out.push(`  route get, emulator: ${r.route.emulator}`, `  route get, kernel:   ${r.route.kernel}`);
  if (r.fields.includes('conntrack') && r.conntrack !== undefined) {
    out.push('  conntrack, emulator:');
    for (const l of lines(r.conntrack.emulator)) out.push(l);
    out.push('  conntrack, kernel:');
    for (const l of lines(r.conntrack.kernel)) out.push(l);
  }
  if (r.fields.includes('rules') && r.rules?.parting !== undefined) {
    const p = r.rules.parting;
    out.push(`  rules part in ${p.netns} at step ${p.step}:`, `    emulator: ${p.emulator}`, `    kernel:   ${p.kernel}`);
  }
  if (r.fields.includes('vxlan') && r.vxlan !== undefined) {
    out.push(`  vxlan, emulator: ${outerLine(r.vxlan.emulator)}`, `  vxlan, kernel:   ${outerLine(r.vxlan.kernel)}`, `  vxlan: ${r.vxlan.problems.join('; ')}`);
  }
  if (r.emulator.detail !== '' && r.emulator.detail !== emulatorText(r)) out.push(`  emulator: ${r.emulator.detail}`);
  if (r.kernel.detail !== '') out.push(`  kernel:   ${r.kernel.detail}`);
  return out;
}

function lines(keys: readonly string[]): string[] {
  return keys.length === 0 ? ['    (none)'] : keys.map((k) => `    ${k}`);
}

/** Columns padded to their widest cell, capped so one long cell does not push the rest off screen. */
function table(header: string[], body: string[][], cap = 64): string[] {
  const widths = header.map((h, i) => Math.min(cap, body.reduce((m, row) => Math.max(m, row[i].length), h.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** The side-by-side table of one or more scenarios, then the details of whatever differs. */
export function renderVerifyTable(rows: readonly VerifyRow[]): string {
  const multi = new Set(rows.map((r) => r.file)).size > 1;
  const traced = rows.some((r) => r.rules !== undefined);
  const overlay = rows.some((r) => r.vxlan !== undefined);
  const header = [
    ...(multi ? ['scenario'] : []), 'trace', 'emulator', 'kernel', ...(traced ? ['rules'] : []), ...(overlay ? ['vxlan'] : []), 'result',
  ];
  const body = rows.map((r) => [
    ...(multi ? [r.scenario] : []), r.trace, emulatorText(r), r.kernel.outcome, ...(traced ? [rulesText(r)] : []),
    ...(overlay ? [vxlanText(r)] : []), resultText(r),
  ]);
  const out = table(header, body);
  const details = rows.flatMap(differenceLines);
  if (details.length > 0) {
    out.push('');
    for (const d of details) out.push(d);
  }
  const wild = rows.filter((r) => r.wildcards !== undefined && r.wildcards.length > 0);
  if (wild.length > 0) {
    out.push('', 'compared as * (the kernel draws these ports at random):');
    for (const r of wild) for (const w of r.wildcards ?? []) out.push(`  ${r.trace}: ${w}`);
  }
  const n = (s: VerifyRow['status']) => rows.filter((r) => r.status === s).length;
  const differ = n('DIFFER') + n('error');
  const parts = [`${n('agree')} agree`, `${differ} differ`];
  if (n('known') > 0) parts.push(`${n('known')} known`);
  if (n('not-probed') > 0) parts.push(`${n('not-probed')} not probed`);
  out.push('', `${parts.join(', ')} (${rows.length} trace${rows.length === 1 ? '' : 's'})`);
  return out.join('\n');
}

/** `--json`: the rows as they are, schema-tagged. */
export function renderVerifyJson(rows: readonly VerifyRow[]): string {
  return JSON.stringify({ schema: 'packetwalk.verify/v1', rows }, null, 2);
}

/** Whether a run passes: nothing differs that is not listed as known. */
export function allAgree(rows: readonly VerifyRow[]): boolean {
  return rows.every((r) => r.status === 'agree' || r.status === 'known' || r.status === 'not-probed');
}

/** docs/kernel-agreement.md from one run. */
export function renderAgreementMarkdown(rows: readonly VerifyRow[], host: HostVersions, seconds: number): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = [
    '# Kernel agreement',
    '',
    'What the emulator predicts and what the Linux kernel did, trace by trace, for every scenario in',
    '`scenarios/` and `test/kernel/fixtures/`. Each trace was built in fresh network namespaces (`net realize`),',
    'probed with a real socket, listener and tcpdump, and compared on what a socket observes, on `ip route get`,',
    'and, where the world has iptables rules, on the connections `conntrack -L` lists afterwards (tuples only).',
    'Ports the kernel draws at random (a VXLAN flow\'s outer source port, a `--random-fully` NAT\'s port) are compared as `*`.',
    '',
    'Generated by `PACKETWALK_KERNEL=required PACKETWALK_WRITE_AGREEMENT=1 npx vitest run test/kernel`; do not',
    'edit by hand. A single scenario: `sudo net verify FILE`.',
    '',
    `- date: ${host.date}`,
    `- kernel: ${host.kernel}`,
    `- iptables: ${host.iptables}`,
    `- traces: ${rows.length}, ${rows.filter((r) => r.status === 'agree').length} agree, `
      + `${rows.filter((r) => r.status === 'known').length} known differences, `
      + `${rows.filter((r) => r.status === 'DIFFER' || r.status === 'error').length} differ, `
      + `${rows.filter((r) => r.status === 'not-probed').length} not probed; ${seconds.toFixed(0)} s`,
    '',
    '| scenario | trace | emulator | kernel | conntrack | result |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ct = r.conntrack === undefined ? '' : `${r.conntrack.kernel.length} entr${r.conntrack.kernel.length === 1 ? 'y' : 'ies'}${r.conntrack.agree ? '' : ` (emulator ${r.conntrack.emulator.length})`}`;
    out.push(`| ${[r.file, r.trace, emulatorText(r), r.kernel.outcome, ct, resultText(r)].map(cell).join(' | ')} |`);
  }
  return `${out.join('\n')}\n`;
}
