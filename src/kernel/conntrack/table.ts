// Linux: the per-namespace conntrack hash (nf_conntrack_hash), its lookup (__nf_conntrack_find_get), the
// insertion at confirmation (__nf_conntrack_confirm), expiry (nf_ct_gc_expired, gc_worker) and the NAT
// helpers that consult it (nf_conntrack_tuple_taken, the nf_nat_bysource hash).

import type { IpPacket } from '../../packet/frame.js';
import { hasStatus, isConfirmed, writable, type CtEntry, type MutableCtEntry } from './entry.js';
import { nfConntrackIn, type CtResolution } from './resolve.js';
import type { TcpConntrack, TcpSysctls } from './tcp-state.js';
import { LINUX_CT_TIMEOUTS, type CtTimeouts } from './timeouts.js';
import type { CtDirection, CtStatus, Tuple } from './tuple.js';
import { zonedKey } from './tuple-key.js';
import { headerKey, invertedKey } from './tuple-of.js';
import type { ConntrackSpec } from './entry-spec.js';
import { seededEntry } from './seed.js';
import { listingFrom, printEntry, printsSame, type CtListing, type EntryPrinted } from './print.js';

export interface CtConfig extends TcpSysctls {
  /** Frozen: replaced whole (restoreState()), never written in place, so a checkpoint keeps the reference. */
  timeouts: Readonly<CtTimeouts>;
}

/** What a namespace sets: the two TCP sysctls and any nf_conntrack_*_timeout it changes; Linux defaults otherwise. */
export type CtConfigInput = Partial<TcpSysctls> & { timeouts?: Partial<CtTimeouts> };

/** Linux defaults: nf_conntrack_tcp_loose=1, nf_conntrack_tcp_be_liberal=0, the default timeouts. */
export const LINUX_CT_CONFIG: Readonly<CtConfig> = Object.freeze({ tcpLoose: true, tcpBeLiberal: false, timeouts: LINUX_CT_TIMEOUTS });

/** Counters as `conntrack -S` names them, plus the NAT allocation failures. */
export interface CtStats {
  found: number;
  invalid: number;
  ignore: number;
  insert: number;
  insert_failed: number;
  drop: number;
  early_drop: number;
  error: number;
  nat_exhausted: number;
}

export interface CtHashHit {
  readonly entry: CtEntry;
  readonly direction: CtDirection;
}

export type ConfirmResult =
  | { ok: true; entry: CtEntry }
  /** Another entry holds one of its tuples already (Linux: insert_failed, the packet is dropped). */
  | { ok: false; reason: 'CT_INSERT_FAILED'; clash: CtEntry };

/**
 * A copy of an entry that no write to the original reaches: its status set and TCP state are its own. The
 * tuples are shared: a tuple is never written in place (NAT setup gives the entry a new reply tuple), so the
 * copy and the original may hold the same one.
 */
function copyEntry(e: MutableCtEntry): MutableCtEntry {
  const t = e.tcp;
  // TcpConntrack is flat but for its two flat TcpSeen: copied field by field (structuredClone is far slower).
  const tcp = t === null ? null : { ...t, seen: [{ ...t.seen[0] }, { ...t.seen[1] }] as TcpConntrack['seen'] };
  return { ...e, status: new Set(e.status), tcp };
}

/** The counters, field by field (a spread or Object.assign of them takes V8's generic, slower copy). */
function copyStats(s: CtStats): CtStats {
  return {
    found: s.found, invalid: s.invalid, ignore: s.ignore, insert: s.insert, insert_failed: s.insert_failed, drop: s.drop,
    early_drop: s.early_drop, error: s.error, nat_exhausted: s.nat_exhausted,
  };
}

/** Writes `from`'s counters into `to`. */
function putStats(to: CtStats, from: CtStats): void {
  to.found = from.found;
  to.invalid = from.invalid;
  to.ignore = from.ignore;
  to.insert = from.insert;
  to.insert_failed = from.insert_failed;
  to.drop = from.drop;
  to.early_drop = from.early_drop;
  to.error = from.error;
  to.nat_exhausted = from.nat_exhausted;
}

