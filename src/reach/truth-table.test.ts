import { describe, expect, it } from 'vitest';
import { compareWithExpected } from './compare-expect.js';
import { diffMatrices, renderDiffTable } from './diff-matrices.js';
import type { CellBranch, ReachCell, ReachMatrix } from './model.js';
import { readExpectedMatrix } from './read-expect.js';
import { renderMatrixCsv, renderMatrixJson, renderMatrixTable } from './render-matrix.js';
import { renderTruthTable } from './truth-table.js';

// kubernetes/kubernetes test/e2e/network/netpol/network_policy.go, "should support a 'default-deny-ingress'
// policy" (tcp-01), head pods: the `table` the upstream data records for its TruthTable.PrettyPrint.
const UPSTREAM_TCP01_HEAD = ['-\tx/a\tx/b\ty/a\ty/b', 'x/a\tX\tX\t.\t.', 'x/b\tX\tX\t.\t.', 'y/a\tX\tX\t.\t.', 'y/b\tX\tX\t.\t.'].join('\n');
const PODS = ['x/a', 'x/b', 'y/a', 'y/b'];

function branch(connected: boolean, over: Partial<CellBranch> = {}): CellBranch {
  return {
    probability: 1, connected, disposition: connected ? 'DELIVERED' : 'DROPPED', reason: connected ? null : 'NETFILTER_DROP',
    reply: connected ? { kind: 'syn-ack', disposition: 'DELIVERED', reason: null } : null, deliveredTo: connected ? 'x/b' : null,
    dst: '10.244.1.2:80', peerSeen: connected ? '10.244.0.2' : null, path: [], rule: connected ? null : '-A FORWARD -j DROP', ...over,
  };
}

function matrix(connected: (from: string, to: string) => boolean | 'mixed'): ReachMatrix {
  const cells: ReachCell[] = [];
  PODS.forEach((f, row) => PODS.forEach((t, col) => {
    const v = connected(f, t);
    const branches = v === 'mixed' ? [branch(true, { probability: 0.5 }), branch(false, { probability: 0.5 })] : [branch(v)];
    cells.push({ row, col, verdict: v === 'mixed' ? 'mixed' : v ? 'connected' : 'blocked', branches, truncated: false });
  }));
  return {
    scenario: 's.yaml', at: null,
    rows: PODS.map((p) => ({ label: p, kind: 'pod', netns: p.replace('/', '_'), addr: '10.244.0.2' })),
    cols: PODS.map((p) => ({ label: p, kind: 'pod', entity: p, addr: '10.244.0.2', port: 80, proto: 'tcp', holders: [p.replace('/', '_')], pods: [p] })),
    cells,
  };
}

const denyX = (_f: string, t: string): boolean => !t.startsWith('x/');

