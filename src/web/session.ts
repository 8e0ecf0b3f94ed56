// One scenario served to the page: the World it builds, the edits the page made, and the traces it asks for.
// Edits are timeline steps (`ready:`, `kubectl scale|delete`) appended to the scenario's own text and read
// by the same loader, so the page's cluster is exactly the one `net trace --at` would see and "save" hands
// back a scenario any `net` command takes. Traces run as `net trace` runs them (same endpoints, same seed,
// same annotations), so the page's hop list equals `net trace -o json`'s.

import { isMap, isSeq, parse, parseDocument, YAMLSeq } from 'yaml';
import { buildWorld } from '../kernel/index.js';
import type { World } from '../kernel/index.js';
import { loadScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/model.js';
import { pointNames, runTimeline } from '../scenario/run-timeline.js';
import { formatDiagnostic } from '../scenario/diagnostics.js';
import type { Diagnostic } from '../scenario/diagnostics.js';
import { exploreTraceBranches, runTraceRecorded, withBranches } from '../trace/index.js';
import type { Trace } from '../trace/index.js';
import { annotateTrace, chainTexts } from '../cluster/annotate-trace.js';
import type { CompiledCluster } from '../cluster/compile.js';
import { adHocTrace } from '../cli/trace-command.js';
import { UsageError } from '../cli/usage-error.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import { worldGraph } from './graph.js';
import type { WorldGraph } from './graph.js';
import { errorMessage } from './protocol.js';
import type { ClientMessage, EditOp, ErrorMessage, TraceRequest } from './protocol.js';

/** Pushed on connect and after every change: what to draw and what the form and edit controls offer. */
export interface WorldMessage {
  type: 'world';
  v: 1;
  /** The request that caused this push, or null on connect. */
  id: string | null;
  scenario: { file: string; name: string; kind: Scenario['kind'] };
  graph: WorldGraph;
  /** Names the form completes: senders and destinations as `net trace --from/--to` take them. */
  senders: string[];
  destinations: string[];
  pods: { name: string; node: string | null; ip: string | null; ready: boolean }[];
  workloads: { name: string; replicas: number }[];
  slices: string[];
  /** NetworkPolicies, NS/NAME. */
  policies: string[];
  /** The timeline's points (the scenario's and the edits'), and the one the World stands at (null: the start). */
  points: string[];
  point: string | null;
  /** The edits so far, as timeline steps (YAML flow text), in order. */
  edits: string[];
}

export interface TraceBegin {
  type: 'trace-begin';
  v: 1;
  id: string;
  name: string | null;
  packet: Trace['packet'];
}

export interface HopMessage {
  type: 'hop';
  v: 1;
  id: string;
  leg: 'request' | 'reply';
  hop: Trace['hops'][number];
}

export interface TraceEnd {
  type: 'trace-end';
  v: 1;
  id: string;
  /** The whole trace, as `net trace -o json` prints it. */
  trace: Trace;
  /** The `net trace` command line that gives the same trace. */
  command: string;
}

export interface SavedMessage {
  type: 'saved';
  v: 1;
  id: string;
  /** The scenario with the edits as timeline steps. */
  yaml: string;
}

export type ServerMessage = WorldMessage | TraceBegin | HopMessage | TraceEnd | SavedMessage | ErrorMessage;

interface Current {
  scenario: Scenario;
  /** The World traces run on, and the virtual time they start at. */
  world: World;
  now: number;
  cluster: CompiledCluster | undefined;
}

/** A timeline step as one line of YAML flow text. */
function stepText(step: Record<string, unknown>): string {
  return `{${Object.entries(step).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
}

/** `NS/NAME` or `NAME` (namespace default). */
function splitName(text: string): { namespace: string; name: string } {
  const slash = text.indexOf('/');
  return slash < 0 ? { namespace: 'default', name: text } : { namespace: text.slice(0, slash), name: text.slice(slash + 1) };
}

/** The object of an `apply` edit: one mapping, read by the loader like any `apply:` step's object. */
function manifestObject(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new UsageError(`apply: the manifest is not YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new UsageError('apply: expected one Kubernetes object (a mapping with apiVersion, kind, metadata)');
  return doc as Record<string, unknown>;
}

function editStep(e: EditOp): Record<string, unknown> {
  switch (e.op) {
    case 'apply':
      return { apply: [manifestObject(e.manifest)] };
    case 'delete-networkpolicy': {
      const p = splitName(e.policy);
      return { kubectl: `kubectl delete networkpolicy ${p.name} -n ${p.namespace}` };
    }
    case 'ready': {
      const p = splitName(e.pod);
      return { ready: `${p.namespace}/${p.name}`, value: e.ready };
    }
    case 'scale': {
      // NS/KIND/NAME or KIND/NAME.
      const parts = e.workload.split('/');
      const [ns, kind, name] = parts.length === 3 ? parts : ['default', parts[0], parts[1] ?? ''];
      return { kubectl: `kubectl scale ${kind}/${name} --replicas=${e.replicas} -n ${ns}` };
    }
    case 'delete-pod': {
      const p = splitName(e.pod);
      return { kubectl: `kubectl delete pod ${p.name} -n ${p.namespace}` };
    }
    case 'delete-endpointslice': {
      const s = splitName(e.slice);
      return { kubectl: `kubectl delete endpointslice ${s.name} -n ${s.namespace}` };
    }
  }
}

export class WebSession {
  readonly #file: string;
  readonly #text: string;
  readonly #base: Scenario;
  #edits: Record<string, unknown>[] = [];
  #point: string | null = null;
  /** The last trace the page ran after an edit, as an inline timeline trace with its outcome as `expect`. */
  #lastTrace: Record<string, unknown> | null = null;
  #current: Current;
  /** What the loader warned of (unmodelled kinds, sysctls): the command prints them. */
  readonly warnings: readonly Diagnostic[];

  /** `text` is the scenario file's content; `file` its path (manifests resolve beside it). */
  constructor(file: string, text: string) {
    this.#file = file;
    this.#text = text;
    const r = loadScenarioText(text, file);
    if (!r.ok) {
      const n = r.diagnostics.length;
      throw new UsageError(`${file}: ${n} error${n === 1 ? '' : 's'}`, r.diagnostics.map(formatDiagnostic));
    }
    this.#base = r.scenario;
    this.warnings = r.warnings ?? [];
    this.#current = { scenario: r.scenario, world: buildWorld(r.scenario.world), now: 0, cluster: r.scenario.cluster };
  }

  /**
   * The scenario text with the edits appended to its timeline, each followed by a point `edit-N`, then the
   * last trace the page ran, expecting what it showed, so the saved file checks itself under `net run`. A
   * scenario without a timeline gets one; if the page has traced nothing yet, the scenario's own traces follow
   * the edits by name (a timeline runs at least one trace), after the last point, so the World at each point
   * carries no traffic but what the scenario's timeline sent.
   */
  editedText(): string {
    if (this.#edits.length === 0 && this.#lastTrace === null) return this.#text;
    const doc = parseDocument(this.#text);
    const existing = doc.get('timeline');
    const seq = isSeq(existing) ? existing : new YAMLSeq();
    if (!isSeq(existing)) doc.set('timeline', seq);
    this.#edits.forEach((e, i) => {
      seq.add(doc.createNode(e));
      seq.add(doc.createNode({ point: `edit-${i + 1}` }));
    });
    if (this.#lastTrace !== null) seq.add(doc.createNode({ trace: this.#lastTrace }));
    else if (!isSeq(existing)) {
      const traces = doc.get('traces');
      for (const t of isSeq(traces) ? traces.items : []) {
        const name = isMap(t) ? t.get('name') : undefined;
        if (typeof name === 'string') seq.add(doc.createNode({ trace: name }));
      }
    }
    return doc.toString({ lineWidth: 0 });
  }

  /** Reloads the edited text and runs its timeline to the current point (or to the end after an edit). */
  #rebuild(): ErrorMessage | undefined {
    const text = this.editedText();
    const r = loadScenarioText(text, this.#file);
    if (!r.ok) return errorMessage(null, 'failed', r.diagnostics.map((d) => d.message).join('; '));
    const sc = r.scenario;
    if (this.#point === null || sc.timeline === undefined) {
      this.#current = { scenario: sc, world: buildWorld(sc.world), now: 0, cluster: sc.cluster };
      return undefined;
    }
    const run = runTimeline(sc.world, sc.timeline, { seed: 1, stopAt: this.#point });
    if (run.failedAt !== undefined) return errorMessage(null, 'failed', `the timeline stopped at step ${run.failedAt + 1}`);
    let cluster = sc.cluster;
    for (const s of sc.timeline) {
      if (s.kind === 'point' && s.name === this.#point) break;
      if (s.kind === 'cluster') cluster = s.cluster;
    }
    this.#current = { scenario: { ...sc, cluster }, world: run.world, now: run.now, cluster };
    return undefined;
  }

  worldMessage(id: string | null): WorldMessage {
    const { scenario: sc, cluster } = this.#current;
    const senders: string[] = [];
    const destinations: string[] = [];
    if (cluster !== undefined) {
      for (const p of cluster.pods) {
        const name = p.namespace === 'default' ? `pod/${p.name}` : `${p.namespace}/${p.name}`;
        if (p.netns !== undefined) senders.push(name);
        if (p.ip !== undefined) destinations.push(name);
      }
      for (const n of cluster.nodes) {
        senders.push(`node/${n.name}`);
        destinations.push(`node/${n.name}`);
      }
      for (const e of cluster.externals) {
        senders.push(`ext/${e.name}`);
        destinations.push(`ext/${e.name}`);
      }
      for (const s of cluster.services) {
        if (s.type === 'ExternalName') continue;
        for (const p of s.ports) destinations.push(`svc/${s.meta.name}.${s.meta.namespace}:${p.port}`);
      }
    } else {
      for (const ns of sc.world.namespaces) {
        senders.push(ns.name);
        destinations.push(ns.name);
      }
    }
    const workloads = (cluster?.spec.objects ?? []).flatMap((o) =>
      o.kind === 'Deployment' || o.kind === 'ReplicaSet' || o.kind === 'StatefulSet' ? [{ name: `${o.meta.namespace}/${o.kind.toLowerCase()}/${o.meta.name}`, replicas: o.replicas }] : [],
    );
    const timeline = this.#currentTimelinePoints();
    return {
      type: 'world',
      v: 1,
      id,
      scenario: { file: this.#file, name: sc.world.name, kind: sc.kind },
      graph: worldGraph(cluster?.world ?? sc.world, cluster),
      senders,
      destinations,
      pods: (cluster?.pods ?? []).map((p) => ({ name: `${p.namespace}/${p.name}`, node: p.node ?? null, ip: p.ip === undefined ? null : formatIpv4(p.ip), ready: p.ready })),
      workloads,
      slices: (cluster?.endpointSlices ?? []).map((s) => `${s.meta.namespace}/${s.meta.name}`),
      policies: (cluster?.spec.objects ?? []).flatMap((o) => (o.kind === 'NetworkPolicy' ? [`${o.meta.namespace}/${o.meta.name}`] : [])),
      points: timeline,
      point: this.#point,
      edits: this.#edits.map(stepText),
    };
  }

  #currentTimelinePoints(): string[] {
    const base = this.#base.timeline === undefined ? [] : pointNames(this.#base.timeline);
    return [...base, ...this.#edits.map((_, i) => `edit-${i + 1}`)];
  }

  /** Acts on one validated message; every answer goes through `send`, in order. Never throws. */
  handle(m: ClientMessage, send: (m: ServerMessage) => void): void {
    try {
      switch (m.type) {
        case 'trace':
          this.#trace(m, send);
          return;
        case 'edit': {
          if (this.#base.kind !== 'Cluster') {
            send(errorMessage(m.id, 'failed', 'edits change a cluster: this scenario is kind Topology'));
            return;
          }
          const step = editStep(m.edit);
          this.#change(m.id, send, () => {
            this.#edits.push(step);
            this.#lastTrace = null;
            this.#point = `edit-${this.#edits.length}`;
          });
          return;
        }
        case 'timeline': {
          if (m.point !== null && !this.#currentTimelinePoints().includes(m.point)) {
            send(errorMessage(m.id, 'failed', `no point "${m.point}" (points: ${this.#currentTimelinePoints().join(', ') || 'none'})`));
            return;
          }
          this.#change(m.id, send, () => {
            this.#point = m.point;
          });
          return;
        }
        case 'save':
          send({ type: 'saved', v: 1, id: m.id, yaml: this.editedText() });
          return;
        case 'reset':
          this.#edits = [];
          this.#lastTrace = null;
          this.#point = null;
          this.#rebuild();
          send(this.worldMessage(m.id));
          return;
      }
    } catch (e) {
      const text = e instanceof UsageError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
      send(errorMessage(m.id, 'failed', text));
    }
  }

  /**
   * Makes `apply`'s change and rebuilds the World; a change the loader or the timeline refuses (as it would
   * refuse that step in a file) is undone and the reason sent, else the new World is.
   */
  #change(id: string, send: (m: ServerMessage) => void, apply: () => void): void {
    const saved = { edits: [...this.#edits], point: this.#point, lastTrace: this.#lastTrace };
    apply();
    const failed = this.#rebuild();
    if (failed !== undefined) {
      this.#edits = saved.edits;
      this.#point = saved.point;
      this.#lastTrace = saved.lastTrace;
      this.#rebuild();
      send({ ...failed, id });
      return;
    }
    send(this.worldMessage(id));
  }

  #trace(m: TraceRequest, send: (m: ServerMessage) => void): void {
    const { scenario: sc, world, now, cluster } = this.#current;
    const seed = m.seed ?? 1;
    const spec = adHocTrace(sc, {
      from: m.from,
      to: m.to,
      proto: m.proto,
      dport: m.dport,
      df: true,
      seed,
      detail: 'summary',
      output: 'json',
      reply: true,
      nodeIp: [],
    });
    // As `net trace` (no --at) on the scenario's World, or as `net trace --at POINT` at a point.
    const { trace: plain } = runTraceRecorded(world, spec, { seed, ...(this.#point !== null ? { startAt: now } : {}) });
    const annotated = cluster !== undefined ? annotateTrace(plain, cluster.owners, chainTexts(cluster)) : plain;
    const trace = m.branches ? withBranches(annotated, exploreTraceBranches(world, spec, { seed })) : annotated;
    send({ type: 'trace-begin', v: 1, id: m.id, name: trace.name, packet: trace.packet });
    for (const hop of trace.hops) send({ type: 'hop', v: 1, id: m.id, leg: 'request', hop });
    for (const hop of trace.reply?.hops ?? []) send({ type: 'hop', v: 1, id: m.id, leg: 'reply', hop });
    send({ type: 'trace-end', v: 1, id: m.id, trace, command: this.#command(m) });
    if (this.#edits.length > 0) {
      this.#lastTrace = {
        name: `${m.from} -> ${m.to} (${m.proto}) after the edits`,
        from: m.from,
        // A scenario's trace takes its port in `to`.
        to: m.dport !== undefined ? `${m.to}:${m.dport}` : m.to,
        proto: m.proto,
        expect: { disposition: trace.disposition },
      };
    }
  }

  #command(m: TraceRequest): string {
    const at = this.#point === null ? '' : ` --at ${this.#point}`;
    const file = this.#edits.length > 0 ? '<saved scenario>' : this.#file;
    const port = m.dport === undefined ? '' : ` --dport ${m.dport}`;
    const seed = m.seed === undefined || m.seed === 1 ? '' : ` --seed ${m.seed}`;
    return `net trace ${file}${at} --from ${m.from} --to ${m.to} --proto ${m.proto}${port}${seed}${m.branches ? ' --branches' : ''} -o json`;
  }
}
