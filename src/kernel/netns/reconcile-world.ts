// A live World brought to a new configuration, as controllers bring a real cluster there: the World is
// built again from the new WorldSpec (addresses, routes, iptables rules, permanent neighbours, static fdb
// entries: the new compile's), and the dynamic state of every namespace that still exists is carried over by
// name: conntrack entries, learned neighbours and fdb entries, `-m recent` lists, nfacct counters, client
// sockets and the IP id. Namespaces only in the new spec start empty; those only in the old World are gone.
// Real components never flush conntrack when they rewrite rules (iptables-restore leaves nf_conntrack alone),
// which is why an established flow keeps its NAT after a scale-up (the "first packet beats the rules" story).

import { BridgeDevice } from '../link/bridge-device.js';
import { VxlanDevice } from '../link/vxlan-device.js';
import type { KernelEnv } from './env.js';
import { buildWorld } from './build-world.js';
import type { Netns } from './netns.js';
import type { World } from './world.js';
import type { WorldSpec } from './world-spec.js';

/** What `reconcileWorld` did, by namespace name. */
export interface ReconcileReport {
  kept: string[];
  added: string[];
  removed: string[];
}

/** A new World built from `spec`, with `live`'s dynamic state carried over into the namespaces both hold. */
export function reconcileWorld(live: World, spec: WorldSpec, env: KernelEnv = live.env): { world: World; report: ReconcileReport } {
  const world = buildWorld(spec, env);
  const report: ReconcileReport = { kept: [], added: [], removed: [] };
  for (const [name, ns] of world.namespaces) {
    const old = live.netns(name);
    if (old === undefined) {
      report.added.push(name);
      continue;
    }
    carryOver(old, ns);
    report.kept.push(name);
  }
  for (const name of live.namespaces.keys()) if (!world.namespaces.has(name)) report.removed.push(name);
  return { world, report };
}

function carryOver(from: Netns, to: Netns): void {
  to.ipId = from.ipId;
  // Neighbours: the new configuration's entries (flannel's PERMANENT ones) win; learned entries stay while
  // their device does. A PERMANENT entry the new compile no longer writes is gone (the component deleted it).
  const neigh = new Map(to.neigh.saveState());
  for (const [key, n] of from.neigh.saveState()) {
    if (neigh.has(key) || n.state === 'PERMANENT' || n.state === 'NOARP' || !to.devices.has(n.dev)) continue;
    neigh.set(key, n);
  }
  to.neigh.restoreState([...neigh]);
  // Bridge and vxlan fdbs: static and local entries are configuration; learned ones carry over.
  for (const dev of to.devices.values()) {
    if (!(dev instanceof BridgeDevice || dev instanceof VxlanDevice)) continue;
    const before = from.devices.get(dev.name);
    if (!(before instanceof BridgeDevice || before instanceof VxlanDevice)) continue;
    const fdb = new Map(dev.fdb.saveState());
    for (const [key, e] of before.fdb.saveState()) {
      if (fdb.has(key) || e.static || e.local || !(e.dev === dev.name || to.devices.has(e.dev))) continue;
      fdb.set(key, e);
    }
    dev.fdb.restoreState([...fdb]);
  }
  for (const c of from.sockets.clients) to.sockets.clients.push(c.tcp === undefined ? { ...c } : { ...c, tcp: { ...c.tcp } });
  for (const r of from.sockets.requests) to.sockets.requests.push({ ...r });
  if (from.nf && to.nf) {
    // The table (entries, ids, stats) carries over; its settings are the new namespace's sysctls.
    const saved = from.nf.conntrack.saveState();
    to.nf.conntrack.restoreState({ ...saved, config: to.nf.conntrack.saveState().config });
    const ms = to.nf.matchState;
    for (const [list, table] of from.nf.matchState.recent) ms.recent.set(list, new Map([...table].map(([addr, hits]) => [addr, [...hits]])));
    for (const [k, c] of from.nf.matchState.nfacct) ms.nfacct.set(k, { ...c });
  }
}
