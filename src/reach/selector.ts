// What `--from` and `--to` take, kubectl's way of naming things: `pod/NAME`, `pod/NS/NAME` or `NS/NAME` (one
// pod), `ns/NAME` (its pods), a label selector `app=web,tier!=db` (pods in every namespace) or `NS/app=web`,
// `svc/NAME[.NS][:PORT]` (a Service's ports), `node/NAME`, `host/NAME` (or `ext/NAME`), `ctr/NAME` (a Docker
// container). `*` as NAME takes them all: `pod/*`, `ns/*`, `svc/*`, `node/*`, `host/*`, `ctr/*`.

import type { SyntaxResult } from '../kernel/syntax-words.js';
import { syntaxError } from '../kernel/syntax-words.js';
import type { LabelRequirement } from './label-selector.js';
import { looksLikeLabelSelector, parseLabelSelector } from './label-selector.js';

export type SelectorTerm =
  | { kind: 'pod'; namespace?: string; name: string }
  | { kind: 'ns'; namespace: string }
  | { kind: 'labels'; namespace?: string; reqs: LabelRequirement[] }
  | { kind: 'svc'; name: string; namespace?: string; port?: string }
  | { kind: 'node' | 'host' | 'ctr'; name: string };

/** The words before a slash that name a kind, not a Kubernetes namespace. */
export const SELECTOR_KINDS = ['pod', 'ns', 'svc', 'node', 'host', 'ext', 'ctr'] as const;

export const SELECTOR_SYNTAX = 'pod/NAME, NS/NAME, ns/NAME, a label selector (app=web, NS/app=web), svc/NAME[.NS][:PORT], node/NAME, host/NAME, ctr/NAME (NAME * for all)';

const NAME = /^(?:\*|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;
const LOOSE_NAME = /^(?:\*|[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

function name(text: string, col: number, what: string, pattern = NAME): SyntaxResult<string> {
  if (text === '') return syntaxError(`expected ${what} after the slash`, col);
  return pattern.test(text) ? { ok: true, value: text } : syntaxError(`"${text}" is not ${what} (lowercase letters, digits, - and ., or *)`, col);
}

function labels(text: string, namespace: string | undefined, offset: number): SyntaxResult<SelectorTerm> {
  const r = parseLabelSelector(text);
  if (!r.ok) return syntaxError(r.error, r.column + offset);
  return { ok: true, value: namespace === undefined ? { kind: 'labels', reqs: r.value } : { kind: 'labels', namespace, reqs: r.value } };
}

function service(rest: string): SyntaxResult<SelectorTerm> {
  const colon = rest.indexOf(':');
  const ref = colon < 0 ? rest : rest.slice(0, colon);
  const port = colon < 0 ? undefined : rest.slice(colon + 1);
  const dot = ref.indexOf('.');
  const n = name(dot < 0 ? ref : ref.slice(0, dot), 5, 'a Service name');
  if (!n.ok) return n;
  const out: SelectorTerm = { kind: 'svc', name: n.value };
  if (dot >= 0) {
    const ns = name(ref.slice(dot + 1), 5 + dot + 1, 'a namespace');
    if (!ns.ok) return ns;
    out.namespace = ns.value;
  }
  if (port !== undefined) {
    const numeric = /^[0-9]+$/.test(port);
    if (numeric ? !/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535 : !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(port)) {
      return syntaxError(`"${port}" is not a port (1..65535) or a port name`, 5 + colon + 1);
    }
    out.port = port;
  }
  return { ok: true, value: out };
}

/** Parses one `--from`/`--to` term; columns are 1-based within `text`. */
export function parseSelector(text: string): SyntaxResult<SelectorTerm> {
  if (text.trim() === '') return syntaxError(`expected ${SELECTOR_SYNTAX}`, 1);
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (looksLikeLabelSelector(text)) return labels(text, undefined, 0);
    return syntaxError(`"${text}" names no kind: write ${SELECTOR_SYNTAX}`, 1);
  }
  const kind = text.slice(0, slash);
  const rest = text.slice(slash + 1);
  const col = slash + 2;
  switch (kind) {
    case 'svc':
      return service(rest);
    case 'ns': {
      const n = name(rest, col, 'a namespace');
      return n.ok ? { ok: true, value: { kind: 'ns', namespace: n.value } } : n;
    }
    case 'pod': {
      const inner = rest.indexOf('/');
      if (inner < 0) {
        const n = name(rest, col, 'a pod name');
        return n.ok ? { ok: true, value: { kind: 'pod', name: n.value } } : n;
      }
      const ns = name(rest.slice(0, inner), col, 'a namespace');
      if (!ns.ok) return ns;
      const n = name(rest.slice(inner + 1), col + inner + 1, 'a pod name');
      return n.ok ? { ok: true, value: { kind: 'pod', namespace: ns.value, name: n.value } } : n;
    }
    case 'node':
    case 'host':
    case 'ext':
    case 'ctr': {
      const n = name(rest, col, `a ${kind === 'ctr' ? 'container' : kind === 'node' ? 'node' : 'host'} name`, LOOSE_NAME);
      return n.ok ? { ok: true, value: { kind: kind === 'ext' ? 'host' : kind, name: n.value } } : n;
    }
  }
  const ns = name(kind, 1, 'a namespace or a kind (pod, ns, svc, node, host, ctr)');
  if (!ns.ok) return ns;
  if (looksLikeLabelSelector(rest)) return labels(rest, ns.value, slash + 1);
  const n = name(rest, col, 'a pod name');
  return n.ok ? { ok: true, value: { kind: 'pod', namespace: ns.value, name: n.value } } : n;
}
