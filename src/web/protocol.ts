// The `net serve` WebSocket protocol, version 1 (docs/web-protocol.md): JSON text messages, each an object
// with `type` and `v`. The page sends requests; the server answers each with messages carrying the same `id`,
// and pushes `world` whenever the World changes. Everything a client sends is validated here before it is
// acted on: a bad message gets an `error` back and the connection stays up.

export const PROTOCOL_VERSION = 1;

/** The largest message the server reads (bytes); larger ones are refused unread, as a client bug or an attack. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const TRACE_PROTOS = ['tcp', 'udp', 'icmp', 'sctp'] as const;
export type TraceProto = (typeof TRACE_PROTOS)[number];

/** Ask for a trace: endpoints as `net trace --from/--to` take them. */
export interface TraceRequest {
  type: 'trace';
  v: 1;
  id: string;
  from: string;
  to: string;
  proto: TraceProto;
  /** The destination port when `to` does not end in one. */
  dport?: number;
  seed?: number;
  branches?: boolean;
}

/** A change to the cluster, as a timeline step would make it. */
export type EditOp =
  | { op: 'ready'; pod: string; ready: boolean }
  | { op: 'scale'; workload: string; replicas: number }
  | { op: 'delete-pod'; pod: string }
  | { op: 'delete-endpointslice'; slice: string }
  /** `kubectl apply` of one manifest (YAML or JSON text), typically a NetworkPolicy. */
  | { op: 'apply'; manifest: string }
  | { op: 'delete-networkpolicy'; policy: string };

export interface EditRequest {
  type: 'edit';
  v: 1;
  id: string;
  edit: EditOp;
}

/** Go to a `point` of the scenario's timeline (or back to its start with point null). */
export interface TimelineRequest {
  type: 'timeline';
  v: 1;
  id: string;
  point: string | null;
}

/** The edits made so far, as a timeline scenario (YAML text). */
export interface SaveRequest {
  type: 'save';
  v: 1;
  id: string;
}

/** Undo every edit: the scenario as loaded. */
export interface ResetRequest {
  type: 'reset';
  v: 1;
  id: string;
}

export type ClientMessage = TraceRequest | EditRequest | TimelineRequest | SaveRequest | ResetRequest;

export const CLIENT_TYPES = ['trace', 'edit', 'timeline', 'save', 'reset'] as const;

export type ErrorCode = 'bad-json' | 'bad-message' | 'unknown-type' | 'bad-version' | 'too-large' | 'failed';

export interface ErrorMessage {
  type: 'error';
  v: 1;
  /** The request's id when it could be read. */
  id: string | null;
  code: ErrorCode;
  message: string;
}

export type Validated = { ok: true; message: ClientMessage } | { ok: false; error: ErrorMessage };

function bad(id: string | null, code: ErrorCode, message: string): Validated {
  return { ok: false, error: { type: 'error', v: 1, id, code, message } };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const ID = /^[\w.:-]{1,64}$/;
/** Endpoint and object names: what `net trace --from/--to` and kubectl accept, bounded. */
const NAME = /^[\w./:-]{1,253}$/;

/** Checks that `o` has exactly the keys `allowed` (required ones present), naming the first problem. */
function keysProblem(o: Record<string, unknown>, required: readonly string[], optional: readonly string[]): string | undefined {
  for (const k of required) if (!(k in o)) return `missing field "${k}"`;
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) return `unknown field "${k}"`;
  return undefined;
}

function intIn(x: unknown, lo: number, hi: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= lo && x <= hi;
}

