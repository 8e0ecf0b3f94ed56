// A live realized world brought from one WorldSpec to the next, as the components of a real cluster bring a node
// there, and as reconcile-world.ts moves the emulator's World: namespaces only in the new spec are built whole,
// then those only in the old one are deleted (`ip netns del`, which destroys their devices and the veth ends
// that pointed into them); in a namespace both hold, only what changed is touched (devices, addresses,
// routes, rules, neighbours and fdb entries added or deleted, sysctls written), so its conntrack table, learned
// neighbours and fdb entries stay, exactly as in the emulator. Its iptables rules are the caller's business
// (`iptables`: kube-proxy's own sync for a node, realize-cluster-step.ts); without one a changed table is
// restored whole, which leaves conntrack alone too. Pure: this file only writes text.

import type { LinkSpec, NetnsSpec, WorldSpec } from '../kernel/netns/world-spec.js';
import { formatIpv4 } from '../wire/ipv4-addr.js';
import type { RealizeOptions } from './realize.js';
import { iptablesRestore, isPerDeviceSysctl, realizeCommands, routeWords, shq, sysctlCommand, words } from './realize.js';

export interface ReconcileRealize {
  /** Shell commands, in order; one entry is one command (an iptables one carries a heredoc). */
  commands: string[];
  /** Namespaces (spec names) built, deleted, and changed in place. */
  added: string[];
  removed: string[];
  changed: string[];
  /** Differences these commands do not carry out (a device whose kind or peer changed...); empty when none. */
  problems: string[];
}

export interface ReconcileOptions extends RealizeOptions {
  /**
   * The commands that take the iptables rules of `netns`, a namespace both specs hold, from `before` to
   * `after` (texts as the specs have them); undefined: restore `after` whole.
   */
  iptables?: (netns: string, before: string, after: string) => string[] | undefined;
}

/** The commands that take the world realized from `before` (namespaces `${prefix}NAME`) to `after`. */
export function reconcileRealizeCommands(before: WorldSpec, after: WorldSpec, prefix: string, opts: ReconcileOptions = {}): ReconcileRealize {
  const ns = (name: string): string => `${prefix}${name}`;
  const old = new Map(before.namespaces.map((n) => [n.name, n]));
  const now = new Map(after.namespaces.map((n) => [n.name, n]));
  const out: ReconcileRealize = { commands: [], added: [], removed: [], changed: [], problems: [] };
  const removals: string[] = [];
  const deleted: string[] = [];
  const inPlace: string[] = [];
  const delta: NetnsSpec[] = [];
  const iptables: string[] = [];
  const setsBefore: string[] = [];
  const setsAfter: string[] = [];
  const kept = new Set<string>();

  for (const n of before.namespaces) {
    if (!now.has(n.name)) {
      out.removed.push(n.name);
      deleted.push(`ip netns del ${shq(ns(n.name))}`);
    }
  }
  const gone = new Set(out.removed);
  for (const a of after.namespaces) {
    const b = old.get(a.name);
    if (b === undefined) {
      out.added.push(a.name);
      delta.push(a);
      continue;
    }
    kept.add(a.name);
    const d = diffNetns(b, a, gone, ns(a.name), out.problems);
    const rules = (b.iptables ?? '') === (a.iptables ?? '') ? [] : iptablesChange(a.name, b.iptables ?? '', a.iptables ?? '', ns(a.name), opts);
    const sets = ipsetChange(b, a, ns(a.name), out.problems);
    if (d.removals.length + d.inPlace.length + rules.length + sets.before.length + sets.after.length === 0 && !d.adds) continue;
    for (const c of sets.before) setsBefore.push(c);
    for (const c of sets.after) setsAfter.push(c);
    out.changed.push(a.name);
    for (const c of d.removals) removals.push(c);
    for (const c of d.inPlace) inPlace.push(c);
    for (const c of rules) iptables.push(c);
    delta.push(d.spec);
  }
  if (opts.dummyAsVeth === true && delta.some((n) => n.links.some((l) => l.type === 'dummy' || l.type === 'external'))) {
    out.problems.push('a dummy device added to a world realized without the dummy driver');
  }
  const built = realizeCommands({ name: after.name, namespaces: delta }, prefix, { ...opts, existing: kept });
  // Namespaces go after the new ones came: a replacement pod's sandbox is up while the old one's is torn down
  // (the ReplicaSet controller replaces a pod as soon as it is terminating), so a bridge that loses its last old
  // port keeps its carrier and its neighbour entries, as in reconcile-world.ts (neigh_carrier_down() would
  // flush them otherwise).
  // Sets before the rules that name them (as realize.ts orders them), and destroyed once no rule names them.
  out.commands = [...removals, ...inPlace, ...built.up, ...deleted, ...setsBefore, ...iptables, ...setsAfter];
  return out;
}

