// A matrix against an expected one: each cell agrees (`.`) or differs (`X`), as reachability.go's Summary
// compares expected and observed truth tables.

import { describeCell } from './describe-cell.js';
import type { ReachCell, ReachMatrix } from './model.js';
import type { ExpectedMatrix } from './read-expect.js';
import { cellKey } from './read-expect.js';
import { MARK_BLOCKED, MARK_CONNECTED } from './truth-table.js';

export interface CellDifference {
  from: string;
  to: string;
  expected: boolean;
  cell: ReachCell;
}

export interface Comparison {
  /** marks[row][col]: `.` agrees (or not compared), `X` differs. */
  marks: string[][];
  /** expected[row][col]: the expectation, null where none (or a loopback cell left out). */
  expected: (boolean | null)[][];
  compared: number;
  differences: CellDifference[];
}

/** A cell whose sender is the destination itself (kubernetes/kubernetes#95879: ignoreLoopback). */
export function isLoopback(m: ReachMatrix, cell: ReachCell): boolean {
  const holders = m.cols[cell.col].holders;
  return holders.length > 0 && holders.every((h) => h === m.rows[cell.row].netns);
}

/** Labels of the expectation that the matrix lacks, for a located complaint. */
export function missingLabels(m: ReachMatrix, e: ExpectedMatrix): { rows: string[]; cols: string[] } {
  const rows = new Set(m.rows.map((r) => r.label));
  const cols = new Set(m.cols.map((c) => c.label));
  return { rows: e.rows.filter((r) => !rows.has(r)), cols: e.cols.filter((c) => !cols.has(c)) };
}

/** Each cell with an expectation agrees or differs; `ignoreLoopback` leaves out the sender-is-destination cells. */
export function compareWithExpected(m: ReachMatrix, e: ExpectedMatrix, o: { ignoreLoopback?: boolean } = {}): Comparison {
  const marks = m.rows.map(() => m.cols.map(() => MARK_CONNECTED));
  const expected: (boolean | null)[][] = m.rows.map(() => m.cols.map(() => null));
  const differences: CellDifference[] = [];
  let compared = 0;
  for (const cell of m.cells) {
    const from = m.rows[cell.row].label;
    const to = m.cols[cell.col].label;
    const want = e.cells.get(cellKey(from, to));
    if (want === undefined || (o.ignoreLoopback && isLoopback(m, cell))) continue;
    expected[cell.row][cell.col] = want;
    compared++;
    const agrees = want ? cell.verdict === 'connected' : cell.verdict === 'blocked';
    if (!agrees) {
      marks[cell.row][cell.col] = MARK_BLOCKED;
      differences.push({ from, to, expected: want, cell });
    }
  }
  return { marks, expected, compared, differences };
}

/** The lines under the comparison table: the count, then each difference. */
export function renderDifferences(c: Comparison): string {
  const lines = [`${c.differences.length} of ${c.compared} cells differ from the expectation`];
  for (const d of c.differences) lines.push(`  ${d.from} -> ${d.to}: expected ${d.expected ? 'connected' : 'blocked'}, got ${describeCell(d.cell)}`);
  return lines.join('\n');
}
