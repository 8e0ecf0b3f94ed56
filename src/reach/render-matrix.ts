// `net reach -o table|json|csv`.

import type { Comparison } from './compare-expect.js';
import { describeCell } from './describe-cell.js';
import type { ReachCell, ReachMatrix } from './model.js';
import { REACH_SCHEMA } from './model.js';
import { MARK_BLOCKED, MARK_CONNECTED, MARK_MIXED, renderTruthTable } from './truth-table.js';

/** `.`, `X` or `~` for a cell's verdict. */
export function verdictMark(c: ReachCell): string {
  return c.verdict === 'connected' ? MARK_CONNECTED : c.verdict === 'blocked' ? MARK_BLOCKED : MARK_MIXED;
}

function marksOf(m: ReachMatrix): string[][] {
  const marks = m.rows.map(() => m.cols.map(() => '?'));
  for (const c of m.cells) marks[c.row][c.col] = verdictMark(c);
  return marks;
}

/** How many cells connect, are blocked, are mixed. */
export function countVerdicts(m: ReachMatrix): { connected: number; blocked: number; mixed: number } {
  const n = { connected: 0, blocked: 0, mixed: 0 };
  for (const c of m.cells) n[c.verdict]++;
  return n;
}

/** The truth table; under it, after a blank line, the cells a single mark cannot tell (mixed, truncated). */
export function renderMatrixTable(m: ReachMatrix, comparison?: Comparison): string {
  const table = renderTruthTable(m.rows.map((r) => r.label), m.cols.map((c) => c.label), comparison?.marks ?? marksOf(m));
  const notes = m.cells.filter((c) => c.verdict === 'mixed' || c.truncated).map((c) => `  ${m.rows[c.row].label} -> ${m.cols[c.col].label}: ${describeCell(c)}`);
  return notes.length === 0 ? table : `${table}\n\n${notes.length} cell${notes.length === 1 ? '' : 's'} with branches that end differently (${MARK_MIXED}):\n${notes.join('\n')}`;
}

/** The `-o json` document (schema/reach.schema.json), with each cell's expectation when compared. */
export function matrixJson(m: ReachMatrix, comparison?: Comparison): object {
  return {
    schema: REACH_SCHEMA,
    scenario: m.scenario,
    at: m.at,
    rows: m.rows,
    cols: m.cols,
    counts: countVerdicts(m),
    cells: m.cells.map((c) => ({
      from: m.rows[c.row].label,
      to: m.cols[c.col].label,
      verdict: c.verdict,
      ...(comparison !== undefined ? { expected: comparison.expected[c.row][c.col], agrees: comparison.marks[c.row][c.col] === MARK_CONNECTED } : {}),
      truncated: c.truncated,
      branches: c.branches,
    })),
    ...(comparison !== undefined ? { compared: comparison.compared, differences: comparison.differences.length } : {}),
  };
}

/** `-o json`, indented. */
export function renderMatrixJson(m: ReachMatrix, comparison?: Comparison): string {
  return JSON.stringify(matrixJson(m, comparison), null, 2);
}

/** RFC 4180 quoting. */
export function csvField(v: string | number | boolean | null): string {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = ['from', 'to', 'addr', 'port', 'proto', 'verdict', 'probability', 'connected', 'disposition', 'reason', 'reply', 'delivered_to', 'dst', 'peer_seen', 'rule', 'path'];

/** One line per branch of each cell (a cell without random choices has one). */
export function renderMatrixCsv(m: ReachMatrix, comparison?: Comparison): string {
  const header = comparison === undefined ? CSV_HEADER : [...CSV_HEADER, 'expected', 'agrees'];
  const lines = [header.join(',')];
  for (const c of m.cells) {
    const col = m.cols[c.col];
    for (const b of c.branches) {
      const f: (string | number | boolean | null)[] = [
        m.rows[c.row].label, col.label, col.addr, col.port, col.proto, c.verdict, Math.round(b.probability * 1e6) / 1e6, b.connected, b.disposition, b.reason,
        b.reply === null ? null : `${b.reply.kind} ${b.reply.disposition}`, b.deliveredTo, b.dst, b.peerSeen, b.rule, b.path.join(' > '),
      ];
      if (comparison !== undefined) f.push(comparison.expected[c.row][c.col], comparison.marks[c.row][c.col] === MARK_CONNECTED);
      lines.push(f.map(csvField).join(','));
    }
  }
  return lines.join('\n');
}

export { describeCell };
