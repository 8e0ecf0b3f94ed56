// The upstream e2e suite's truth tables (test/e2e/network/netpol/truthtable.go, TruthTable.PrettyPrint, in
// the layout upstream-e2e.json records): a header `-` then the destinations, one row per source, cells
// separated by tabs. In a matrix `.` is connected and `X` is not; compared with an expectation `.` agrees
// and `X` differs (reachability.go's comparison table). A cell some branches connect and others not (a
// Service with endpoints behind different rules) is `~`; it never agrees with an expected `.` or `X`.

export const MARK_CONNECTED = '.';
export const MARK_BLOCKED = 'X';
export const MARK_MIXED = '~';

/** Renders labels and marks (marks[row][col]) as PrettyPrint does. */
export function renderTruthTable(rowLabels: readonly string[], colLabels: readonly string[], marks: readonly (readonly string[])[]): string {
  const lines = [['-', ...colLabels].join('\t')];
  rowLabels.forEach((r, i) => lines.push([r, ...marks[i]].join('\t')));
  return lines.join('\n');
}
