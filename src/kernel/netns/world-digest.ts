// A deep, canonical text of a World's state, namespace by namespace: what `ip`, `bridge`, `iptables-save -c`,
// `conntrack -L` and `sysctl -a` would show, plus the model's own counters. Two Worlds with the same digest are
// in the same state; tests use it to prove that a run on a shared World leaves it exactly as it found it.

import { BridgeDevice } from '../link/bridge-device.js';
import { VethDevice } from '../link/device.js';
import { VxlanDevice } from '../link/vxlan-device.js';
import { printSave } from '../netfilter/save-print.js';
import type { Netns } from './netns.js';
import type { World } from './world.js';

/** Every entry, whatever its expiry: a digest compares state, not what a listing at some time would show. */
const ALL_TIME = Number.NEGATIVE_INFINITY;

function netnsDigest(ns: Netns): unknown {
  const devices = [...ns.devices.values()].map((d) => ({
    name: d.name,
    kind: d.kind,
    ifindex: d.ifindex,
    up: d.up,
    mac: d.mac,
    mtu: d.mtu,
    addrs: d.addrs,
    master: d.master?.name ?? null,
    port: d.port,
    peer: d instanceof VethDevice ? `${d.peer?.netns.name}/${d.peer?.name}` : undefined,
    fdb: d instanceof BridgeDevice || d instanceof VxlanDevice ? d.fdb.saveState() : undefined,
  }));
  const nf = ns.nf;
  return {
    name: ns.name,
    devices,
    sysctls: ns.sysctls.entries(),
    routes: [...ns.fib.tables].sort(([a], [b]) => a - b),
    rules: ns.fib.rules,
    fibFlags: [ns.fib.customRules, ns.fib.customLocalRoutes],
    neigh: ns.neigh.saveState().map(([k, n]) => [k, { ...n, queue: n.queue.length }]),
    multipath: { seed: ns.fib.mpRandomSeed, decided: [...ns.fib.mpDecided] },
    listeners: ns.sockets.listeners,
    clients: ns.sockets.clients,
    requests: ns.sockets.requests,
    ipId: ns.ipId,
    nf: nf
      ? {
          save: printSave(nf.ruleset, { counters: true }),
          ctActive: nf.ctActive,
          conntrack: nf.conntrack.saveState(),
          live: nf.conntrack.entries(ALL_TIME).length,
          recent: [...nf.matchState.recent].map(([k, t]) => [k, [...t]]),
          nfacct: [...nf.matchState.nfacct],
          ipsets: [...nf.matchState.ipsets].map(([k, v]) => [k, v.type, [...v.members]]),
        }
      : null,
  };
}

/** The state of every namespace of `world` as one canonical JSON text. */
export function worldDigest(world: World): string {
  return JSON.stringify(
    [...world.namespaces.values()].map(netnsDigest),
    (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v instanceof Map ? [...(v as Map<unknown, unknown>)] : v),
  );
}
