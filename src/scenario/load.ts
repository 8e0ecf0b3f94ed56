// Loading a scenario file: YAML with locations, every field read and checked, every mistake reported at
// once as file:line:col diagnostics, and for a good file the Scenario (a WorldSpec plus traces).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { decodeScenarioBytes } from './file-encoding.js';
import { didYouMean } from '../kernel/syntax-words.js';
import type { Diagnostic } from './diagnostics.js';
import { sortDiagnostics } from './diagnostics.js';
import { API_VERSION, SCENARIO_FIELDS } from './fields.js';
import type { Scenario } from './model.js';
import { readNamespace } from './read-namespace.js';
import { readClusterScenario } from './read-cluster.js';
import { readTimeline } from './read-timeline.js';
import { givenTraceName, readTrace } from './read-trace.js';
import type { NetnsDraft, TraceDraft, TraceName } from './topology-draft.js';
import { toNetnsSpec } from './topology-draft.js';
import { validateTopology } from './validate-topology.js';
import { readFields, readList, readName, readString } from './yaml-fields.js';
import { ScenarioSource } from './yaml-source.js';

/**
 * `warnings`, present when there are some, hold what was accepted but deserves a word (a real sysctl the
 * emulator does not model), printed as `file:line:col: warning: ...` without changing the exit status.
 */
export type LoadResult =
  | { ok: true; scenario: Scenario; warnings?: Diagnostic[] }
  | { ok: false; diagnostics: Diagnostic[]; warnings?: Diagnostic[] };

const KINDS = ['Topology', 'Cluster'];

/** Reads and validates one scenario file; a file that cannot be read is a diagnostic too. */
export function loadScenarioFile(path: string): LoadResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const reason = e instanceof Error && 'code' in e && e.code === 'ENOENT' ? 'no such file' : String(e);
    return { ok: false, diagnostics: [{ file: path, line: 1, column: 1, message: `cannot read scenario: ${reason}` }] };
  }
  const decoded = decodeScenarioBytes(bytes);
  if (!decoded.ok) {
    const { line, column, message } = decoded;
    return { ok: false, diagnostics: [{ file: path, line, column, message }] };
  }
  return loadScenarioText(decoded.text, path);
}

