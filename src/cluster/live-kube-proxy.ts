// kube-proxy running through a Cluster timeline: one IptablesProxier per node, kept from the first compile to
// the end of the timeline. A step that changes the cluster hands the Service and EndpointSlice changes to each
// node's change trackers (OnServiceUpdate / OnEndpointSliceUpdate); the proxier's sync (syncProxyRules) is a
// partial one: KUBE-SERVICES, KUBE-NODEPORTS and the filter chains rewritten, only the changed Services' own
// chains declared, stale chains `-X`ed. Its text goes through our `iptables-restore --noflush --counters` into
// the node's live ruleset, so untouched chains keep their rules and counters; then, when the endpoint update
// asks for it, the conntrack reconciler (CleanStaleEntries) deletes the node's stale UDP entries.
// A step may say kube-proxy has not synced yet (`kubeProxy: later`): the changes wait in the trackers until a
// later step syncs (`sync: kube-proxy`, or the next change kube-proxy syncs at once).

import { formatEntry } from '../kernel/conntrack/index.js';
import type { Ruleset } from '../kernel/netfilter/index.js';
import { RuleParseCache, cloneRuleset, restore } from '../kernel/netfilter/index.js';
import type { Netns } from '../kernel/netns/netns.js';
import type { World } from '../kernel/netns/world.js';
import { applyIptablesRestore, installRuleset } from '../kernel/tools/index.js';
import type { CompiledCluster } from './compile.js';
import { IptablesProxier, applyHookJumps, cleanStaleEntries, hookJumps, natChainNames, renderSync } from './kube-proxy/index.js';
import type { ServiceObject, EndpointSliceObject } from './model.js';
import { defaultKubeProxySettings, hookJumpsText, nodeProxierConfig, toProxierService, toProxierSlice } from './services.js';

/** When a step's changes reach kube-proxy: at once, not yet, or a step that only runs the pending syncs. */
export type KubeProxyTiming = 'now' | 'later' | 'only';

/** What kube-proxy did on one node at one step. */
export interface KubeProxyNodeSync {
  node: string;
  /** `synced`: a sync ran; `pending`: changes wait for a later sync; `unchanged`: nothing it uses changed. */
  outcome: 'synced' | 'pending' | 'unchanged';
  full: boolean;
  /** `ns/name` of the Services whose own chains the sync wrote. */
  changedServices: string[];
  /** Chains the sync deleted (`-X`). */
  deletedChains: string[];
  /** The iptables-restore --noflush --counters input it applied ('' when none). */
  text: string;
  /** What iptables-restore printed when it failed (the next sync is then a full one). */
  restoreErrors: string[];
  /** `ran` / `off` (cluster.kubeProxy.conntrackCleanup: false) / `not-required` (no UDP endpoint changed). */
  conntrackCleanup: 'ran' | 'off' | 'not-required' | 'none';
  /** The entries the clean-up deleted, as `conntrack -L` printed them just before. */
  conntrackDeleted: string[];
  /**
   * The node's other rules (flannel, portmap, node-local-dns, kube-router) changed in this step: its ruleset was rebuilt from the new
   * compile's rules plus kube-proxy's last synced state, and counters started again.
   */
  rebuilt: boolean;
}

interface NodeProxy {
  proxier: IptablesProxier;
  synced: boolean;
  /** The node's iptables-restore parses, kept from sync to sync (a partial sync rewrites KUBE-SERVICES whole). */
  parses: RuleParseCache;
}

function byName<T extends { meta: { namespace: string; name: string } }>(xs: readonly T[]): Map<string, T> {
  return new Map(xs.map((x) => [`${x.meta.namespace}/${x.meta.name}`, x]));
}

/** The informer events that turn `before`'s Services and slices into `after`'s. */
function feed(p: IptablesProxier, before: CompiledCluster | null, after: CompiledCluster): void {
  const svcBefore = byName<ServiceObject>(before?.services ?? []);
  const svcAfter = byName<ServiceObject>(after.services);
  for (const [k, s] of svcBefore) if (!svcAfter.has(k)) p.onServiceDelete(toProxierService(s));
  for (const [k, s] of svcAfter) {
    const old = svcBefore.get(k);
    if (old === undefined) p.onServiceAdd(toProxierService(s));
    else p.onServiceUpdate(toProxierService(old), toProxierService(s));
  }
  const slBefore = byName<EndpointSliceObject>(before?.endpointSlices ?? []);
  const slAfter = byName<EndpointSliceObject>(after.endpointSlices);
  for (const [k, e] of slBefore) if (!slAfter.has(k)) p.onEndpointSliceDelete(toProxierSlice(e));
  for (const [k, e] of slAfter) {
    const old = slBefore.get(k);
    const next = toProxierSlice(e);
    if (old === undefined) p.onEndpointSliceAdd(next);
    else if (JSON.stringify(toProxierSlice(old)) !== JSON.stringify(next)) p.onEndpointSliceUpdate(next);
  }
}