/** A saved connection table (ConntrackTable.saveState()). */
export interface ConntrackTableState {
  readonly entries: readonly MutableCtEntry[];
  readonly nextId: number;
  readonly stats: CtStats;
  readonly config: CtConfig;
}

/**
 * Prints kept per entry id (ConntrackTable.printed()): a connection goes through a few states a run prints (new,
 * NATed, replied, and the end-of-run listing's time left), and a run on the same ports goes through them again.
 */
const PRINTS_KEPT = 4;

/** One bit per status name, for comparing status sets without copying them. */
const STATUS_BIT: Readonly<Record<CtStatus, number>> = {
  EXPECTED: 1, SEEN_REPLY: 2, ASSURED: 4, CONFIRMED: 8, SNAT: 16, DNAT: 32, SRC_NAT_DONE: 64, DST_NAT_DONE: 128, DYING: 256,
};

/** The status names, sorted as `[...set].sort()` sorts them. */
const STATUS_NAMES_SORTED: readonly CtStatus[] = (Object.keys(STATUS_BIT) as CtStatus[]).sort();

function statusBits(s: ReadonlySet<CtStatus>): number {
  let bits = 0;
  for (const x of s) bits |= STATUS_BIT[x];
  return bits;
}

/** A listing row with the entry fields it was printed from (rowOf()). */
interface ListingMemo {
  readonly entry: MutableCtEntry;
  readonly now: number;
  readonly orig: Tuple;
  readonly reply: Tuple;
  /** The status set and its size: a set only grows (bits are added, never cleared), so the two name its content. */
  readonly statusSet: ReadonlySet<CtStatus>;
  readonly statusSize: number;
  /** statusBits() of the status set. */
  readonly status: number;
  readonly mark: number;
  readonly zone: number;
  readonly tcpState: string | null;
  readonly sctp: string | null;
  readonly expires: number;
  readonly row: CtListing;
}

/**
 * `m` (the entry's row in the last listing) when nothing listingOf(e, now) prints may differ: the tuples (never
 * written in place, so compared by identity), the status (the same set at the same size, else the same bits: a
 * rollback gives back a saved set, maybe with fewer), the mark, the zone, the TCP or SCTP state, the expiry and
 * `now`. A rollback keeps the entry objects (restored in place), so rows printed before a run serve after it.
 */
function keptRow(m: ListingMemo | undefined, e: MutableCtEntry, now: number): ListingMemo | undefined {
  if (
    m !== undefined && m.now === now && m.orig === e.orig && m.reply === e.reply &&
    ((m.statusSet === e.status && m.statusSize === e.status.size) || m.status === statusBits(e.status)) &&
    m.mark === e.mark && m.zone === e.zone && m.tcpState === (e.tcp === null ? null : e.tcp.state) && m.sctp === e.sctp && m.expires === e.expires
  ) {
    return m;
  }
  return undefined;
}

/** A new listing row of `e` at `now`, from its print (printEntry()) and its status names (sortedStatus()). */
function newRow(e: MutableCtEntry, now: number, statusNames: Map<number, readonly string[]>, printed: EntryPrinted): ListingMemo {
  const status = statusBits(e.status);
  const row = listingFrom(printed, sortedStatus(statusNames, status));
  return {
    entry: e, now, orig: e.orig, reply: e.reply, statusSet: e.status, statusSize: e.status.size, status, mark: e.mark, zone: e.zone,
    tcpState: e.tcp === null ? null : e.tcp.state, sctp: e.sctp, expires: e.expires, row,
  };
}

/** The names of status `bits`, sorted, kept in `memo` (a pure function of the bits): shared, so frozen. */
function sortedStatus(memo: Map<number, readonly string[]>, bits: number): readonly string[] {
  let names = memo.get(bits);
  if (names === undefined) {
    names = Object.freeze(STATUS_NAMES_SORTED.filter((n) => (bits & STATUS_BIT[n]) !== 0));
    memo.set(bits, names);
  }
  return names;
}

/**
 * An open checkpoint's undo, begun by the run's first call that may change the table: the value each change
 * replaced, saved just before it, so a run costs what it reaches rather than the size of the table.
 */