/** What changed inside one namespace both specs hold. */
function diffNetns(b: NetnsSpec, a: NetnsSpec, gone: ReadonlySet<string>, netns: string, problems: string[]) {
  const at = `ip -n ${shq(netns)}`;
  const removals: string[] = [];
  const inPlace: string[] = [];
  const oldLinks = new Map(b.links.map((l) => [l.name, l]));
  const newLinks = new Map(a.links.map((l) => [l.name, l]));
  // A device is gone with its namespace's peer: deleting a namespace destroys the veth pair.
  const vanished = new Set<string>();
  for (const l of b.links) {
    if (newLinks.has(l.name)) continue;
    vanished.add(l.name);
    if (l.type === 'veth' && l.peer !== undefined && gone.has(l.peer.netns)) continue;
    removals.push(`${at} link del ${shq(l.name)}`);
  }
  const live = (dev: string | undefined): boolean => dev === undefined || !vanished.has(dev);
  const key = (x: { text: string }): string => x.text.trim().replace(/\s+/g, ' ');
  const minus = <T extends { text: string }>(xs: readonly T[], ys: readonly T[]): T[] => xs.filter((x) => !ys.some((y) => key(y) === key(x)));
  // Deletions first, each only where its device remains (the kernel removed the others with the device).
  for (const r of minus(b.routes, a.routes)) if (live(r.dev)) removals.unshift(`${at} route del ${routeWords(r)}`);
  for (const r of minus(b.rules, a.rules)) removals.unshift(`${at} rule del ${words(r.text)}`);
  for (const e of minus(b.neigh, a.neigh)) if (live(e.dev)) removals.unshift(`${at} neigh del ${formatIpv4(e.addr)} dev ${shq(e.dev)}`);
  for (const e of minus(b.fdb, a.fdb)) {
    if (live(e.dev)) removals.unshift(`bridge -n ${shq(netns)} fdb del ${words(/(^|\s)(self|master)(\s|$)/.test(e.text) ? e.text : `${e.text} ${e.self ? 'self' : 'master'}`)}`);
  }
  const links: LinkSpec[] = [];
  for (const l of a.links) {
    const was = oldLinks.get(l.name);
    if (was === undefined) {
      links.push(l);
      continue;
    }
    const shape = (x: LinkSpec) => JSON.stringify({ ...x, addresses: [] });
    if (shape(was) !== shape(l)) problems.push(`${a.name}/${l.name}: the device itself changed (only its addresses are reconciled in place)`);
    const addr = (x: LinkSpec['addresses'][number]) => `${formatIpv4(x.addr)}/${x.len}`;
    for (const x of was.addresses) if (!l.addresses.some((y) => addr(y) === addr(x))) removals.push(`${at} addr del ${addr(x)} dev ${shq(l.name)}`);
    for (const x of l.addresses) {
      if (!was.addresses.some((y) => addr(y) === addr(x))) inPlace.push(`${at} addr add ${addr(x)} dev ${shq(l.name)}${x.scope !== undefined ? ` scope ${x.scope}` : ''}`);
    }
  }
  // Sysctls: a key whose value changed or that is new; per-device keys of new devices go with the devices.
  const sysctls: Record<string, number> = {};
  const globals: [string, number][] = [];
  for (const [k, v] of Object.entries(a.sysctls)) {
    if (b.sysctls[k] === v) continue;
    if (isPerDeviceSysctl(k)) sysctls[k] = v;
    else globals.push([k, v]);
  }
  if (globals.length > 0) inPlace.push(sysctlCommand(netns, globals));
  for (const k of Object.keys(b.sysctls)) if (!(k in a.sysctls)) problems.push(`${a.name}: sysctl ${k} is no longer set (nothing puts a default back)`);
  if (JSON.stringify(b.listen) !== JSON.stringify(a.listen)) problems.push(`${a.name}: its listening sockets changed`);
  const spec: NetnsSpec = {
    name: a.name, sysctls, links,
    routes: minus(a.routes, b.routes), rules: minus(a.rules, b.rules), neigh: minus(a.neigh, b.neigh), fdb: minus(a.fdb, b.fdb),
    listen: [],
  };
  const adds = links.length + spec.routes.length + spec.rules.length + spec.neigh.length + spec.fdb.length + Object.keys(sysctls).length > 0;
  return { removals, inPlace, spec, adds };
}

function iptablesChange(name: string, before: string, after: string, netns: string, opts: ReconcileOptions): string[] {
  const own = opts.iptables?.(name, before, after);
  if (own !== undefined) return own;
  return after.trim() === '' ? [] : [iptablesRestore(netns, after)];
}

/**
 * The ipset commands that take a namespace's sets from `b` to `a`, as a policy agent keeps them: new sets
 * created and filled and members added or deleted before the rules change (`before`), sets no longer in the
 * spec destroyed after (`after`: `ipset destroy` refuses a set a rule still names).
 */
function ipsetChange(b: NetnsSpec, a: NetnsSpec, netns: string, problems: string[]): { before: string[]; after: string[] } {
  const at = `ip netns exec ${shq(netns)} ipset`;
  const member = (m: string): string => m.split(' ').map(shq).join(' ');
  const old = new Map((b.ipsets ?? []).map((x) => [x.name, x]));
  const now = new Map((a.ipsets ?? []).map((x) => [x.name, x]));
  const before: string[] = [];
  const after: string[] = [];
  for (const set of now.values()) {
    const was = old.get(set.name);
    if (was === undefined) {
      before.push(`${at} create ${shq(set.name)} ${shq(set.type)}`);
      for (const m of set.members) before.push(`${at} add ${shq(set.name)} ${member(m)}`);
      continue;
    }
    if (was.type !== set.type) {
      problems.push(`${a.name}: ipset ${set.name} changed its type (${was.type} -> ${set.type})`);
      continue;
    }
    // Deletions first: a member whose `nomatch` flag changed is deleted and added again.
    for (const m of was.members) if (!set.members.includes(m)) before.push(`${at} del ${shq(set.name)} ${shq(m.split(' ')[0])}`);
    for (const m of set.members) if (!was.members.includes(m)) before.push(`${at} add ${shq(set.name)} ${member(m)}`);
  }
  for (const set of old.values()) if (!now.has(set.name)) after.push(`${at} destroy ${shq(set.name)}`);
  return { before, after };
}
