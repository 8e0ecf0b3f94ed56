// A Cluster timeline step (`kubectl scale`, `kubectl delete pod|endpointslice`, `ready:`, `addNode:`) done to a
// realized cluster, as its components would do it: the CNI plugin's work for pods that come (namespace, veth
// into cni0, address, default route) and go (`ip netns del`), flannel's for a node that joins (its namespace
// whole; routes, neighbours and fdb entries for its subnet on the others), and on each node that was running,
// kube-proxy's next sync fed to `iptables-restore --noflush` (node-proxy-sync.ts), nothing flushed: conntrack
// entries stay. Whatever rules the new compile has beyond what that sync writes (a hostPort's portmap chains,
// a patch) are rewritten chain by chain with --noflush too, and named in `rewritten`. Pure: text only.

import type { CompiledCluster } from '../cluster/compile.js';
import { nodeProxySync } from '../cluster/node-proxy-sync.js';
import { applyNoflush, noflushDelta, rulesModel } from './iptables-restore-model.js';
import type { RealizeOptions } from './realize.js';
import { iptablesRestore } from './realize.js';
import { reconcileRealizeCommands } from './realize-reconcile.js';
import type { ReconcileRealize } from './realize-reconcile.js';

export interface ClusterStepRealize extends ReconcileRealize {
  /** Nodes whose kube-proxy synced (a --noflush restore of its text). */
  synced: string[];
  /** Namespaces where rules beyond kube-proxy's sync changed and were rewritten chain by chain. */
  rewritten: string[];
}

/** The commands that take the cluster realized as `before` (namespaces `${prefix}NAME`) to `after`. */
export function clusterStepCommands(before: CompiledCluster, after: CompiledCluster, prefix: string, opts: RealizeOptions = {}): ClusterStepRealize {
  const synced: string[] = [];
  const rewritten: string[] = [];
  const r = reconcileRealizeCommands(before.world, after.world, prefix, {
    ...opts,
    iptables: (netns, from, to) => {
      const node = after.nodes.find((n) => n.netns === netns);
      const model = rulesModel(from);
      const commands: string[] = [];
      if (node !== undefined && before.nodes.some((n) => n.name === node.name)) {
        const text = nodeProxySync(before, after, node.name, model.get('nat')?.keys() ?? []);
        if (text !== undefined) {
          const bad = applyNoflush(model, text);
          if (bad.length > 0) throw new Error(`invariant: kube-proxy's sync text for ${node.name} has lines a restore refuses: ${bad.join(' | ')}`);
          commands.push(iptablesRestore(`${prefix}${netns}`, text, true));
          synced.push(node.name);
        }
      }
      const rest = noflushDelta(model, rulesModel(to));
      if (rest !== '') {
        commands.push(iptablesRestore(`${prefix}${netns}`, rest, true));
        rewritten.push(netns);
      }
      return commands;
    },
  });
  return { ...r, synced, rewritten };
}