/** kube-proxy runs on the cluster's nodes (iptables mode on a flannel network). */
export function runsKubeProxy(c: CompiledCluster): boolean {
  const s = c.spec.kubeProxy ?? defaultKubeProxySettings();
  return s.mode === 'iptables' && c.spec.network !== 'docker-bridge';
}

/** The kube-proxies of a timeline's nodes. */
export class LiveKubeProxies {
  private readonly nodes = new Map<string, NodeProxy>();
  private cluster: CompiledCluster;

  /** Each node's kube-proxy as the compile left it: its first (full) sync done at time 0. */
  constructor(initial: CompiledCluster) {
    this.cluster = initial;
    if (!runsKubeProxy(initial)) return;
    for (const n of initial.nodes) {
      const np = this.newProxy(initial, n.name);
      feed(np.proxier, null, initial);
      np.proxier.sync({ now: 0, existingNatChains: null });
      np.synced = true;
    }
  }

  private newProxy(c: CompiledCluster, name: string): NodeProxy {
    const n = c.nodes.find((x) => x.name === name)!;
    const settings = c.spec.kubeProxy ?? defaultKubeProxySettings();
    const sysctls = c.spec.nodes.find((x) => x.name === name)?.sysctls ?? {};
    const np: NodeProxy = { proxier: new IptablesProxier(nodeProxierConfig(c.spec, { name, ip: n.ip, sysctls }, settings)), synced: false, parses: new RuleParseCache() };
    this.nodes.set(name, np);
    return np;
  }

  /**
   * A step moved the cluster to `after`; `live` is the World before it and `next` the World built from
   * `after` (the same World for a `sync: kube-proxy` step). Each node's ruleset in `next` becomes the live
   * one carried over, then kube-proxy syncs unless `timing` is `later`. `now`: virtual ms.
   */
  step(after: CompiledCluster, live: World, next: World, now: number, timing: KubeProxyTiming): KubeProxyNodeSync[] {
    const before = this.cluster;
    this.cluster = after;
    if (!runsKubeProxy(after)) return [];
    const out: KubeProxyNodeSync[] = [];
    for (const n of after.nodes) {
      const ns = next.netns(n.netns);
      if (ns === undefined) continue;
      let np = this.nodes.get(n.name);
      const fresh = np === undefined;
      if (np === undefined) np = this.newProxy(after, n.name);
      if (timing !== 'only') feed(np.proxier, fresh ? null : before, after);
      let rebuilt = false;
      if (timing !== 'only') {
        const old = live.netns(n.netns);
        if (fresh) {
          // A node that just joined: until its kube-proxy syncs it holds only the other components' rules.
          if (timing === 'later') installRuleset(ns, this.baseRules(after, n.name, null));
        } else if (old?.nf && sameOtherRules(before, after, n.name)) {
          installRuleset(ns, cloneRuleset(old.nf.ruleset));
        } else {
          installRuleset(ns, this.baseRules(after, n.name, np));
          rebuilt = true;
        }
      }
      if (fresh && timing !== 'later') {
        // Its first sync is the compile's (hook jumps and the full restore are in `next` already).
        np.proxier.sync({ now: now / 1000, existingNatChains: null });
        np.synced = true;
        out.push(report(n.name, 'synced', { full: true, rebuilt }));
        continue;
      }
      if (timing === 'later' || (np.synced && !np.proxier.pending())) {
        out.push(report(n.name, timing === 'later' && np.proxier.pending() ? 'pending' : 'unchanged', { rebuilt }));
        continue;
      }
      out.push({ ...this.sync(after, n.name, ns, np, now), rebuilt });
    }
    for (const name of [...this.nodes.keys()]) if (!after.nodes.some((n) => n.name === name)) this.nodes.delete(name);
    return out;
  }

