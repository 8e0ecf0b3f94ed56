import type { Ipv4Addr, MacAddr } from '../../wire/headers.js';
import { KeyedCheckpoint } from '../netns/keyed-undo.js';

/** One forwarding database entry (struct net_bridge_fdb_entry, or a vxlan fdb entry with its remote). */
export interface FdbEntry {
  mac: MacAddr;
  /** Port device name (for a bridge) or the vxlan device itself. */
  dev: string;
  /** The bridge's own port addresses: never aged, never moved by learning. */
  local: boolean;
  /** Added by hand (`bridge fdb add ... permanent|static`): never aged. */
  static: boolean;
  /** Virtual time of the last refresh, for ageing. */
  updated: number;
  /** vxlan: remote VTEP. */
  dst?: Ipv4Addr;
}

/** A saved forwarding database (Fdb.saveState()). */
export type FdbState = ReadonlyArray<readonly [string, Readonly<FdbEntry>]>;

/**
 * Linux: net/bridge/br_fdb.c. Learned entries age out after `ageingTimeMs` of silence; lookups skip expired
 * entries (the kernel's gc would have removed them), so ageing needs no timer.
 */
export class Fdb {
  readonly #entries = new Map<MacAddr, FdbEntry>();
  /** Copy on write for a run on a shared World (checkpoint()). */
  readonly #ckpt = new KeyedCheckpoint<FdbEntry>({ entries: this.#entries, copy: (e) => ({ ...e }) }, 'fdb');

  constructor(readonly ageingTimeMs: number) {}

  /** br_fdb_find_rcu() plus has_expired(). The entry may be changed by the caller (vxlan_snoop() sets its remote). */
  lookup(mac: MacAddr, now: number): FdbEntry | undefined {
    const e = this.#entries.get(mac);
    if (!e) return undefined;
    if (this.#expired(e, now)) {
      this.#ckpt.log()?.saveRemoval(mac);
      this.#entries.delete(mac);
      return undefined;
    }
    this.#ckpt.log()?.save(mac);
    return e;
  }

  /**
   * br_fdb_update(): learn or refresh where `mac` lives. Returns what changed, for the trace. A local entry
   * never moves; a static one does (it is not sticky), but stays static. With ageing_time 0 nothing is learned
   * ("some users want to always flood").
   */
  learn(mac: MacAddr, dev: string, now: number): 'learned' | 'refreshed' | 'moved' | 'kept' {
    if (this.ageingTimeMs === 0) return 'kept';
    const e = this.lookup(mac, now);
    if (!e) {
      this.#ckpt.log()?.save(mac);
      this.#entries.set(mac, { mac, dev, local: false, static: false, updated: now });
      return 'learned';
    }
    if (e.local) return 'kept';
    const moved = e.dev !== dev;
    e.dev = dev;
    e.updated = now;
    return moved ? 'moved' : 'refreshed';
  }

  /**
   * `bridge fdb add`, or `append` for the all-zero MAC of a vxlan device: each default destination is its own
   * entry (vxlan_fdb_append()), so the key includes the remote.
   */
  add(entry: FdbEntry): void {
    const key = entry.mac === '00:00:00:00:00:00' && entry.dst !== undefined ? `${entry.mac}|${entry.dst}` : entry.mac;
    this.#ckpt.log()?.save(key);
    this.#entries.set(key, entry);
  }

  /** Removes every entry `drop` selects (br_fdb_delete_by_port(), vxlan_flush()); returns how many went. */
  removeWhere(drop: (e: FdbEntry) => boolean): number {
    let n = 0;
    for (const [key, e] of this.#entries) {
      if (drop(e)) {
        this.#ckpt.log()?.saveRemoval(key);
        this.#entries.delete(key);
        n++;
      }
    }
    return n;
  }

  /** Entries as `bridge fdb show` lists them, in insertion order. */
  entries(now: number): FdbEntry[] {
    this.#ckpt.log()?.saveAll();
    return [...this.#entries.values()].filter((e) => !this.#expired(e, now));
  }

  /** A copy of every entry, expired ones too, for reconciling and digesting a World. */
  saveState(): FdbState {
    return [...this.#entries].map(([k, e]) => [k, { ...e }]);
  }

  /** Puts the table back as `saveState()` found it. */
  restoreState(saved: FdbState): void {
    this.#ckpt.refuseWholeWrite();
    this.#entries.clear();
    for (const [k, e] of saved) this.#entries.set(k, { ...e });
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

  /** has_expired(): time_before_eq(updated + hold_time, now), so an entry is gone at exactly ageing_time. */
  #expired(e: FdbEntry, now: number): boolean {
    return !e.local && !e.static && e.updated + this.ageingTimeMs <= now;
  }
}