interface CheckpointUndo {
  /** The id counter when the checkpoint began: entries live then have smaller ids. */
  readonly nextId: number;
  readonly stats: CtStats;
  readonly tcpLoose: boolean;
  readonly tcpBeLiberal: boolean;
  /** The config's timeouts object itself (never written in place). */
  readonly timeouts: Readonly<CtTimeouts>;
  /** Entries live when the checkpoint began, each with its copy made before the run first reached it. */
  readonly copies: Map<MutableCtEntry, MutableCtEntry>;
  /** Each hash key the run set or removed, with the slot it held before (undefined: none). */
  readonly hash: Map<string, Slot | undefined>;
  /**
   * The confirmed entries as they were, saved by the run's first removal (a removal is what changes the order
   * of those that stay); until then undoing the run's insertions is removing the ids it added.
   */
  live: Map<number, MutableCtEntry> | null;
  /** Ids of the entries the run inserted while `live` is null. */
  readonly added: number[];
  /** Each nf_nat_bysource key the run changed, with a copy of its set before (undefined: none). */
  readonly bySource: Map<string, Set<MutableCtEntry> | undefined>;
}

/** Puts `saved` (copyEntry() of `e`, owned by the caller) back into `e`: the entry is as it was copied. */
function restoreEntry(e: MutableCtEntry, saved: MutableCtEntry): void {
  e.id = saved.id;
  e.orig = saved.orig;
  e.reply = saved.reply;
  e.status = saved.status;
  e.mark = saved.mark;
  e.zone = saved.zone;
  e.tcp = saved.tcp;
  e.sctp = saved.sctp;
  e.created = saved.created;
  e.expires = saved.expires;
}

/** A hash slot (nf_conntrack_tuple_hash): made once per tuple inserted, never changed, handed out as the hit. */
interface Slot {
  readonly entry: MutableCtEntry;
  readonly direction: CtDirection;
}

/** One network namespace's connection table. Time is always passed in (virtual ms); nothing reads a clock. */
export class ConntrackTable {
  readonly config: CtConfig;
  readonly stats: CtStats = { found: 0, invalid: 0, ignore: 0, insert: 0, insert_failed: 0, drop: 0, early_drop: 0, error: 0, nat_exhausted: 0 };
  #hash = new Map<string, Slot>();
  /** Confirmed entries in confirmation order. */
  #live = new Map<number, MutableCtEntry>();
  /** nf_nat_bysource: confirmed source-NATed entries by original (proto, src, sport). */
  #bySource = new Map<string, Set<MutableCtEntry>>();
  #nextId = 1;
  /**
   * Bumped by every call that may change the table or an entry (all of them pass #beforeWrite(), and the
   * callers that write an entry they got do it after one, in the same run) and by every restore; never
   * restored itself, so a version names one content. Keys listing()'s memo.
   */
  #version = 0;
  #listing: { version: number; now: number; rows: readonly CtListing[] } | null = null;
  /**
   * rowOf()'s memo: the rows of the last listing made, in its order, each with its entry and what it was
   * printed from. Made anew by each listing (so it holds no entry the table no longer lists), and no WeakMap:
   * every new connection would be a new ephemeron for the garbage collector to trace.
   */
  #rows: readonly ListingMemo[] = [];
  /**
   * printed()'s memo: each entry's last few prints by id, the latest first (at most PRINTS_KEPT). An id names one
   * entry at a time but is given again after a rollback (the id counter goes back), so a print is reused only
   * when every input it printed is the same (samePrint()): a run's new connection on the same ports as the last
   * run's goes through the same states and prints none of them again. Deleted entries leave it.
   */
  readonly #printed = new Map<number, EntryPrinted[]>();
  /** A status set's names sorted, by statusBits() (a pure function of the bits). */
  readonly #statusNames = new Map<number, readonly string[]>();
  /** An open checkpoint: its undo, begun by the first call that may change the table (null until then). */
  #checkpoint: { undo: CheckpointUndo | null } | null = null;

