// What the readers hand to validation: the specs read so far, each with the YAML nodes it came from, so
// checks that span objects (a veth's peer, a route's gateway) can still point at the text at fault.

import type { Node } from 'yaml';
import type { FdbSpec, IpsetSpec, LinkSpec, ListenSpec, NeighSpec, NetnsSpec, RouteSpec, RuleSpec } from '../kernel/netns/world-spec.js';
import type { ConntrackSpec } from '../kernel/conntrack/index.js';
import type { TraceSpec } from './model.js';
import type { Fields } from './yaml-fields.js';

/** One spec and the node it was read from. */
export interface Located<T> {
  spec: T;
  node: Node;
  /** Where it sits in the file's structure, for messages: `namespace "left": routes[0]`. */
  label: string;
}

export interface LinkDraft {
  spec: LinkSpec;
  fields: Fields;
  /** Each address's string node, by index in spec.addresses. */
  addressNodes: Node[];
}

export interface NetnsDraft {
  name: string;
  fields: Fields;
  sysctls: Record<string, number>;
  /** The key node of each sysctl, for "no such device" in a per-device name. */
  sysctlKeys: Map<string, Node>;
  links: LinkDraft[];
  routes: Located<RouteSpec>[];
  rules: Located<RuleSpec>[];
  neigh: Located<NeighSpec>[];
  fdb: Located<FdbSpec>[];
  listen: Located<ListenSpec>[];
  iptables?: string;
  ipsets?: Located<IpsetSpec>[];
  /** `conntrack:` lines, as `conntrack -L` prints them. */
  conntrack?: Located<ConntrackSpec>[];
}

export interface ExpectDraft {
  fields: Fields;
  /** `deliveredTo.netns` and where it is written, checked against the namespaces. */
  deliveredToNetns?: Located<string>;
  reply?: ExpectDraft;
}

export interface TraceDraft {
  spec: TraceSpec;
  fields: Fields;
  expect?: ExpectDraft;
  /** `to: NAMESPACE[:PORT]`: spec.dst becomes that namespace's first address once namespaces are known. */
  toNetns?: Located<string>;
}

/** A trace's name and where it is written, for the duplicate check. */
export interface TraceName {
  name: string;
  /** The `name` value, or the trace itself when the name is made up from from/to/proto. */
  at: Node;
  item: Node;
  /** Written as `name:`, not made up. */
  given: boolean;
}

export function toNetnsSpec(draft: NetnsDraft): NetnsSpec {
  const spec: NetnsSpec = {
    name: draft.name,
    sysctls: draft.sysctls,
    links: draft.links.map((l) => l.spec),
    routes: draft.routes.map((r) => r.spec),
    rules: draft.rules.map((r) => r.spec),
    neigh: draft.neigh.map((n) => n.spec),
    fdb: draft.fdb.map((f) => f.spec),
    listen: draft.listen.map((l) => l.spec),
  };
  if (draft.iptables !== undefined) spec.iptables = draft.iptables;
  if (draft.ipsets !== undefined) spec.ipsets = draft.ipsets.map((s) => s.spec);
  if (draft.conntrack !== undefined) spec.conntrack = draft.conntrack.map((c) => c.spec);
  return spec;
}
