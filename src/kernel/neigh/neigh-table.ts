import type { Ipv4Addr, MacAddr } from '../../wire/headers.js';
import type { Skb } from '../../packet/skb.js';

/** NUD states (include/uapi/linux/neighbour.h), as `ip neigh` prints them. */
export type NudState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

/** A packet waiting on resolution, with where it goes once resolved. */
export interface PendingSkb {
  skb: Skb;
  /** Called with the resolved MAC: hands the frame to the device. */
  send: (mac: MacAddr) => void;
}

export interface Neighbour {
  addr: Ipv4Addr;
  dev: string;
  lladdr: MacAddr | null;
  state: NudState;
  /** arp_queue: packets waiting for resolution (Linux keeps up to unres_qlen_bytes). */
  queue: PendingSkb[];
  probes: number;
  updated: number;
}

/** Neighbour parameters of a device (`ip ntable`); per device in a non-initial namespace. */
export const NEIGH_RETRANS_MS = 1000;
export const NEIGH_MCAST_PROBES = 3;
export const NEIGH_REACHABLE_MS = 30000;

/** Linux: net/core/neighbour.c, one table (arp_tbl) per namespace. */
export class NeighTable {
  readonly #entries = new Map<string, Neighbour>();

  get(dev: string, addr: Ipv4Addr): Neighbour | undefined {
    return this.#entries.get(`${dev}|${addr}`);
  }

  /** __neigh_lookup(..., creat=1) */
  create(dev: string, addr: Ipv4Addr, now: number): Neighbour {
    const key = `${dev}|${addr}`;
    let n = this.#entries.get(key);
    if (!n) {
      n = { addr, dev, lladdr: null, state: 'INCOMPLETE', queue: [], probes: 0, updated: now };
      this.#entries.set(key, n);
    }
    return n;
  }

  set(dev: string, addr: Ipv4Addr, lladdr: MacAddr | null, state: NudState, now: number): Neighbour {
    const n = this.create(dev, addr, now);
    n.lladdr = lladdr;
    n.state = state;
    n.updated = now;
    return n;
  }

  entries(): Neighbour[] {
    return [...this.#entries.values()];
  }

  /** A copy of every entry, for World.checkpoint() (queued packets are kept by reference: a resting World has none). */
  saveState(): NeighTableState {
    return [...this.#entries].map(([k, n]) => [k, { ...n, queue: [...n.queue] }]);
  }

  /** Puts the table back as `saveState()` found it. */
  restoreState(saved: NeighTableState): void {
    this.#entries.clear();
    for (const [k, n] of saved) this.#entries.set(k, { ...n, queue: [...n.queue] });
  }
}

/** A saved neighbour table (NeighTable.saveState()). */
export type NeighTableState = ReadonlyArray<readonly [string, Readonly<Neighbour>]>;
