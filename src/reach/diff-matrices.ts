// `--diff`: the cells whose outcome changed between two matrices ("what does this change break"), matched by
// source and destination labels; sources and destinations only one side has are listed apart.

import { describeCell, outcomeKey } from './describe-cell.js';
import type { ReachCell, ReachMatrix } from './model.js';
import { REACH_SCHEMA } from './model.js';
import { csvField } from './render-matrix.js';
import { MARK_BLOCKED, MARK_CONNECTED, renderTruthTable } from './truth-table.js';

export interface ChangedCell {
  from: string;
  to: string;
  before: ReachCell;
  after: ReachCell;
}

export interface MatrixDiff {
  before: { scenario: string; at: string | null };
  after: { scenario: string; at: string | null };
  /** Labels both sides have, in the after side's order. */
  rows: string[];
  cols: string[];
  compared: number;
  changed: ChangedCell[];
  rowsOnlyBefore: string[];
  rowsOnlyAfter: string[];
  colsOnlyBefore: string[];
  colsOnlyAfter: string[];
}

/** The cells both matrices have whose verdict or branch outcomes differ, and the labels only one side has. */
export function diffMatrices(before: ReachMatrix, after: ReachMatrix): MatrixDiff {
  const label = (m: ReachMatrix, c: ReachCell): string => `${m.rows[c.row].label}\t${m.cols[c.col].label}`;
  const old = new Map(before.cells.map((c) => [label(before, c), c]));
  const bRows = new Set(before.rows.map((r) => r.label));
  const bCols = new Set(before.cols.map((c) => c.label));
  const aRows = new Set(after.rows.map((r) => r.label));
  const aCols = new Set(after.cols.map((c) => c.label));
  const changed: ChangedCell[] = [];
  let compared = 0;
  for (const c of after.cells) {
    const was = old.get(label(after, c));
    if (was === undefined) continue;
    compared++;
    if (was.verdict !== c.verdict || outcomeKey(was) !== outcomeKey(c)) changed.push({ from: after.rows[c.row].label, to: after.cols[c.col].label, before: was, after: c });
  }
  return {
    before: { scenario: before.scenario, at: before.at },
    after: { scenario: after.scenario, at: after.at },
    rows: [...aRows].filter((r) => bRows.has(r)),
    cols: [...aCols].filter((c) => bCols.has(c)),
    compared,
    changed,
    rowsOnlyBefore: [...bRows].filter((r) => !aRows.has(r)),
    rowsOnlyAfter: [...aRows].filter((r) => !bRows.has(r)),
    colsOnlyBefore: [...bCols].filter((c) => !aCols.has(c)),
    colsOnlyAfter: [...aCols].filter((c) => !bCols.has(c)),
  };
}

const side = (s: { scenario: string; at: string | null }): string => (s.at === null ? s.scenario : `${s.scenario} at ${s.at}`);

/** The common cells as a truth table (`.` unchanged, `X` changed), then each change, before => after. */
export function renderDiffTable(d: MatrixDiff): string {
  const changed = new Set(d.changed.map((c) => `${c.from}\t${c.to}`));
  const marks = d.rows.map((r) => d.cols.map((c) => (changed.has(`${r}\t${c}`) ? MARK_BLOCKED : MARK_CONNECTED)));
  const lines = [renderTruthTable(d.rows, d.cols, marks), '', `${d.changed.length} of ${d.compared} cells changed from ${side(d.before)} to ${side(d.after)}`];
  for (const c of d.changed) {
    lines.push(`  ${c.from} -> ${c.to}:`, `    before: ${describeCell(c.before)}`, `    after:  ${describeCell(c.after)}`);
  }
  const only = (what: string, xs: string[]): void => {
    if (xs.length > 0) lines.push(`${what}: ${xs.join(' ')}`);
  };
  only('sources only before', d.rowsOnlyBefore);
  only('sources only after', d.rowsOnlyAfter);
  only('destinations only before', d.colsOnlyBefore);
  only('destinations only after', d.colsOnlyAfter);
  return lines.join('\n');
}

/** `--diff -o json`: schema packetwalk.reach/v1 with a `diff` object. */
export function renderDiffJson(d: MatrixDiff): string {
  return JSON.stringify(
    {
      schema: REACH_SCHEMA,
      diff: {
        before: d.before,
        after: d.after,
        compared: d.compared,
        changed: d.changed.map((c) => ({ from: c.from, to: c.to, before: { verdict: c.before.verdict, branches: c.before.branches }, after: { verdict: c.after.verdict, branches: c.after.branches } })),
        rowsOnlyBefore: d.rowsOnlyBefore,
        rowsOnlyAfter: d.rowsOnlyAfter,
        colsOnlyBefore: d.colsOnlyBefore,
        colsOnlyAfter: d.colsOnlyAfter,
      },
    },
    null,
    2,
  );
}

/** `--diff -o csv`: one line per changed cell. */
export function renderDiffCsv(d: MatrixDiff): string {
  const lines = ['from,to,before_verdict,before,after_verdict,after'];
  for (const c of d.changed) lines.push([c.from, c.to, c.before.verdict, describeCell(c.before), c.after.verdict, describeCell(c.after)].map(csvField).join(','));
  return lines.join('\n');
}