  constructor(config: CtConfigInput = {}) {
    this.config = { ...LINUX_CT_CONFIG, ...config, timeouts: Object.freeze({ ...LINUX_CT_TIMEOUTS, ...config.timeouts }) };
  }

  /** Changes nf_conntrack_tcp_loose / nf_conntrack_tcp_be_liberal (they are read per packet). */
  setSysctls(s: Partial<TcpSysctls>): void {
    this.#beforeWrite();
    if (s.tcpLoose !== undefined) this.config.tcpLoose = s.tcpLoose;
    if (s.tcpBeLiberal !== undefined) this.config.tcpBeLiberal = s.tcpBeLiberal;
  }

  /**
   * Linux: nf_conntrack_in() at the conntrack hooks (PREROUTING and OUTPUT, priority -200). The packet's
   * connection and state, or a new unconfirmed entry (NEW) that `confirm` must insert at the last hook.
   */
  resolve(packet: IpPacket, now: number): CtResolution {
    this.#beforeWrite();
    return nfConntrackIn(this, packet, now);
  }

  /**
   * Linux: __nf_conntrack_find_get(): the live entry of `zone` holding `tuple` in either direction. Expired
   * entries go. Packets are all in zone 0 here (no `-j CT --zone`).
   */
  lookup(tuple: Tuple, now: number, zone = 0): CtHashHit | undefined {
    this.#beforeWrite();
    return this.#find(zonedKey(tuple, zone), now);
  }

  /** lookup() of a packet's header tuple in zone 0 (headerKey()): no tuple is made for a packet that has a connection. */
  lookupPacket(packet: IpPacket, now: number): CtHashHit | undefined {
    this.#beforeWrite();
    return this.#find(headerKey(packet), now);
  }