/** Validates scenario text; `file` names it in diagnostics and in the Scenario. */
export function loadScenarioText(text: string, file: string): LoadResult {
  const src = new ScenarioSource(file, text);
  // A document with syntax errors is read no further: what yaml recovered would only add noise.
  if (src.diagnostics.length > 0) return failed(src);
  const root = src.root;
  if (root === undefined || (isScalar(root) && root.value === null)) {
    src.errorAt(0, `empty scenario: expected "apiVersion: ${API_VERSION}" and "kind: Topology"`);
    return failed(src);
  }
  if (isMap(root) && kindOf(root) === 'Cluster') {
    const r = readClusterScenario(src, root);
    if (r.scenario === undefined) return { ok: false, diagnostics: sortDiagnostics(r.diagnostics) };
    // One channel for warnings: the reader's own (skipped kinds) and the source's (unmodelled sysctls).
    const warnings = sortDiagnostics([...src.warnings, ...(r.scenario.warnings ?? [])]);
    return { ok: true, scenario: r.scenario, ...(warnings.length > 0 ? { warnings } : {}) };
  }
  const top = readFields(src, root, 'scenario', SCENARIO_FIELDS.topology, ['apiVersion', 'kind', 'metadata', 'namespaces']);
  if (top === undefined) return failed(src);
  const v = top.values;
  if (top.keys.has('apiVersion')) checkApiVersion(src, v.get('apiVersion'));
  if (top.keys.has('kind')) checkKind(src, v.get('kind'));
  const name = top.keys.has('metadata') ? readMetadata(src, v.get('metadata')) : undefined;
  if (top.keys.has('description')) readString(src, v.get('description'), 'description');

  const namespaces: NetnsDraft[] = [];
  if (top.keys.has('namespaces')) {
    const items = readList(src, v.get('namespaces'), 'namespaces');
    if (items?.length === 0) src.error(v.get('namespaces'), 'namespaces: a Topology needs at least one namespace');
    items?.forEach((item, i) => {
      const ns = readNamespace(src, item, i);
      if (ns !== undefined) namespaces.push(ns);
    });
  }
  const traces: TraceDraft[] = [];
  // Every trace's name, also of traces that did not read, so a duplicate is reported beside their errors.
  const traceNames: TraceName[] = [];
  if (top.keys.has('traces')) {
    readList(src, v.get('traces'), 'traces')?.forEach((item, i) => {
      const t = readTrace(src, item, i);
      if (t !== undefined) {
        traces.push(t);
        traceNames.push({ name: t.spec.name, at: t.fields.values.get('name') ?? t.fields.node, item: t.fields.node, given: t.fields.keys.has('name') });
        return;
      }
      const named = givenTraceName(item);
      if (named !== undefined) traceNames.push({ name: named.value as string, at: named, item, given: true });
    });
  }
  const timeline = top.keys.has('timeline') ? readTimeline(src, v.get('timeline'), traces, namespaces.map((n) => n.name)) : undefined;
  validateTopology(src, namespaces, timeline ? [...traces, ...timeline.inline] : traces, traceNames);

  if (src.diagnostics.length > 0 || name === undefined) return failed(src);
  // Traces the timeline runs are run there only.
  const alone = timeline ? traces.filter((t) => !timeline.referenced.has(t.spec.name)) : traces;
  const scenario: Scenario = {
    file,
    kind: 'Topology',
    world: { name, namespaces: namespaces.map(toNetnsSpec) },
    traces: alone.map((t) => t.spec),
    traceLocations: alone.map((t) => ({ file, ...src.locate(t.fields.node) })),
  };
  if (timeline) scenario.timeline = timeline.steps;
  return { ok: true, ...withWarnings(src), scenario };
}

/**
 * The scenario files named by `paths`, in the order given: a directory stands for its own *.yaml and
 * *.yml files (not its subdirectories), sorted by name. Paths that do not exist are kept, so loading
 * them reports them.
 */
export function collectScenarioFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!isDirectory(path)) {
      files.push(path);
      continue;
    }
    const names = readdirSync(path).filter((n) => /\.ya?ml$/.test(n) && !isDirectory(join(path, n)));
    // Code-unit order, not the locale's: the same list on every machine.
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const n of names) files.push(join(path, n));
  }
  return files;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function failed(src: ScenarioSource): LoadResult {
  return { ok: false, diagnostics: sortDiagnostics(src.diagnostics), ...withWarnings(src) };
}

function withWarnings(src: ScenarioSource): { warnings?: Diagnostic[] } {
  return src.warnings.length > 0 ? { warnings: sortDiagnostics(src.warnings) } : {};
}

function kindOf(root: Node): unknown {
  const kind = isMap(root) ? root.get('kind', true) : undefined;
  return isScalar(kind) ? kind.value : undefined;
}

function checkApiVersion(src: ScenarioSource, node: Node | undefined): void {
  const version = readString(src, node, 'apiVersion');
  if (version !== undefined && version !== API_VERSION) {
    src.error(node, `apiVersion: expected "${API_VERSION}", got "${version}"`);
  }
}

function checkKind(src: ScenarioSource, node: Node | undefined): void {
  const kind = readString(src, node, 'kind');
  if (kind !== undefined && !KINDS.includes(kind)) {
    src.error(node, `kind: "${kind}" is not a scenario kind (Topology or Cluster)${didYouMean(kind, KINDS)}`);
  }
}

function readMetadata(src: ScenarioSource, node: Node | undefined): string | undefined {
  const meta = readFields(src, node, 'metadata', SCENARIO_FIELDS.metadata, ['name']);
  return meta?.keys.has('name') ? readName(src, meta.values.get('name'), 'metadata: name') : undefined;
}
