// The `kubernetes` plugin block of a Corefile (CoreDNS plugin/kubernetes/setup.go ParseStanza), and whether
// the same server block forwards elsewhere (`forward`). kubeadm's Corefile is the default.

import type { KubernetesPluginConfig, PodMode } from './plugin-config.js';
import { defaultPluginConfig } from './plugin-config.js';

/** kubeadm's Corefile (cmd/kubeadm/app/phases/addons/dns/manifests.go). */
export const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`;

export interface CorefileSettings {
  kubernetes: KubernetesPluginConfig;
  /** The server block has a `forward` plugin: what the kubernetes plugin does not answer goes upstream. */
  forward: boolean;
}

export interface CorefileError {
  line: number;
  column: number;
  message: string;
}

interface Token {
  text: string;
  line: number;
  column: number;
}

/** Lines of tokens; `{` and `}` are tokens of their own; `;` ends a line too; `#` starts a comment. */
function tokenize(text: string): Token[][] {
  const lines: Token[][] = [];
  let cur: Token[] = [];
  text.split('\n').forEach((raw, i) => {
    const re = /#.*$|[{};]|[^\s{};#]+/g;
    for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
      if (m[0].startsWith('#')) break;
      if (m[0] === ';') {
        if (cur.length > 0) lines.push(cur);
        cur = [];
        continue;
      }
      if (m[0] === '}' && cur.length > 0) {
        lines.push(cur);
        cur = [];
      }
      cur.push({ text: m[0], line: i + 1, column: m.index + 1 });
      if (m[0] === '{' || m[0] === '}') {
        lines.push(cur);
        cur = [];
      }
    }
    if (cur.length > 0) lines.push(cur);
    cur = [];
  });
  return lines;
}

/** Parses a Corefile's kubernetes block (one is modelled) and notes a `forward` in its server block. */
export function parseCorefile(text: string): { ok: true; value: CorefileSettings } | { ok: false; error: CorefileError } {
  const lines = tokenize(text);
  let depth = 0;
  let found: CorefileSettings | undefined;
  let forward = false;
  const fail = (t: Token, message: string) => ({ ok: false as const, error: { line: t.line, column: t.column, message } });
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const first = l[0]!;
    if (first.text === '}') {
      depth--;
      if (depth < 0) return fail(first, 'unexpected "}"');
      continue;
    }
    const atDepth = depth;
    if (l[l.length - 1]!.text === '{') depth++;
    // Plugins sit directly in a server block; lines inside other plugins' blocks are theirs.
    if (atDepth !== 1) continue;
    if (first.text === 'forward') forward = true;
    if (first.text !== 'kubernetes') continue;
    if (found !== undefined) return fail(first, 'a second kubernetes block (one per Corefile is modelled)');
    const opened = l[l.length - 1]!.text === '{';
    const zones = l.slice(1, opened ? -1 : undefined).map((t) => t.text);
    const cfg = defaultPluginConfig(zones.length > 0 ? zones : ['cluster.local.']);
    if (opened) {
      for (i++; i < lines.length && lines[i]![0]!.text !== '}'; i++) {
        const err = readOption(lines[i]!, cfg);
        if (err !== undefined) return { ok: false, error: err };
      }
      if (i >= lines.length) return fail(first, 'the kubernetes block is not closed with "}"');
      depth--;
    }
    found = { kubernetes: cfg, forward: false };
  }
  if (depth !== 0) {
    const line = lines.length === 0 ? 1 : lines[lines.length - 1]![0]!.line;
    return { ok: false, error: { line, column: 1, message: 'a block is not closed with "}"' } };
  }
  if (found === undefined) return { ok: false, error: { line: 1, column: 1, message: 'expected a "kubernetes" plugin line in a server block' } };
  found.forward = forward;
  return { ok: true, value: found };
}

/** How CoreDNS reaches the API server: accepted, nothing to model. */
const IGNORED_OPTIONS = new Set([
  'endpoint', 'tls', 'kubeconfig', 'labels', 'namespace_labels', 'startup_timeout',
  'apiserver_qps', 'apiserver_burst', 'apiserver_max_inflight', 'multicluster',
]);

function readOption(l: Token[], cfg: KubernetesPluginConfig): CorefileError | undefined {
  const [opt, ...args] = l;
  const at = (t: Token, message: string): CorefileError => ({ line: t.line, column: t.column, message });
  switch (opt!.text) {
    case 'pods': {
      const m = args[0]?.text;
      if (args.length !== 1 || (m !== 'disabled' && m !== 'insecure' && m !== 'verified')) return at(args[0] ?? opt!, 'pods: expected one of disabled, insecure, verified');
      cfg.pods = m as PodMode;
      return undefined;
    }
    case 'ttl': {
      const n = Number(args[0]?.text);
      if (args.length !== 1 || !Number.isInteger(n) || n < 0 || n > 3600) return at(args[0] ?? opt!, 'ttl: expected an integer 0..3600');
      cfg.ttl = n;
      return undefined;
    }
    case 'namespaces':
      if (args.length === 0) return at(opt!, 'namespaces: expected at least one namespace');
      cfg.namespaces = args.map((a) => a.text);
      return undefined;
    case 'endpoint_pod_names':
      cfg.endpointPodNames = true;
      return undefined;
    case 'zonal':
      cfg.zonal = true;
      return undefined;
    case 'noendpoints':
      cfg.noEndpoints = true;
      return undefined;
    case 'ignore':
      if (args.length !== 1 || args[0]!.text !== 'empty_service') return at(args[0] ?? opt!, 'ignore: expected "empty_service"');
      cfg.ignoreEmptyService = true;
      return undefined;
    case 'fallthrough':
      cfg.fallthrough = args.map((a) => (a.text.endsWith('.') ? a.text : `${a.text}.`).toLowerCase());
      return undefined;
    default:
      if (IGNORED_OPTIONS.has(opt!.text)) return undefined;
      return at(opt!, `unknown kubernetes option "${opt!.text}" (expected pods, ttl, namespaces, endpoint_pod_names, noendpoints, ignore, fallthrough)`);
  }
}

/** The settings of kubeadm's Corefile, with the cluster's own domain. */
export function kubeadmSettings(domain = 'cluster.local'): CorefileSettings {
  const r = parseCorefile(KUBEADM_COREFILE.replaceAll('cluster.local', domain));
  if (!r.ok) throw new Error(`kubeadm Corefile: ${r.error.message}`);
  return r.value;
}
