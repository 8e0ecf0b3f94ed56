// `--expect FILE`: the expected matrix, as a truth table (PrettyPrint layout, `.` connected, `X` not, `?`
// unknown), as JSON (`{"FROM": {"TO": true}}`, the `matrix` fields of the upstream data; an array of table
// lines, its `table` fields; or a packetwalk.reach/v1 document, whose connected cells are expected).

import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { Diagnostic } from '../scenario/diagnostics.js';
import { REACH_SCHEMA } from './model.js';

export interface ExpectedMatrix {
  rows: string[];
  cols: string[];
  /** `ROW\tCOL` to connected; a `?` cell is absent. */
  cells: Map<string, boolean>;
}

export type ExpectResult = { ok: true; expected: ExpectedMatrix } | { ok: false; diagnostics: Diagnostic[] };

export const cellKey = (row: string, col: string): string => `${row}\t${col}`;

/** Reads table lines; `firstLine` is the file line of lines[0]. */
function readTable(file: string, lines: readonly string[], firstLine: number): ExpectResult {
  const diags: Diagnostic[] = [];
  const at = (i: number, column: number, message: string): void => {
    diags.push({ file, line: firstLine + i, column, message });
  };
  const rowsAt = lines.map((l, i) => ({ l: l.replace(/\r$/, ''), i })).filter((x) => x.l.trim() !== '');
  if (rowsAt.length === 0) return { ok: false, diagnostics: [{ file, line: 1, column: 1, message: 'expected a truth table: a header line "-<TAB>TO..." then one line per source' }] };
  const head = rowsAt[0];
  const headWords = head.l.trim().split(/\s+/);
  if (headWords[0] !== '-') {
    at(head.i, head.l.length - head.l.trimStart().length + 1, `expected the header of a truth table ("-" then the destinations, tab-separated), got "${headWords[0]}"`);
    return { ok: false, diagnostics: diags };
  }
  const cols = headWords.slice(1);
  const cells = new Map<string, boolean>();
  const rows: string[] = [];
  for (const { l, i } of rowsAt.slice(1)) {
    const words: { w: string; col: number }[] = [];
    for (const m of l.matchAll(/\S+/g)) words.push({ w: m[0], col: (m.index ?? 0) + 1 });
    const row = words[0].w;
    if (rows.includes(row)) at(i, words[0].col, `source "${row}" is given twice`);
    rows.push(row);
    if (words.length - 1 !== cols.length) {
      at(i, words[Math.min(words.length, cols.length + 1) - 1].col, `expected ${cols.length} marks (one per destination of the header), got ${words.length - 1}`);
      continue;
    }
    words.slice(1).forEach(({ w, col }, j) => {
      if (w === '.' || w === 'X') cells.set(cellKey(row, cols[j]), w === '.');
      else if (w !== '?') at(i, col, `expected ".", "X" or "?" for ${row} -> ${cols[j]}, got "${w}"`);
    });
  }
  return diags.length > 0 ? { ok: false, diagnostics: diags } : { ok: true, expected: { rows, cols, cells } };
}

function readJson(file: string, text: string): ExpectResult {
  // Read with the YAML parser (JSON is YAML), which locates every node for the messages.
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const at = (offset: number | undefined, message: string): ExpectResult => {
    const p = lc.linePos(offset ?? 0);
    return { ok: false, diagnostics: [{ file, line: p.line, column: p.col, message }] };
  };
  if (doc.errors.length > 0) return at(doc.errors[0].pos[0], `not JSON: ${doc.errors[0].message.split('\n')[0]}`);
  const root = doc.contents;
  if (isSeq(root)) {
    const lines = root.items.map((i) => (isScalar(i) && typeof i.value === 'string' ? i.value : undefined));
    const bad = lines.findIndex((l) => l === undefined);
    if (bad >= 0) return at((root.items[bad] as Node | null)?.range?.[0], 'a JSON array must hold the lines of a truth table, as strings');
    return readTable(file, lines as string[], 1);
  }
  if (!isMap(root)) return at(undefined, 'expected a JSON object {"FROM": {"TO": true|false}}, an array of table lines, or a packetwalk.reach/v1 document');
  const cells = new Map<string, boolean>();
  const rows: string[] = [];
  const cols: string[] = [];
  const addCol = (c: string): void => {
    if (!cols.includes(c)) cols.push(c);
  };
  const obj = doc.toJS() as Record<string, unknown>;
  if (obj.schema === REACH_SCHEMA) {
    if (!Array.isArray(obj.cells)) return at(undefined, `a ${REACH_SCHEMA} document needs "cells"`);
    for (const [i, c] of (obj.cells as unknown[]).entries()) {
      const cell = c as { from?: unknown; to?: unknown; verdict?: unknown };
      if (typeof cell.from !== 'string' || typeof cell.to !== 'string') return at((doc.getIn(['cells', i], true) as Node | undefined)?.range?.[0], `cells[${i}]: expected "from" and "to" labels`);
      if (!rows.includes(cell.from)) rows.push(cell.from);
      addCol(cell.to);
      if (cell.verdict === 'connected' || cell.verdict === 'blocked') cells.set(cellKey(cell.from, cell.to), cell.verdict === 'connected');
    }
    return { ok: true, expected: { rows, cols, cells } };
  }
  for (const pair of root.items) {
    const from = isScalar(pair.key) ? String(pair.key.value) : '';
    const tos = pair.value;
    if (!isMap(tos)) return at((tos as Node | null)?.range?.[0] ?? (pair.key as Node | null)?.range?.[0], `"${from}": expected an object {"TO": true|false}`);
    rows.push(from);
    for (const cell of tos.items) {
      const to = isScalar(cell.key) ? String(cell.key.value) : '';
      const v = isScalar(cell.value) ? cell.value.value : undefined;
      if (typeof v !== 'boolean') return at((cell.value as Node | null)?.range?.[0] ?? (cell.key as Node | null)?.range?.[0], `"${from}" -> "${to}": expected true or false, got ${JSON.stringify(v ?? null)}`);
      addCol(to);
      cells.set(cellKey(from, to), v);
    }
  }
  return { ok: true, expected: { rows, cols, cells } };
}

/** Reads an expected matrix from a file's text (JSON when it starts with `{` or `[`). */
export function readExpectedMatrix(file: string, text: string): ExpectResult {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return readJson(file, text);
  return readTable(file, text.split('\n'), 1);
}
