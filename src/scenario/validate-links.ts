// Checks between devices, the ones `ip link add` and `ip link set` would fail on: a veth's two ends must
// name each other, a master must be a bridge in the same namespace, a vxlan's underlay device must exist.

import { formatPrefix } from '../wire/ipv4-addr.js';
import { didYouMean } from '../kernel/syntax-words.js';
import type { LinkDraft, NetnsDraft } from './topology-draft.js';
import type { ScenarioSource } from './yaml-source.js';

/** A namespace's devices by name, the first of each name when a name is written twice. */
export function linksByName(src: ScenarioSource, ns: NetnsDraft): Map<string, LinkDraft> {
  const byName = new Map<string, LinkDraft>();
  for (const link of ns.links) {
    const first = byName.get(link.spec.name);
    if (first === undefined) {
      byName.set(link.spec.name, link);
      continue;
    }
    src.error(link.fields.values.get('name'), `namespace "${ns.name}": duplicate link "${link.spec.name}" (first at line ${src.locate(first.fields.node).line}; RTNETLINK answers: File exists)`);
  }
  return byName;
}

export function validateLinks(
  src: ScenarioSource,
  ns: NetnsDraft,
  links: ReadonlyMap<string, LinkDraft>,
  world: ReadonlyMap<string, { draft: NetnsDraft; links: ReadonlyMap<string, LinkDraft> }>,
): void {
  for (const link of ns.links) {
    const what = `link "${ns.name}/${link.spec.name}"`;
    checkPeer(src, ns, link, what, world);
    checkMaster(src, link, what, links);
    const dev = link.spec.vxlan?.dev;
    if (dev !== undefined && !links.has(dev)) {
      src.error(link.fields.values.get('dev'), `${what}: dev: no device "${dev}" in namespace "${ns.name}"${didYouMean(dev, links.keys())}`);
    }
    checkAddresses(src, link, what);
  }
}

/** veth_newlink() creates both ends at once, so the two ends must describe the same pair. */
function checkPeer(
  src: ScenarioSource,
  ns: NetnsDraft,
  link: LinkDraft,
  what: string,
  world: ReadonlyMap<string, { draft: NetnsDraft; links: ReadonlyMap<string, LinkDraft> }>,
): void {
  const peer = link.spec.peer;
  if (peer === undefined || link.spec.type !== 'veth') return;
  const at = link.fields.values.get('peer');
  const here = `${ns.name}/${link.spec.name}`;
  if (peer.netns === ns.name && peer.dev === link.spec.name) {
    src.error(at, `${what}: a veth cannot be its own peer`);
    return;
  }
  const other = world.get(peer.netns);
  if (other === undefined) {
    src.error(at, `${what}: peer: no namespace "${peer.netns}"${didYouMean(peer.netns, world.keys())}`);
    return;
  }
  const end = other.links.get(peer.dev);
  if (end === undefined) {
    src.error(at, `${what}: peer: no device "${peer.dev}" in namespace "${peer.netns}"${didYouMean(peer.dev, other.links.keys())}`);
    return;
  }
  if (end.spec.type !== 'veth') {
    src.error(at, `${what}: peer ${peer.netns}/${peer.dev} is a ${end.spec.type}, not a veth`);
    return;
  }
  const back = end.spec.peer;
  if (back !== undefined && (back.netns !== ns.name || back.dev !== link.spec.name)) {
    src.error(at, `${what}: peer ${peer.netns}/${peer.dev} does not point back: its peer is ${back.netns}/${back.dev}, not ${here}`);
  }
}

/** br_add_if(): the master is a bridge in the same namespace, and a bridge is never a port itself. */
function checkMaster(src: ScenarioSource, link: LinkDraft, what: string, links: ReadonlyMap<string, LinkDraft>): void {
  const master = link.spec.master;
  if (master === undefined) return;
  const at = link.fields.values.get('master');
  const bridge = links.get(master);
  if (bridge === undefined) {
    src.error(at, `${what}: master: no device "${master}" in this namespace${didYouMean(master, links.keys())}`);
  } else if (bridge === link) {
    src.error(at, `${what}: a device cannot be its own master`);
  } else if (bridge.spec.type !== 'bridge') {
    src.error(at, `${what}: master "${master}" is a ${bridge.spec.type}, not a bridge`);
  } else if (link.spec.type === 'bridge') {
    src.error(at, `${what}: a bridge cannot be a port of another bridge`);
  }
}

/** inet_rtm_newaddr() refuses the same address twice on one device. */
function checkAddresses(src: ScenarioSource, link: LinkDraft, what: string): void {
  const seen = new Set<string>();
  link.spec.addresses.forEach((a, i) => {
    const key = formatPrefix(a);
    if (seen.has(key)) src.error(link.addressNodes[i], `${what}: address ${key} is given twice (RTNETLINK answers: File exists)`);
    seen.add(key);
  });
}
