import type { Ipv4Addr, MacAddr } from '../../wire/headers.js';
import type { Skb } from '../../packet/skb.js';
import { KeyedCheckpoint } from '../netns/keyed-undo.js';

/** NUD states (include/uapi/linux/neighbour.h), as `ip neigh` prints them. */
export type NudState = 'INCOMPLETE' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'NOARP' | 'PERMANENT';

/** NUD_VALID: the entry has a link-layer address that output may use. */
export const NUD_VALID: ReadonlySet<NudState> = new Set<NudState>(['PERMANENT', 'NOARP', 'REACHABLE', 'PROBE', 'STALE', 'DELAY']);
/** NUD_CONNECTED: output needs no resolution step (neigh_connected_output()). */
export const NUD_CONNECTED: ReadonlySet<NudState> = new Set<NudState>(['PERMANENT', 'NOARP', 'REACHABLE']);
/** NUD_IN_TIMER: the states whose timer runs (neigh_timer_handler()). */
export const NUD_IN_TIMER: ReadonlySet<NudState> = new Set<NudState>(['INCOMPLETE', 'REACHABLE', 'DELAY', 'PROBE']);

/** A packet waiting on resolution, with where it goes once resolved. */
export interface PendingSkb {
  skb: Skb;
  /** Called with the resolved MAC: hands the frame to the device. */
  send: (mac: MacAddr) => void;
}

/** struct neighbour, reduced. Times are virtual milliseconds. */
export interface Neighbour {
  addr: Ipv4Addr;
  dev: string;
  lladdr: MacAddr | null;
  state: NudState;
  /** arp_queue: packets waiting for resolution (Linux keeps up to unres_qlen_bytes). */
  queue: PendingSkb[];
  /** neigh->probes: probes made in this resolution; INCOMPLETE starts at ucast_solicit. */
  probes: number;
  /** Last state or address change (locktime counts from it). */
  updated: number;
  /** Last proof of reachability (an ARP reply, an admin REACHABLE). */
  confirmed: number;
  /** Last use through the resolving output path (neigh_event_send()). */
  used: number;
  /** Bumped whenever the timer is deleted or re-armed, so a stale timer callback knows to do nothing. */
  timer: number;
  /** The trace leg of the packet that last used the entry: where its timer's probes are reported. */
  leg: number;
  /**
   * When a REACHABLE entry turns STALE without a timer job (neighCatchUp()): the expiry sends nothing, so it
   * is applied when the entry is next looked at and no run waits for it. Null when a timer runs instead.
   */
  staleAt: number | null;
}

/**
 * Applies a lazy REACHABLE -> STALE expiry that is due at `now` (neigh_timer_handler()'s "suspected" branch,
 * at the time it would have run).
 */
export function neighCatchUp(n: Neighbour, now: number): void {
  if (n.state === 'REACHABLE' && n.staleAt !== null && now > n.staleAt) {
    n.state = 'STALE';
    n.updated = n.staleAt;
    n.staleAt = null;
  }
}

/** Linux: net/core/neighbour.c, one table (arp_tbl) per namespace. */
export class NeighTable {
  readonly #entries = new Map<string, Neighbour>();
  /** Copy on write for a run on a shared World (checkpoint()). */
  readonly #ckpt = new KeyedCheckpoint<Neighbour>({ entries: this.#entries, copy: copyNeighbour }, 'neighbour table');

