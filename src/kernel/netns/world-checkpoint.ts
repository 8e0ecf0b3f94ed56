// Snapshot-and-rollback for a World built once and shared by many runs. Everything a packet's passage can
// change is saved here, for each namespace the run enters (on its first touch): the small per-namespace
// tables are copied whole (`-m recent` lists, nfacct counters, client sockets, the IP id); the neighbour table
// and the bridge and vxlan fdbs, which grow with the nodes, save each entry before its first change
// (keyed-undo.ts), and the conntrack table what the run reaches, each before its first change (table.ts); the state inside shared rule objects (rule and policy counters, nth counters) is
// journalled on first write (state-journal.ts). The cost of a checkpoint is what the run touches, never the
// number of namespaces, neighbours or rules.

import type { Fdb } from '../link/fdb.js';
import type { ConntrackTable } from '../conntrack/table.js';
import type { MatchState } from '../netfilter/context.js';
import type { ClientSocket, TcpRequestSocket } from '../ipv4/sockets.js';
import type { Netns } from './netns.js';
import { StateJournal } from './state-journal.js';
import type { World } from './world.js';

interface NetnsCheckpoint {
  ns: Netns;
  ipId: number;
  /** The bridge and vxlan fdbs, which (like the neighbour table) save their entries on first change. */
  fdbs: readonly Fdb[];
  clients: ClientSocket[];
  requests: TcpRequestSocket[];
  /** Saves what the run reaches in it, each before its first change (ConntrackTable.checkpoint()). */
  conntrack: ConntrackTable | null;
  recent: MatchState['recent'] | null;
  nfacct: MatchState['nfacct'] | null;
  /** fib_select_multipath()'s memory: the random hash seed drawn, and each flow's decided bucket. */
  mpRandomSeed: number | null;
  mpDecided: Map<string, number> | null;
}

/** A saved World: `rollback()` puts every namespace back as it was when the checkpoint was taken. */
export interface WorldCheckpoint {
  rollback(): void;
  /** The namespaces saved so far (those the run entered), in the order they were first touched. */
  touched(): string[];
}

function copyRecent(r: MatchState['recent']): MatchState['recent'] {
  return new Map([...r].map(([name, t]) => [name, new Map([...t].map(([addr, hits]) => [addr, [...hits]]))]));
}

function copyClients(cs: readonly ClientSocket[]): ClientSocket[] {
  return cs.map((c) => (c.tcp === undefined ? { ...c } : { ...c, tcp: { ...c.tcp } }));
}

function copyNfacct(n: MatchState['nfacct']): MatchState['nfacct'] {
  return new Map([...n].map(([k, c]) => [k, { ...c }]));
}

function saveNetns(ns: Netns, journal: StateJournal): NetnsCheckpoint {
  // Every check before anything opens: a refused checkpoint leaves no table half in copy-on-write mode.
  if (ns.nf && ns.nf.matchState.journal !== undefined) throw new Error(`invariant: netns ${ns.name} already has a checkpoint`);
  const fdbs = ns.fdbs();
  for (const fdb of fdbs) fdb.checkpoint();
  if (ns.nf) ns.nf.matchState.journal = journal;
  ns.neigh.checkpoint();
  ns.nf?.conntrack.checkpoint();
  return {
    ns,
    ipId: ns.ipId,
    fdbs,
    clients: ns.sockets.clients.length === 0 ? [] : copyClients(ns.sockets.clients),
    requests: ns.sockets.requests.length === 0 ? [] : ns.sockets.requests.map((r) => ({ ...r })),
    conntrack: ns.nf ? ns.nf.conntrack : null,
    recent: ns.nf && ns.nf.matchState.recent.size > 0 ? copyRecent(ns.nf.matchState.recent) : null,
    nfacct: ns.nf && ns.nf.matchState.nfacct.size > 0 ? copyNfacct(ns.nf.matchState.nfacct) : null,
    mpRandomSeed: ns.fib.mpRandomSeed,
    mpDecided: ns.fib.mpDecided.size > 0 ? new Map(ns.fib.mpDecided) : null,
  };
}

function restoreNetns(c: NetnsCheckpoint): void {
  const ns = c.ns;
  ns.ipId = c.ipId;
  ns.neigh.rollbackCheckpoint();
  for (const f of c.fdbs) f.rollbackCheckpoint();
  // Empty before and after (most namespaces a run passes through): nothing to put back.
  if (ns.sockets.clients.length !== 0 || c.clients.length !== 0) {
    ns.sockets.clients.length = 0;
    for (const s of copyClients(c.clients)) ns.sockets.clients.push(s);
  }
  if (ns.sockets.requests.length !== 0 || c.requests.length !== 0) {
    ns.sockets.requests.length = 0;
    for (const r of c.requests) ns.sockets.requests.push({ ...r });
  }
  ns.fib.mpRandomSeed = c.mpRandomSeed;
  if (ns.fib.mpDecided.size !== 0 || c.mpDecided !== null) {
    ns.fib.mpDecided.clear();
    for (const [k, v] of c.mpDecided ?? []) ns.fib.mpDecided.set(k, v);
  }
  if (ns.nf) {
    c.conntrack?.rollbackCheckpoint();
    const ms = ns.nf.matchState;
    // Empty before and after (most runs): nothing to put back.
    if (ms.recent.size !== 0 || c.recent !== null) {
      ms.recent.clear();
      for (const [k, v] of copyRecent(c.recent ?? new Map())) ms.recent.set(k, v);
    }
    if (ms.nfacct.size !== 0 || c.nfacct !== null) {
      ms.nfacct.clear();
      for (const [k, v] of copyNfacct(c.nfacct ?? new Map())) ms.nfacct.set(k, v);
    }
    // Cleared, not deleted: the object keeps its shape (the rule walk reads it per packet).
    ms.journal = undefined;
  }
}

/**
 * Saves the state a run may change, namespace by namespace as each is first touched (Netns.touch(): a packet
 * enters it), so a checkpoint costs what the run reaches, never the number of namespaces in the World. One
 * checkpoint at a time; a run that changes the World's configuration (a timeline's steps) must run on its own
 * World instead.
 */
export function checkpointWorld(world: World): WorldCheckpoint {
  const journal = new StateJournal();
  const saved: NetnsCheckpoint[] = [];
  // The journal, one per checkpoint, marks the namespaces this checkpoint saved (Netns.savedBy).
  const hook = (ns: Netns): void => {
    if (ns.savedBy === journal) return;
    saved.push(saveNetns(ns, journal));
    ns.savedBy = journal;
  };
  const before = world.onFirstWrite(hook);
  if (before !== null) {
    world.onFirstWrite(before);
    throw new Error(`invariant: world ${world.name} already has a checkpoint`);
  }
  let done = false;
  return {
    rollback() {
      if (done) throw new Error('invariant: a checkpoint rolls back once');
      done = true;
      world.onFirstWrite(null);
      journal.rollback();
      for (const c of saved) {
        restoreNetns(c);
        c.ns.savedBy = null;
      }
    },
    touched: () => saved.map((c) => c.ns.name),
  };
}
