// A Cluster timeline step (`kubectl scale`, `kubectl delete pod|endpointslice`, `ready:`, `addNode:`, `apply:`,
// `kubectl label`, `sync: kube-proxy`) done to a realized cluster, as its components would do it: the CNI
// plugin's work for pods that come (namespace, veth into cni0, address, default route) and go (`ip netns del`),
// flannel's for a node that joins (its namespace whole; routes, neighbours and fdb entries for its subnet on the
// others), the network policy agent's sets (ipset, realize-reconcile.ts) and rules, and on each node the EXACT
// text the emulator's live kube-proxy applied at that step (KubeProxyNodeSync.text, src/cluster/live-kube-proxy.ts)
// fed to `iptables-restore --noflush`, nothing flushed, then its conntrack clean-up as `conntrack -D` of exactly
// the entries the emulator deleted (matched on the original tuple). A node whose kube-proxy has not synced yet
// (`kubeProxy: later`) gets nothing from it; one that joins so is built with only the other components' rules.
// Whatever rules the new compile has beyond kube-proxy's text (a hostPort's portmap chains, a policy's chains)
// are rewritten chain by chain with --noflush too, and named in `rewritten`. Pure: text only.

import type { CompiledCluster } from '../cluster/compile.js';
import type { KubeProxyNodeSync } from '../cluster/live-kube-proxy.js';
import { hookJumps } from '../cluster/kube-proxy/index.js';
import { hookJumpsText } from '../cluster/services.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import type { RulesModel } from './iptables-restore-model.js';
import { applyNoflush, noflushDelta, rulesModel } from './iptables-restore-model.js';
import type { RealizeOptions } from './realize.js';
import { iptablesRestore, shq } from './realize.js';
import { reconcileRealizeCommands } from './realize-reconcile.js';
import type { ReconcileRealize } from './realize-reconcile.js';

export interface ClusterStepRealize extends ReconcileRealize {
  /** Nodes whose kube-proxy synced (a --noflush restore of its text). */
  synced: string[];
  /** Namespaces where rules beyond kube-proxy's sync changed and were rewritten chain by chain. */
  rewritten: string[];
}

/**
 * The commands that take the cluster realized as `before` (namespaces `${prefix}NAME`) to `after`; `kubeProxy`:
 * what the emulator's kube-proxies did at this step (the timeline event's `kubeProxy`).
 */
export function clusterStepCommands(
  before: CompiledCluster, after: CompiledCluster, prefix: string, kubeProxy: readonly KubeProxyNodeSync[], opts: RealizeOptions = {},
): ClusterStepRealize {
  const synced: string[] = [];
  const rewritten: string[] = [];
  const syncOf = new Map(kubeProxy.map((s) => [s.node, s]));
  const handled = new Set<string>();
  const nodeOf = (netns: string) => after.nodes.find((n) => n.netns === netns);
  /** kube-proxy's restore (hook jumps first on a full sync, EnsureRule: only those missing) applied to `model`. */
  const proxyCommands = (netns: string, model: RulesModel, s: KubeProxyNodeSync | undefined): string[] => {
    if (s === undefined || s.outcome !== 'synced' || s.text === '') return [];
    const out: string[] = [];
    if (s.full) {
      // A full sync ensures its hook jumps first (EnsureChain / EnsureRule Prepend, proxier.go).
      const hooks = hookJumpsText(hookJumps());
      applyNoflush(model, hooks);
      out.push(iptablesRestore(`${prefix}${netns}`, hooks, true));
    }
    const bad = applyNoflush(model, s.text);
    if (bad.length > 0 && s.restoreErrors.length === 0) throw new Error(`invariant: kube-proxy's sync text for ${s.node} has lines a restore refuses: ${bad.join(' | ')}`);
    out.push(iptablesRestore(`${prefix}${netns}`, s.text, true));
    synced.push(s.node);
    return out;
  };
  // A node that joins before its kube-proxy synced holds only the other components' rules.
  const world: WorldSpec = {
    ...after.world,
    namespaces: after.world.namespaces.map((n) => {
      const node = nodeOf(n.name);
      const s = node === undefined ? undefined : syncOf.get(node.name);
      if (node === undefined || s?.outcome !== 'pending' || before.world.namespaces.some((b) => b.name === n.name)) return n;
      return { ...n, iptables: after.rulesBeforeKubeProxy.get(node.name) ?? '' };
    }),
  };
  const r = reconcileRealizeCommands(before.world, world, prefix, {
    ...opts,
    iptables: (netns, from, to) => {
      const node = nodeOf(netns);
      const s = node === undefined ? undefined : syncOf.get(node.name);
      if (node !== undefined) handled.add(node.name);
      const model = rulesModel(from);
      const commands = proxyCommands(netns, model, s);
      // As the emulator's live kube-proxy: a node's rules are carried over (kube-proxy's text, when it synced, is
      // the only change) unless the other components' rules changed, which rebuilds them as the new compile has
      // them (`rebuilt`). A node without kube-proxy takes the new compile's rules.
      // Approximation: a rebuilt node whose kube-proxy has not synced yet (`pending`) gets kube-proxy's new state.
      const target = s === undefined || s.rebuilt || s.outcome === 'synced' ? rulesModel(to) : model;
      const rest = noflushDelta(model, target);
      if (rest !== '') {
        commands.push(iptablesRestore(`${prefix}${netns}`, rest, true));
        rewritten.push(netns);
      }
      return commands;
    },
  });
  // Nodes whose compiled rules did not change (a `sync: kube-proxy` step, a pending change synced now).
  for (const n of after.nodes) {
    const s = syncOf.get(n.name);
    if (handled.has(n.name) || r.added.includes(n.netns) || s === undefined) continue;
    const spec = before.world.namespaces.find((x) => x.name === n.netns);
    if (spec === undefined) continue;
    for (const c of proxyCommands(n.netns, rulesModel(spec.iptables ?? ''), s)) r.commands.push(c);
  }
  for (const n of after.nodes) {
    const s = syncOf.get(n.name);
    for (const line of s?.conntrackDeleted ?? []) r.commands.push(conntrackDelete(`${prefix}${n.netns}`, line));
  }
  return { ...r, synced, rewritten };
}

/**
 * `conntrack -D` of the entry a `conntrack -L` line prints, matched on its original tuple (protocol, addresses,
 * ports); a miss (exit 1, nothing deleted) is left for the next trace's conntrack comparison to show.
 */
export function conntrackDelete(netns: string, line: string): string {
  const w = line.trim().split(/\s+/);
  const field = (k: string): string | undefined => w.find((x) => x.startsWith(`${k}=`))?.slice(k.length + 1);
  const args = ['-D', '-p', w[0], '--orig-src', field('src') ?? '', '--orig-dst', field('dst') ?? ''];
  const sport = field('sport');
  const dport = field('dport');
  if (sport !== undefined) args.push('--orig-port-src', sport);
  if (dport !== undefined) args.push('--orig-port-dst', dport);
  return `ip netns exec ${shq(netns)} conntrack ${args.map(shq).join(' ')} || true`;
}