  /** The entry, which the caller may change (the state machine does): a checkpoint saves it first. */
  get(dev: string, addr: Ipv4Addr): Neighbour | undefined {
    const key = neighKey(dev, addr);
    const n = this.#entries.get(key);
    if (n !== undefined && this.#ckpt.open) this.#ckpt.log()?.save(key);
    return n;
  }

  /**
   * __neigh_lookup(..., creat=1): a new entry is NUD_NONE, shown here as INCOMPLETE without a probe yet.
   * neigh_alloc() backdates `confirmed` by twice the base reachable time, so nothing counts as confirmed.
   */
  create(dev: string, addr: Ipv4Addr, now: number, baseReachableMs = 30000): Neighbour {
    const key = neighKey(dev, addr);
    this.#ckpt.log()?.save(key);
    let n = this.#entries.get(key);
    if (!n) {
      n = { addr, dev, lladdr: null, state: 'INCOMPLETE', queue: [], probes: 0, updated: now, confirmed: now - 2 * baseReachableMs, used: now, timer: 0, leg: 0, staleAt: null };
      this.#entries.set(key, n);
    }
    return n;
  }

  /** Sets an entry as given, without the state machine (neigh-state.ts runs that). */
  set(dev: string, addr: Ipv4Addr, lladdr: MacAddr | null, state: NudState, now: number): Neighbour {
    const n = this.create(dev, addr, now);
    n.lladdr = lladdr;
    n.state = state;
    n.updated = now;
    return n;
  }

  /** neigh_remove_one() (`ip neigh del`): true when there was an entry. Its pending timer becomes a no-op. */
  delete(dev: string, addr: Ipv4Addr): boolean {
    const key = neighKey(dev, addr);
    const n = this.#entries.get(key);
    if (n === undefined) return false;
    this.#ckpt.log()?.saveRemoval(key);
    n.timer++;
    return this.#entries.delete(key);
  }

  /** Removes every entry `drop` selects (neigh_flush_dev(), `ip neigh flush`); returns how many went. */
  removeWhere(drop: (n: Neighbour) => boolean): number {
    let count = 0;
    for (const [key, e] of this.#entries) {
      if (drop(e)) {
        this.#ckpt.log()?.saveRemoval(key);
        e.timer++;
        this.#entries.delete(key);
        count++;
      }
    }
    return count;
  }

  /** Every entry, lazy expiries applied up to `now` when given. */
  entries(now?: number): Neighbour[] {
    this.#ckpt.log()?.saveAll();
    const all = [...this.#entries.values()];
    if (now !== undefined) for (const n of all) neighCatchUp(n, now);
    return all;
  }

  /** A copy of every entry, for reconciling and digesting a World (queued packets are kept by reference: a resting World has none). */
  saveState(): NeighTableState {
    return [...this.#entries.values()].map((n) => [`${n.dev}|${n.addr}`, copyNeighbour(n)]);
  }

  /** Puts the table back as `saveState()` found it. */
  restoreState(saved: NeighTableState): void {
    this.#ckpt.refuseWholeWrite();
    this.#entries.clear();
    for (const [, n] of saved) this.#entries.set(neighKey(n.dev, n.addr), copyNeighbour(n));
  }

  /**
   * Starts saving entries before their first change (copy on write), for a run on a shared World; one at a
   * time. `rollbackCheckpoint()` puts the table back as it was here.
   */
  checkpoint(): void {
    this.#ckpt.begin();
  }

  /** Ends the checkpoint, putting back every entry changed, added or removed since. */
  rollbackCheckpoint(): void {
    this.#ckpt.rollback();
  }
}

/**
 * The table's key of (dev, addr): the device name, `|`, and the address as two 16-bit code units (no number
 * printed per lookup). The last three units are always `|` and the address, so keys differ when pairs do; an
 * address that is no 32-bit unsigned integer (none is) is printed, with a `|` after it. saveState() prints
 * keys as `dev|addr`.
 */
function neighKey(dev: string, addr: Ipv4Addr): string {
  return addr >>> 0 === addr ? dev + '|' + String.fromCharCode(addr >>> 16, addr & 0xffff) : `${dev}|${addr}|`;
}

function copyNeighbour(n: Neighbour): Neighbour {
  // Written out (an object spread is slow here), keys in the order create() gives them.
  return {
    addr: n.addr, dev: n.dev, lladdr: n.lladdr, state: n.state, queue: n.queue.slice(), probes: n.probes, updated: n.updated,
    confirmed: n.confirmed, used: n.used, timer: n.timer, leg: n.leg, staleAt: n.staleAt,
  };
}

/** A saved neighbour table (NeighTable.saveState()), keyed `dev|addr` (the address as a number). */
export type NeighTableState = ReadonlyArray<readonly [string, Readonly<Neighbour>]>;
