// `timeline:`: traces that share one World, in order, with the changes a person makes on a live box between
// them. Each step is a map named by one key: `trace` (a name from `traces:` or an inline trace), `run` (a
// command in its tool's own syntax, in `netns`), `sleep` (a duration), `point` (a name to stop at).

import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import { didYouMean } from '../kernel/syntax-words.js';
import { parseCommand } from '../kernel/tools/index.js';
import { parseDuration } from './duration-syntax.js';
import { CLUSTER_TIMELINE_STEP_KINDS, TIMELINE_STEP_KINDS } from './fields.js';
import type { SourceLocation, TimelineStep, TraceSpec } from './model.js';
import { readExpect } from './read-expect.js';
import { readTrace } from './read-trace.js';
import type { TraceEndpoints } from './read-trace.js';
import type { TraceDraft } from './topology-draft.js';
import type { Fields } from './yaml-fields.js';
import { describeNode, readFields, readList, readName, readString } from './yaml-fields.js';
import type { ScenarioSource } from './yaml-source.js';

export interface TimelineDraft {
  steps: TimelineStep[];
  /** Traces written inline in the timeline, for the checks every trace gets (namespace, unique name). */
  inline: TraceDraft[];
  /** Names of `traces:` entries the timeline runs (they are not run on their own). */
  referenced: Set<string>;
}

const KINDS = Object.keys(TIMELINE_STEP_KINDS);
const CLUSTER_KINDS = Object.keys(CLUSTER_TIMELINE_STEP_KINDS);

/**
 * What a Cluster scenario adds to its timeline (read-cluster-timeline.ts): its own step kinds, read in order,
 * and trace endpoints by name resolved against the cluster as the steps before have left it.
 */
export interface ClusterTimelineHooks {
  endpoints(): TraceEndpoints;
  step(kind: string, fields: Fields, what: string, at: SourceLocation): TimelineStep | undefined;
}

/**
 * Reads the timeline; `traces` are the scenario's named traces, `namespaces` its namespace names. Every
 * mistake is reported; the draft holds the steps that could be read.
 */
export function readTimeline(
  src: ScenarioSource,
  node: Node | undefined,
  traces: readonly TraceDraft[],
  namespaces: readonly string[],
  cluster?: ClusterTimelineHooks,
): TimelineDraft {
  const draft: TimelineDraft = { steps: [], inline: [], referenced: new Set() };
  const items = readList(src, node, 'timeline');
  if (items === undefined) return draft;
  if (items.length === 0) src.error(node, 'timeline: expected at least one step (trace, run, sleep or point)');
  const points = new Map<string, Node>();
  items.forEach((item, i) => {
    const step = readStep(src, item, i, traces, namespaces, draft, cluster);
    if (step === undefined) return;
    if (step.kind === 'point') {
      const first = points.get(step.name);
      if (first !== undefined) src.error(item, `timeline[${i}]: duplicate point "${step.name}" (first at line ${src.locate(first).line})`);
      else points.set(step.name, item);
    }
    draft.steps.push(step);
  });
  if (items.length > 0 && !draft.steps.some((s) => s.kind === 'trace') && !src.diagnostics.length) {
    src.error(node, 'timeline: no trace step: a timeline runs at least one trace (or is a scenario without one)');
  }
  return draft;
}