  /** syncProxyRules() on one node, its restore, then the conntrack reconciler. */
  private sync(c: CompiledCluster, node: string, ns: Netns, np: NodeProxy, now: number): KubeProxyNodeSync {
    const rs = ns.nf?.ruleset;
    const plan = np.proxier.sync({ now: now / 1000, existingNatChains: rs ? natChainNames(rs) : [] });
    np.synced = true;
    const restoreErrors: string[] = [];
    if (plan.full && rs) {
      // EnsureChain / EnsureRule(Prepend) for the hook jumps, as a full sync does before its restore.
      const h = applyHookJumps(rs, plan.hookJumps);
      installRuleset(ns, h.ruleset);
      for (const e of h.errors) restoreErrors.push(e.message);
    }
    const cmd = { tool: 'iptables-restore' as const, text: 'iptables-restore --noflush --counters', stdin: plan.text, noflush: true, counters: true };
    for (const l of applyIptablesRestore(ns, cmd, np.parses)) restoreErrors.push(l);
    if (restoreErrors.length > 0) np.proxier.syncFailed();
    const settings = c.spec.kubeProxy ?? defaultKubeProxySettings();
    let cleanup: KubeProxyNodeSync['conntrackCleanup'] = 'not-required';
    const deleted: string[] = [];
    if (restoreErrors.length === 0 && plan.conntrackCleanupRequired) {
      if (!settings.conntrackCleanup) cleanup = 'off';
      else if (ns.nf) {
        cleanup = 'ran';
        const gone = cleanStaleEntries(ns.nf.conntrack, np.proxier.services(), np.proxier.endpoints(), now);
        for (const e of gone) deleted.push(formatEntry(e, now));
      }
    }
    return {
      node,
      outcome: 'synced',
      full: plan.full,
      changedServices: [...plan.changedServices].sort(),
      deletedChains: plan.deletedChains,
      text: plan.text,
      restoreErrors,
      conntrackCleanup: cleanup,
      conntrackDeleted: deleted,
      rebuilt: false,
    };
  }

  /**
   * The node's rules as the compile orders them: the other components before kube-proxy (flannel, portmap),
   * kube-proxy's hook jumps and last synced state in full when it has synced before, the components that
   * start after it (node-local-dns, kube-router), then the node's `patches`.
   */
  private baseRules(c: CompiledCluster, node: string, np: NodeProxy | null): Ruleset {
    const cached = np !== null ? { cache: np.parses } : {};
    let rs = restore(c.rulesBeforeKubeProxy.get(node) ?? '', undefined, cached).ruleset;
    if (np?.synced) {
      const p = np.proxier;
      const full = renderSync({ config: p.config, services: p.services(), endpoints: p.endpoints(), changedServices: null, existingNatChains: null });
      rs = restore(hookJumpsText(hookJumps()) + full.text, rs, { noflush: true, ...cached }).ruleset;
    }
    // The components that start after kube-proxy (node-local-dns, the NetworkPolicy controller) come next.
    const later = c.rulesAfterKubeProxy.get(node) ?? '';
    if (later !== '') rs = restore(later, rs, { noflush: true }).ruleset;
    for (const patch of c.spec.patches) {
      if (patch.target === `node/${node}` && patch.iptables !== undefined) rs = restore(patch.iptables, rs, { noflush: true }).ruleset;
    }
    return rs;
  }
}

/** Whether the rules of the node's other components (those before kube-proxy and those after it) are the same. */
function sameOtherRules(before: CompiledCluster, after: CompiledCluster, node: string): boolean {
  return before.rulesBeforeKubeProxy.get(node) === after.rulesBeforeKubeProxy.get(node)
    && before.rulesAfterKubeProxy.get(node) === after.rulesAfterKubeProxy.get(node);
}

function report(node: string, outcome: KubeProxyNodeSync['outcome'], over: Partial<KubeProxyNodeSync>): KubeProxyNodeSync {
  return { node, outcome, full: false, changedServices: [], deletedChains: [], text: '', restoreErrors: [], conntrackCleanup: 'none', conntrackDeleted: [], rebuilt: false, ...over };
}

/** One node's sync in words, for `net run`'s timeline lines; [] when kube-proxy did nothing there. */
export function describeKubeProxySync(s: KubeProxyNodeSync): string[] {
  if (s.outcome === 'unchanged') return s.rebuilt ? [`${s.node}: rules rebuilt (other components changed); kube-proxy: nothing to sync`] : [];
  if (s.outcome === 'pending') return [`${s.node}: kube-proxy has not synced this yet (the change waits in its trackers; the node's rules are unchanged)`];
  const what = s.full ? 'full sync' : `partial sync${s.changedServices.length > 0 ? ` (chains of ${s.changedServices.join(', ')})` : ' (no Service chains changed)'}`;
  const parts = [`${s.node}: kube-proxy ${what}: iptables-restore --noflush --counters`];
  if (s.deletedChains.length > 0) parts.push(`-X ${s.deletedChains.join(' ')}`);
  if (s.rebuilt) parts.push('other components changed the rules: rebuilt');
  const out = [parts.join('; ')];
  for (const e of s.restoreErrors) out.push(`  iptables-restore failed: ${e} (the next sync is a full one)`);
  if (s.conntrackCleanup === 'off') out.push('  conntrack clean-up: off (cluster.kubeProxy.conntrackCleanup: false), stale UDP entries stay until they time out');
  if (s.conntrackCleanup === 'ran') {
    out.push(`  conntrack clean-up: ${s.conntrackDeleted.length === 0 ? 'no stale UDP entry' : `deleted ${s.conntrackDeleted.length} stale UDP ${s.conntrackDeleted.length === 1 ? 'entry' : 'entries'}`}`);
    for (const l of s.conntrackDeleted) out.push(`    ${l}`);
  }
  return out;
}
