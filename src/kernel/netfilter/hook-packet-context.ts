// What a rule walk at one hook sees (NfPacketContext), made once per walk by the hook engine. The connection's
// view (what `-m conntrack`, `-m state`, `-m connmark` and CONNMARK read) is made on first read: most walks
// have no rule that reads it, and a view copies the entry's tuples and status set. It is the same view an
// eager copy would have been: it is taken at the walk's `now`, and nothing a walk runs writes the entry
// (CONNMARK writes the view, whose mark the hook engine then writes to the entry: see `ctMarkAfter()`).

import type { IpPacket } from '../../packet/frame.js';
import type { CtResolution } from '../conntrack/index.js';
import { secondsLeft, tupleOf } from '../conntrack/index.js';
import type { CtView, Tuple } from '../conntrack/tuple.js';
import type { AddrType, MatchState, NfPacketContext } from './context.js';
import type { NfContext, NfFamily, NfHook } from './hooks.js';

/** The namespace services a rule walk asks for (they read only the namespace), made once per namespace. */
export interface NsServices {
  addrType: NfPacketContext['addrType'];
  random: NfPacketContext['random'];
  fibLookup: NonNullable<NfPacketContext['fibLookup']>;
}

/** skb->_nfct as a walk reads it: untracked (raw's NOTRACK), a resolution, or nothing. */
export interface WalkConntrack {
  untracked: boolean;
  res: CtResolution | null;
}

/** Where a walk happens: the hook, the devices, and the bridge ports when br_netfilter runs it. */
export type WalkPlace = Pick<NfContext, 'hook' | 'family' | 'in' | 'out' | 'physIn' | 'physOut'>;

function tupleOrZero(packet: IpPacket): Tuple {
  return tupleOf(packet) ?? { proto: packet.ip.protocol, src: packet.ip.src, sport: 0, dst: packet.ip.dst, dport: 0 };
}

/** The context of one walk; `ct` is computed when first read. */
export class HookPacketContext implements NfPacketContext {
  readonly packet: IpPacket;
  mark: number;
  readonly hook: NfHook;
  readonly family: NfFamily;
  readonly table: string;
  readonly in: string | null;
  readonly out: string | null;
  readonly physIn: string | null;
  readonly physOut: string | null;
  readonly bridged: boolean;
  readonly state: MatchState;
  readonly socket: { uid: number; gid: number } | null;
  readonly #services: NsServices;
  readonly #now: number;
  readonly #conn: WalkConntrack | null;
  /** undefined until `ct` is first read. */
  #view: CtView | null | undefined = undefined;

  constructor(
    packet: IpPacket,
    mark: number,
    place: WalkPlace,
    table: string,
    state: MatchState,
    socket: { uid: number; gid: number } | null,
    services: NsServices,
    now: number,
    conn: WalkConntrack | null,
  ) {
    this.packet = packet;
    this.mark = mark;
    this.hook = place.hook;
    this.family = place.family;
    this.table = table;
    this.in = place.in;
    this.out = place.out;
    this.physIn = place.physIn ?? null;
    this.physOut = place.physOut ?? null;
    this.bridged = place.family === 'bridge';
    this.state = state;
    this.socket = socket;
    this.#services = services;
    this.#now = now;
    this.#conn = conn;
  }

  get ct(): CtView | null {
    if (this.#view === undefined) this.#view = this.#makeView();
    return this.#view;
  }

  #makeView(): CtView | null {
    const c = this.#conn;
    if (c === null) return null;
    if (c.untracked) {
      return { state: 'UNTRACKED', status: new Set(), direction: 'ORIGINAL', orig: tupleOrZero(this.packet), reply: tupleOrZero(this.packet), mark: 0, protoState: '', timeout: 0 };
    }
    const r = c.res;
    if (r === null || r.entry === null) return null;
    // resolutionView() with the entry's status set and tuples shared, not copied: the view lives only while
    // the walk runs, and nothing a walk runs writes them (a tuple is never written in place; NAT setup and
    // confirm, which add status bits, run after the walk). CONNMARK writes the view's own `mark`.
    const e = r.entry;
    return { state: r.state, status: e.status, direction: r.direction, orig: e.orig, reply: e.reply, mark: e.mark, protoState: e.tcp ? e.tcp.state : '', timeout: secondsLeft(e, this.#now) };
  }

  /**
   * The connection's mark as the walk left it (what `ct.mark` reads now), null without a connection; when
   * nothing read the view, the entry's own mark (the view would have copied it, and nothing wrote it).
   */
  ctMarkAfter(): number | null {
    const v = this.#view;
    if (v !== undefined) return v === null ? null : v.mark;
    const c = this.#conn;
    if (c === null) return null;
    if (c.untracked) return 0;
    return c.res?.entry ? c.res.entry.mark : null;
  }

  addrType(addr: number, dev: string | null): AddrType {
    return this.#services.addrType(addr, dev);
  }

  now(): number {
    return this.#now;
  }

  random(): number {
    return this.#services.random();
  }

  fibLookup(flow: { dst: number; src: number; mark: number; tos: number }): { type: string; devs: readonly string[] } | null {
    return this.#services.fibLookup(flow);
  }
}