  /** lookup() of a tuple's key (zonedKey()). */
  #find(key: string, now: number): Slot | undefined {
    const slot = this.#hash.get(key);
    if (slot === undefined) return undefined;
    this.#reach(slot.entry);
    if (slot.entry.expires <= now) {
      this.delete(slot.entry);
      return undefined;
    }
    return slot;
  }

  /** Linux: nf_conntrack_tuple_taken(): some live entry other than `ignored` holds `tuple` in either direction. */
  isTaken(tuple: Tuple, ignored: CtEntry, now: number): boolean {
    const hit = this.lookup(tuple, now, ignored.zone);
    return hit !== undefined && hit.entry !== ignored;
  }

  /**
   * Linux: nf_nat_used_tuple(): isTaken() of invertTuple(t), the reply a connection given `t` would have, with
   * no inverted tuple made (NAT asks it of every candidate tuple).
   */
  isReplyTaken(t: Tuple, ignored: CtEntry, now: number): boolean {
    this.#beforeWrite();
    const hit = this.#find(invertedKey(t, ignored.zone), now);
    return hit !== undefined && hit.entry !== ignored;
  }

  /**
   * Linux: nf_conntrack_confirm() / __nf_conntrack_confirm(), at the end of POSTROUTING or INPUT: insert
   * both tuples. Until then the entry is in no table, so a packet dropped before this leaves nothing and
   * its retransmission is NEW again. Confirming twice is a no-op.
   */
  confirm(entry: CtEntry, now: number): ConfirmResult {
    this.#beforeWrite();
    const e = writable(entry);
    if (isConfirmed(e)) return { ok: true, entry };
    // Each tuple's key is made once, for the clash check and the insertion (one hash per tuple, as Linux's).
    const origKey = zonedKey(e.orig, e.zone);
    const replyKey = zonedKey(e.reply, e.zone);
    const clash = this.#clash(origKey, replyKey, now);
    if (clash) {
      this.stats.insert_failed++;
      this.stats.drop++;
      return { ok: false, reason: 'CT_INSERT_FAILED', clash };
    }
    e.status.add('CONFIRMED');
    this.#insert(e, origKey, replyKey);
    this.stats.insert++;
    return { ok: true, entry };
  }

  /**
   * Linux: ctnetlink_create_conntrack() (`conntrack -I`): an entry stated whole, already confirmed, inserted
   * into the hash as nf_conntrack_hash_check_insert() does. Refused (undefined) when a live entry of its zone
   * holds one of its tuples ("File exists"); the scenario loader refuses such duplicates first.
   */
  seed(spec: ConntrackSpec, now: number): CtEntry | undefined {
    this.#beforeWrite();
    const e = seededEntry(spec, this.#nextId, now);
    const origKey = zonedKey(e.orig, e.zone);
    const replyKey = zonedKey(e.reply, e.zone);
    if (this.#clash(origKey, replyKey, now)) return undefined;
    this.#nextId++;
    this.#insert(e, origKey, replyKey);
    return e;
  }

  /** The live entry holding one of the two keys (the original tuple's first), expired ones removed on the way. */
  #clash(origKey: string, replyKey: string, now: number): CtEntry | undefined {
    return (this.#find(origKey, now) ?? this.#find(replyKey, now))?.entry;
  }

  /** Inserts `e` under its tuples' keys (zonedKey() of orig and reply in its zone). */
  #insert(e: MutableCtEntry, origKey: string, replyKey: string): void {
    this.#setSlot(origKey, { entry: e, direction: 'ORIGINAL' });
    if (!this.#hash.has(replyKey)) this.#setSlot(replyKey, { entry: e, direction: 'REPLY' });
    const u = this.#checkpoint?.undo;
    if (u != null && u.live === null) u.added.push(e.id);
    this.#live.set(e.id, e);
    if (hasStatus(e, 'SRC_NAT_DONE')) this.#changeSource(sourceKey(e.orig, e.zone)).add(e);
  }

  /** Linux: nf_ct_delete() (`conntrack -D`, a killed or expired entry). The entry is marked DYING. */
  delete(entry: CtEntry): void {
    this.#beforeWrite();
    const e = writable(entry);
    this.#reach(e);
    e.status.add('DYING');
    this.#printed.delete(e.id);
    if (!this.#live.has(e.id)) return;
    this.#saveLive();
    this.#live.delete(e.id);
    for (const [t, dir] of [[e.orig, 'ORIGINAL'], [e.reply, 'REPLY']] as const) {
      const key = zonedKey(t, e.zone);
      const slot = this.#hash.get(key);
      if (slot && slot.entry === e && slot.direction === dir) this.#setSlot(key, undefined);
    }
    const key = sourceKey(e.orig, e.zone);
    if (this.#bySource.get(key)?.has(e)) this.#changeSource(key).delete(e);
  }

  /** Linux: gc_worker(): removes every expired entry; returns how many. */
  gc(now: number): number {
    this.#beforeWrite();
    let n = 0;
    for (const e of [...this.#live.values()]) {
      if (e.expires <= now) {
        this.delete(e);
        n++;
      }
    }
    return n;
  }

  /** Confirmed entries held, expired ones not yet removed included (0: `entries()` is empty at any time). */
  get size(): number {
    return this.#live.size;
  }

  /** Live (confirmed, unexpired) entries in confirmation order, as `conntrack -L` would list them. */
  entries(now: number): CtEntry[] {
    return [...this.#live.values()].filter((e) => e.expires > now);
  }

  /**
   * listingOf() each live entry at `now`, as entries(now) orders them: made again only when the table may have
   * changed since (a table no run reached lists the same at the same time).
   */
  listing(now: number): readonly CtListing[] {
    const l = this.#listing;
    if (l !== null && l.version === this.#version && l.now === now) return l.rows;
    const rows: CtListing[] = [];
    const last = this.#rows;
    const memos: ListingMemo[] = [];
    // Entries keep their order (confirmation order; a rollback puts back the same map), so the last listing is
    // walked beside this one; the rest of it is looked up by entry from the first entry out of that order.
    let j = 0;
    let rest: Map<MutableCtEntry, ListingMemo> | null = null;
    for (const e of this.#live.values()) {
      if (e.expires <= now) continue;
      let before: ListingMemo | undefined;
      if (j < last.length && last[j].entry === e) before = last[j++];
      else {
        if (rest === null) {
          rest = new Map();
          for (let k = j; k < last.length; k++) rest.set(last[k].entry, last[k]);
        }
        before = rest.get(e);
      }
      const m = keptRow(before, e, now) ?? newRow(e, now, this.#statusNames, this.printed(e, now));
      memos.push(m);
      rows.push(m.row);
    }
    this.#rows = memos;
    this.#listing = { version: this.#version, now, rows };
    return rows;
  }

  /**
   * formatEntry(e, now) of an entry of this table with what it printed: each entry's last print is reused while
   * it prints the same (a conntrack hop's fact, then the end-of-run listing), and its tuples' texts while they do.
   */
  printed(e: CtEntry, now: number): EntryPrinted {
    const kept = this.#printed.get(e.id);
    if (kept === undefined) {
      const p = printEntry(e, now, undefined);
      this.#printed.set(e.id, [p]);
      return p;
    }
    for (let i = 0; i < kept.length; i++) if (printsSame(kept[i], e, now)) return kept[i];
    const p = printEntry(e, now, kept[0]);
    if (kept.length === PRINTS_KEPT) kept.pop();
    kept.unshift(p);
    return p;
  }

  /** CONNMARK's write of the entry's mark (nf_ct_mark, the one field a rule sets): a write like any other. */
  setMark(entry: CtEntry, mark: number): void {
    this.#beforeWrite();
    this.#reach(writable(entry));
    writable(entry).mark = mark;
  }

  /** `conntrack -F`. */
  flush(): void {
    this.#beforeWrite();
    for (const e of [...this.#live.values()]) this.delete(e);
  }

  /** Linux: find_appropriate_src() walks these: live zone-0 entries whose original source is (proto, src, sport). */
  bySource(orig: Tuple, now: number): CtEntry[] {
    this.#beforeWrite();
    const set = this.#bySource.get(sourceKey(orig, 0));
    if (set === undefined) return [];
    for (const e of set) this.#reach(e);
    return [...set].filter((e) => e.expires > now);
  }

  /** A deep copy of the live entries, the id counter, the stats and the config, for World.checkpoint(). */
  saveState(): ConntrackTableState {
    return {
      entries: [...this.#live.values()].map(copyEntry),
      nextId: this.#nextId,
      stats: copyStats(this.stats),
      config: { ...this.config, timeouts: { ...this.config.timeouts } },
    };
  }

  /** Puts the table back as `saveState()` found it, re-inserting each entry as confirm() did. */
  restoreState(saved: ConntrackTableState): void {
    this.#restoreOwned({ ...saved, entries: saved.entries.map(copyEntry) });
  }

  /** restoreState() of a state nobody else holds: its entries go into the table as they are. */
  #restoreOwned(s: ConntrackTableState): void {
    this.#beforeWrite();
    const u = this.#checkpoint?.undo;
    if (u != null) {
      for (const k of this.#hash.keys()) if (!u.hash.has(k)) u.hash.set(k, this.#hash.get(k));
      this.#saveLive();
      for (const k of this.#bySource.keys()) this.#changeSource(k);
    }
    this.#hash.clear();
    this.#live.clear();
    this.#bySource.clear();
    this.#nextId = s.nextId;
    putStats(this.stats, s.stats);
    Object.assign(this.config, { ...s.config, timeouts: Object.freeze({ ...s.config.timeouts }) });
    for (const e of s.entries) this.#insert(e, zonedKey(e.orig, e.zone), zonedKey(e.reply, e.zone));
  }

  /**
   * Starts a checkpoint for a run on a shared World: nothing is saved until the first call that may change the
   * table (every way to an entry goes through one: resolve, lookup, bySource, setMark, delete), and then only
   * what the run reaches, each thing before its first change, so a table the run never reaches costs nothing
   * and one it reaches costs what it touched. `entries()` only reads. `rollbackCheckpoint()` puts it back.
   */
  checkpoint(): void {
    if (this.#checkpoint !== null) throw new Error('invariant: the conntrack table already has a checkpoint');
    this.#checkpoint = { undo: null };
  }

  /** Ends the checkpoint, putting the table back as it was when it began. */
  rollbackCheckpoint(): void {
    const c = this.#checkpoint;
    this.#checkpoint = null;
    const u = c?.undo;
    if (u === null || u === undefined) return;
    // Entries that were live get their saved contents back, in place (their objects keep their identity);
    // the copies belong to the checkpoint alone, which ends here, so they are handed over, not copied again.
    this.#version++;
    for (const [e, copy] of u.copies) restoreEntry(e, copy);
    for (const [k, slot] of u.hash) {
      if (slot === undefined) this.#hash.delete(k);
      else this.#hash.set(k, slot);
    }
    if (u.live !== null) this.#live = u.live;
    else for (const id of u.added) this.#live.delete(id);
    for (const [k, set] of u.bySource) {
      if (set === undefined) this.#bySource.delete(k);
      else this.#bySource.set(k, set);
    }
    this.#nextId = u.nextId;
    putStats(this.stats, u.stats);
    this.config.tcpLoose = u.tcpLoose;
    this.config.tcpBeLiberal = u.tcpBeLiberal;
    this.config.timeouts = u.timeouts;
  }

  #beforeWrite(): void {
    this.#version++;
    const c = this.#checkpoint;
    if (c !== null && c.undo === null) {
      c.undo = {
        nextId: this.#nextId, stats: copyStats(this.stats), tcpLoose: this.config.tcpLoose, tcpBeLiberal: this.config.tcpBeLiberal,
        timeouts: this.config.timeouts, copies: new Map(), hash: new Map(), live: null, added: [], bySource: new Map(),
      };
    }
  }

  /**
   * The run reaches `e` (a lookup found it, or a call is about to change it): an entry live when the checkpoint
   * began is copied the first time, before anything can change it. Entries made during the run are not.
   */
  #reach(e: MutableCtEntry): void {
    const u = this.#checkpoint?.undo;
    if (u != null && e.id < u.nextId && !u.copies.has(e)) u.copies.set(e, copyEntry(e));
  }

  /** Sets (or with undefined removes) a hash slot, noting what the key held first when a checkpoint is open. */
  #setSlot(key: string, slot: Slot | undefined): void {
    const u = this.#checkpoint?.undo;
    if (u != null && !u.hash.has(key)) u.hash.set(key, this.#hash.get(key));
    if (slot === undefined) this.#hash.delete(key);
    else this.#hash.set(key, slot);
  }

  /** Before the first removal from #live under a checkpoint: #live as it was when the checkpoint began. */
  #saveLive(): void {
    const u = this.#checkpoint?.undo;
    if (u == null || u.live !== null) return;
    const live = new Map(this.#live);
    for (const id of u.added) live.delete(id);
    u.live = live;
  }

  /** The nf_nat_bysource set of `key`, made when missing, to be changed: under a checkpoint its first change saves a copy. */
  #changeSource(key: string): Set<MutableCtEntry> {
    let set = this.#bySource.get(key);
    const u = this.#checkpoint?.undo;
    if (u != null && !u.bySource.has(key)) u.bySource.set(key, set === undefined ? undefined : new Set(set));
    if (set === undefined) this.#bySource.set(key, (set = new Set()));
    return set;
  }

  /** Linux: init_conntrack(): a new, unconfirmed entry, in no table until `confirm`. Used by resolve(). */
  newEntry(orig: Tuple, reply: Tuple, now: number): CtEntry {
    this.#beforeWrite();
    return { id: this.#nextId++, orig, reply, status: new Set(), mark: 0, zone: 0, tcp: null, sctp: null, created: now, expires: now };
  }

}

/** The nf_nat_bysource key of an original tuple in a zone: (proto, src, sport). */
function sourceKey(orig: Tuple, zone: number): string {
  // As tupleKey(): the fields as 16-bit code units when in range (4 units before `%`), else printed (5 or more).
  const { proto, src, sport } = orig;
  return (proto & 0xffff) === proto && (sport & 0xffff) === sport && src >>> 0 === src
    ? `${String.fromCharCode(proto, src >>> 16, src & 0xffff, sport)}%${zone}`
    : `${proto}/${src}/${sport}%${zone}`;
}
