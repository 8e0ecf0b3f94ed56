// Checks that span objects of a Topology, once each object has been read on its own: names unique, every
// reference (a veth's peer, a master, a route's device, a trace's namespace) naming something that exists.

import { didYouMean } from '../kernel/syntax-words.js';
import type { Located } from './topology-draft.js';
import type { ExpectDraft, LinkDraft, NetnsDraft, TraceDraft, TraceName } from './topology-draft.js';
import { linksByName, validateLinks } from './validate-links.js';
import { canBindSource, validateNetns } from './validate-netns.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { ScenarioSource } from './yaml-source.js';

interface NetnsView {
  draft: NetnsDraft;
  links: ReadonlyMap<string, LinkDraft>;
}

export function validateTopology(
  src: ScenarioSource,
  namespaces: readonly NetnsDraft[],
  traces: readonly TraceDraft[],
  traceNames: readonly TraceName[],
): void {
  const world = new Map<string, NetnsView>();
  const views = namespaces.map((draft) => ({ draft, links: linksByName(src, draft) }));
  for (const view of views) {
    const first = world.get(view.draft.name);
    if (first === undefined) world.set(view.draft.name, view);
    else src.error(view.draft.fields.values.get('name'), `duplicate namespace "${view.draft.name}" (first at line ${src.locate(first.draft.fields.node).line})`);
  }
  for (const { draft, links } of views) {
    validateLinks(src, draft, links, world);
    validateNetns(src, draft, links);
  }
  validateTraces(src, traces, traceNames, world);
}

function validateTraces(src: ScenarioSource, traces: readonly TraceDraft[], names: readonly TraceName[], world: ReadonlyMap<string, NetnsView>): void {
  for (const t of traces) {
    const what = `trace "${t.spec.name}"`;
    const from = world.get(t.spec.from);
    if (from === undefined) {
      src.error(t.fields.values.get('from'), `${what}: from: no namespace "${t.spec.from}"${didYouMean(t.spec.from, world.keys())}`);
    } else if (t.spec.src !== undefined && !canBindSource(from.draft, t.spec.src)) {
      src.error(t.fields.values.get('src'), `${what}: src: bind: Cannot assign requested address: ${formatIpv4(t.spec.src)} is not an address of namespace "${t.spec.from}" (net.ipv4.ip_nonlocal_bind: 1 lets bind() take it)`);
    }
    for (let e: ExpectDraft | undefined = t.expect; e !== undefined; e = e.reply) checkDeliveredTo(src, e, world);
    if (t.toNetns !== undefined) resolveToNetns(src, t, t.toNetns, world);
  }
  const first = new Map<string, TraceName>();
  for (const n of names) {
    const seen = first.get(n.name);
    if (seen === undefined) {
      first.set(n.name, n);
      continue;
    }
    const hint = n.given ? '' : ' (give it a "name")';
    src.error(n.at, `duplicate trace name "${n.name}" (first at line ${src.locate(seen.item).line})${hint}`);
  }
}

/** `to: NAMESPACE` means the namespace's first address that is not loopback, as `net trace --to NS` does. */
function resolveToNetns(src: ScenarioSource, t: TraceDraft, to: Located<string>, world: ReadonlyMap<string, NetnsView>): void {
  const view = world.get(to.spec);
  if (view === undefined) {
    src.error(to.node, `${to.label}: "${to.spec}" is neither an address (IP or IP:PORT) nor a namespace${didYouMean(to.spec, world.keys())}`);
    return;
  }
  const addr = view.draft.links.flatMap((l) => l.spec.addresses).find((a) => a.addr >>> 24 !== 127);
  if (addr === undefined) {
    src.error(to.node, `${to.label}: namespace "${to.spec}" has no address to send to`);
    return;
  }
  t.spec.dst = addr.addr;
}

function checkDeliveredTo(src: ScenarioSource, e: ExpectDraft, world: ReadonlyMap<string, NetnsView>): void {
  const netns = e.deliveredToNetns;
  if (netns !== undefined && !world.has(netns.spec)) {
    src.error(netns.node, `${netns.label}: no namespace "${netns.spec}"${didYouMean(netns.spec, world.keys())}`);
  }
}