describe('truth tables as the upstream e2e suite prints them', () => {
  it('renders a matrix byte for byte as an upstream table', () => {
    expect(renderMatrixTable(matrix(denyX))).toBe(UPSTREAM_TCP01_HEAD);
    expect(renderTruthTable(['x/a'], ['x/a'], [['.']])).toBe('-\tx/a\nx/a\t.');
  });

  it('reads an upstream table back and compares: . agrees, X differs', () => {
    const e = readExpectedMatrix('tcp-01.table', `${UPSTREAM_TCP01_HEAD}\n`);
    if (!e.ok) throw new Error('unreadable');
    expect(compareWithExpected(matrix(denyX), e.expected).differences).toEqual([]);
    const open = compareWithExpected(matrix(() => true), e.expected);
    expect(open.compared).toBe(16);
    expect(open.differences.map((d) => `${d.from}->${d.to}`)).toEqual(['x/a->x/a', 'x/a->x/b', 'x/b->x/a', 'x/b->x/b', 'y/a->x/a', 'y/a->x/b', 'y/b->x/a', 'y/b->x/b']);
    // Where every difference is a connection the expectation denies, the comparison table is the expectation.
    expect(renderMatrixTable(matrix(() => true), open)).toBe(UPSTREAM_TCP01_HEAD);
    expect(compareWithExpected(matrix(() => true), e.expected, { ignoreLoopback: true }).differences).toHaveLength(6);
  });

  it('reads JSON expectations: the upstream matrix, an array of table lines', () => {
    const m = readExpectedMatrix('e.json', JSON.stringify({ 'x/a': { 'x/b': false, 'y/a': true } }));
    expect(m.ok && [...m.expected.cells]).toEqual([['x/a\tx/b', false], ['x/a\ty/a', true]]);
    const lines = readExpectedMatrix('e.json', JSON.stringify(UPSTREAM_TCP01_HEAD.split('\n')));
    expect(lines.ok && lines.expected.cells.size).toBe(16);
  });

  it('takes a packetwalk.reach/v1 document as an expectation (its connected and blocked cells)', () => {
    const m = matrix((f, t) => (f === 'x/a' && t === 'y/b' ? 'mixed' : denyX(f, t)));
    const e = readExpectedMatrix('before.json', renderMatrixJson(m));
    if (!e.ok) throw new Error('unreadable');
    expect(e.expected.cells.size).toBe(15); // the mixed cell is not an expectation
    expect(compareWithExpected(m, e.expected).differences).toEqual([]);
    expect(compareWithExpected(matrix(() => true), e.expected).differences).toHaveLength(8);
  });

  it('locates mistakes in an expectation', () => {
    expect(readExpectedMatrix('e.table', '-\tx/a\tx/b\nx/a\t.\nx/b\t.\tY\n')).toMatchObject({
      ok: false,
      diagnostics: [{ file: 'e.table', line: 2, column: 5, message: 'expected 2 marks (one per destination of the header), got 1' }, { line: 3, column: 7 }],
    });
    expect(readExpectedMatrix('e.table', 'x/a\t.\n')).toMatchObject({ ok: false, diagnostics: [{ line: 1, column: 1 }] });
    expect(readExpectedMatrix('e.json', '{"x/a": {"x/b": 1}}')).toMatchObject({ ok: false, diagnostics: [{ message: '"x/a" -> "x/b": expected true or false, got 1' }] });
    expect(readExpectedMatrix('e.json', '{\n  "x/a": }')).toMatchObject({ ok: false, diagnostics: [{ line: 2, column: 10 }] });
    expect(readExpectedMatrix('e.json', '{\n  "x/a": {"x/b": true,\n  "y/a": "yes"}}')).toMatchObject({ ok: false, diagnostics: [{ line: 3, column: 10 }] });
    expect(readExpectedMatrix('e.json', '{"x/a": [}')).toMatchObject({ ok: false, diagnostics: [{ line: 1 }] });
  });

  it('shows a cell with mixed branches as ~ and lists it; it never agrees', () => {
    const m = matrix((f, t) => (f === 'x/a' && t === 'y/b' ? 'mixed' : denyX(f, t)));
    const text = renderMatrixTable(m);
    expect(text.split('\n')[1]).toBe('x/a\tX\tX\t.\t~');
    expect(text).toContain('x/a -> y/b: mixed (2 branches): 50% connected to x/b');
    const e = readExpectedMatrix('t', UPSTREAM_TCP01_HEAD);
    if (!e.ok) throw new Error('unreadable');
    expect(compareWithExpected(m, e.expected).differences.map((d) => d.to)).toEqual(['y/b']);
    expect(renderMatrixCsv(m).split('\n').filter((l) => l.startsWith('x/a,y/b,'))).toHaveLength(2);
  });

  it('diffs two matrices cell by cell', () => {
    const d = diffMatrices(matrix(() => true), matrix(denyX));
    expect(d.compared).toBe(16);
    expect(d.changed).toHaveLength(8);
    const text = renderDiffTable(d);
    expect(text.startsWith(UPSTREAM_TCP01_HEAD)).toBe(true);
    expect(text).toContain('8 of 16 cells changed from s.yaml to s.yaml');
    expect(text).toContain('after:  DROPPED (NETFILTER_DROP) by -A FORWARD -j DROP');
    expect(diffMatrices(matrix(denyX), matrix(denyX)).changed).toEqual([]);
  });
});