function readStep(
  src: ScenarioSource,
  node: Node,
  i: number,
  traces: readonly TraceDraft[],
  namespaces: readonly string[],
  draft: TimelineDraft,
  cluster: ClusterTimelineHooks | undefined,
): TimelineStep | undefined {
  const what = `timeline[${i}]`;
  const stepKinds: Readonly<Record<string, readonly string[]>> = cluster ? { ...TIMELINE_STEP_KINDS, ...CLUSTER_TIMELINE_STEP_KINDS } : TIMELINE_STEP_KINDS;
  const allKinds = Object.keys(stepKinds);
  if (!isMap(node)) {
    src.error(node, `${what}: expected a map naming one step (trace, run, sleep or point), got ${describeNode(node)}`);
    return undefined;
  }
  if (cluster === undefined) {
    const pair = node.items.find((p) => isScalar(p.key) && CLUSTER_KINDS.includes(String(p.key.value)));
    if (pair !== undefined) {
      src.error(pair.key as Node, `${what}: "${String((pair.key as { value: unknown }).value)}" steps change a Kubernetes cluster: they are only valid in a kind: Cluster scenario`);
      return undefined;
    }
  }
  const kinds = node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).filter((k) => allKinds.includes(k));
  if (kinds.length > 1) {
    src.error(node, `${what}: one step per entry: "${kinds[0]}" and "${kinds[1]}" are two steps (give each its own "- ")`);
    return undefined;
  }
  const kind = kinds[0];
  if (kind === undefined) {
    const first = node.items[0]?.key;
    const name = isScalar(first) ? String(first.value) : '';
    src.error(first as Node | undefined ?? node, `${what}: "${name}" is not a step kind: expected one of ${allKinds.join(', ')}${didYouMean(name, allKinds)}`);
    return undefined;
  }
  const fields = readFields(src, node, what, [kind, ...stepKinds[kind]], kind === 'run' ? ['run', 'netns'] : [kind]);
  if (fields === undefined) return undefined;
  const v = fields.values;
  const at: SourceLocation = { file: src.file, ...src.locate(node) };
  if (cluster !== undefined && CLUSTER_KINDS.includes(kind)) return cluster.step(kind, fields, what, at);
  switch (kind) {
    case 'trace':
      return readTraceStep(src, v.get('trace'), v.get('expect'), what, i, traces, draft, at, cluster?.endpoints());
    case 'run': {
      const netns = fields.keys.has('netns') ? readName(src, v.get('netns'), `${what}: netns`) : undefined;
      if (netns !== undefined && !namespaces.includes(netns)) src.error(v.get('netns'), `${what}: netns: no namespace "${netns}"${didYouMean(netns, namespaces)}`);
      const runNode = v.get('run');
      const text = fields.keys.has('run') ? readString(src, runNode, `${what}: run`) : undefined;
      const stdin = fields.keys.has('stdin') ? readString(src, v.get('stdin'), `${what}: stdin`) : undefined;
      if (text === undefined || runNode === undefined) return undefined;
      // The one tool that reads its input: iptables-restore takes `stdin`, and only it does.
      const restore = /^\s*iptables-restore(\s|$)/.test(text);
      if (restore && stdin === undefined) {
        src.error(runNode, `${what}: iptables-restore reads its rules from "stdin": add stdin: "*filter\\n...\\nCOMMIT\\n"`);
        return undefined;
      }
      if (!restore && stdin !== undefined) {
        src.error(fields.keys.get('stdin'), `${what}: "stdin" is for iptables-restore only; this command reads no input`);
        return undefined;
      }
      const parsed = parseCommand(text, stdin);
      if (!parsed.ok) {
        for (const e of parsed.errors) src.errorInString(runNode, e.column, `${what}: run: ${e.message}`);
        return undefined;
      }
      if (netns === undefined || !namespaces.includes(netns)) return undefined;
      return { kind: 'run', netns, command: parsed.command, at };
    }
    case 'sleep': {
      const n = v.get('sleep');
      const text = isScalar(n) && typeof n.value === 'number' ? String(n.value) : readString(src, n, `${what}: sleep`);
      if (text === undefined || n === undefined) return undefined;
      const d = parseDuration(text);
      if (!d.ok) {
        src.errorInString(n, d.column, `${what}: sleep: ${d.error}`);
        return undefined;
      }
      return { kind: 'sleep', ms: d.ms, text, at };
    }
    case 'point': {
      const name = readName(src, v.get('point'), `${what}: point`);
      return name === undefined ? undefined : { kind: 'point', name, at };
    }
  }
  return undefined;
}

function readTraceStep(
  src: ScenarioSource,
  node: Node | undefined,
  expectNode: Node | undefined,
  what: string,
  i: number,
  traces: readonly TraceDraft[],
  draft: TimelineDraft,
  at: SourceLocation,
  endpoints: TraceEndpoints | undefined,
): TimelineStep | undefined {
  if (isMap(node)) {
    if (expectNode !== undefined) src.error(expectNode, `${what}: "expect" goes inside the inline trace`);
    const t = readTrace(src, node, i, endpoints === undefined ? { place: `${what}: trace` } : { place: `${what}: trace`, endpoints });
    if (t === undefined) return undefined;
    draft.inline.push(t);
    return { kind: 'trace', trace: t.spec, at };
  }
  const name = readString(src, node, `${what}: trace`);
  if (name === undefined) return undefined;
  const found = traces.find((t) => t.spec.name === name);
  if (found === undefined) {
    const names = traces.map((t) => t.spec.name);
    src.error(node, `${what}: trace: no trace named "${name}" in traces:${didYouMean(name, names)}${names.length ? '' : ' (there are none: write the trace inline as a map)'}`);
    return undefined;
  }
  draft.referenced.add(name);
  let trace: TraceSpec = found.spec;
  if (expectNode !== undefined) {
    // The same packet may be expected to fare differently at each point of the timeline.
    const e = readExpect(src, expectNode, `${what}: expect`);
    if (e === undefined) return undefined;
    trace = { ...found.spec, expect: e.spec };
  }
  return { kind: 'trace', trace, at };
}