/** Parses and validates one message from a client. Never throws. */
export function parseClientMessage(text: string): Validated {
  if (Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES) return bad(null, 'too-large', `message over ${MAX_MESSAGE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad(null, 'bad-json', `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(raw)) return bad(null, 'bad-message', 'a message is a JSON object with "type", "v" and "id"');
  const id = typeof raw.id === 'string' && ID.test(raw.id) ? raw.id : null;
  if (id === null) return bad(null, 'bad-message', '"id" must be a string of 1 to 64 letters, digits or . _ : -');
  if (typeof raw.type !== 'string') return bad(id, 'bad-message', '"type" must be a string');
  if (!(CLIENT_TYPES as readonly string[]).includes(raw.type)) return bad(id, 'unknown-type', `unknown type "${raw.type.slice(0, 40)}" (expected ${CLIENT_TYPES.join(', ')})`);
  if (raw.v !== PROTOCOL_VERSION) return bad(id, 'bad-version', `"v" must be ${PROTOCOL_VERSION}`);
  switch (raw.type) {
    case 'trace': {
      const p = keysProblem(raw, ['type', 'v', 'id', 'from', 'to', 'proto'], ['dport', 'seed', 'branches']);
      if (p !== undefined) return bad(id, 'bad-message', `trace: ${p}`);
      if (typeof raw.from !== 'string' || !NAME.test(raw.from)) return bad(id, 'bad-message', 'trace: "from" must be an endpoint such as pod/NAME');
      if (typeof raw.to !== 'string' || !NAME.test(raw.to)) return bad(id, 'bad-message', 'trace: "to" must be an endpoint such as svc/NAME:PORT');
      if (!(TRACE_PROTOS as readonly unknown[]).includes(raw.proto)) return bad(id, 'bad-message', `trace: "proto" must be one of ${TRACE_PROTOS.join(', ')}`);
      if (raw.dport !== undefined && !intIn(raw.dport, 1, 65535)) return bad(id, 'bad-message', 'trace: "dport" must be a port, 1..65535');
      if (raw.seed !== undefined && !intIn(raw.seed, 0, 2 ** 32 - 1)) return bad(id, 'bad-message', 'trace: "seed" must be an integer 0..4294967295');
      if (raw.branches !== undefined && typeof raw.branches !== 'boolean') return bad(id, 'bad-message', 'trace: "branches" must be true or false');
      return { ok: true, message: raw as unknown as TraceRequest };
    }
    case 'edit': {
      const p = keysProblem(raw, ['type', 'v', 'id', 'edit'], []);
      if (p !== undefined) return bad(id, 'bad-message', `edit: ${p}`);
      const e = raw.edit;
      if (!isObject(e)) return bad(id, 'bad-message', 'edit: "edit" must be an object with "op"');
      const problem = editProblem(e);
      if (problem !== undefined) return bad(id, 'bad-message', `edit: ${problem}`);
      return { ok: true, message: raw as unknown as EditRequest };
    }
    case 'timeline': {
      const p = keysProblem(raw, ['type', 'v', 'id', 'point'], []);
      if (p !== undefined) return bad(id, 'bad-message', `timeline: ${p}`);
      if (raw.point !== null && (typeof raw.point !== 'string' || !NAME.test(raw.point))) return bad(id, 'bad-message', 'timeline: "point" must be a point name or null');
      return { ok: true, message: raw as unknown as TimelineRequest };
    }
    default: {
      const p = keysProblem(raw, ['type', 'v', 'id'], []);
      if (p !== undefined) return bad(id, 'bad-message', `${raw.type}: ${p}`);
      return { ok: true, message: raw as unknown as SaveRequest | ResetRequest };
    }
  }
}

function editProblem(e: Record<string, unknown>): string | undefined {
  const name = (k: string): string | undefined => (typeof e[k] === 'string' && NAME.test(e[k]) ? undefined : `"${k}" must be an object name (NS/NAME or NAME)`);
  switch (e.op) {
    case 'ready':
      return keysProblem(e, ['op', 'pod', 'ready'], []) ?? name('pod') ?? (typeof e.ready === 'boolean' ? undefined : '"ready" must be true or false');
    case 'scale':
      return keysProblem(e, ['op', 'workload', 'replicas'], []) ?? name('workload') ?? (intIn(e.replicas, 0, 1000) ? undefined : '"replicas" must be an integer 0..1000');
    case 'delete-pod':
      return keysProblem(e, ['op', 'pod'], []) ?? name('pod');
    case 'delete-endpointslice':
      return keysProblem(e, ['op', 'slice'], []) ?? name('slice');
    case 'apply':
      return keysProblem(e, ['op', 'manifest'], []) ?? (typeof e.manifest === 'string' && e.manifest.trim() !== '' ? undefined : '"manifest" must be the text of one Kubernetes object (YAML or JSON)');
    case 'delete-networkpolicy':
      return keysProblem(e, ['op', 'policy'], []) ?? name('policy');
    default:
      return '"op" must be one of ready, scale, delete-pod, delete-endpointslice, apply, delete-networkpolicy';
  }
}

export function errorMessage(id: string | null, code: ErrorCode, message: string): ErrorMessage {
  return { type: 'error', v: 1, id, code, message };
}
