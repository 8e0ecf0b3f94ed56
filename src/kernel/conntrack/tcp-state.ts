// Linux: the TCP connection tracker, nf_conntrack_proto_tcp.c: tcp_error() (flag check), tcp_new()
// (first packet), nf_conntrack_tcp_packet() (the state table tcp_conntracks[][][] and the timeouts).

import type { TcpHeader } from '../../wire/headers.js';
import type { CtDirection } from './tuple.js';
import type { CtTimeouts } from './timeouts.js';
import { emptySeen, segmentEnd, tcpInWindow, type TcpSeen } from './tcp-window.js';

/** enum tcp_conntrack, as `conntrack -L` names the states. */
export type TcpCtState =
  | 'NONE'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'SYN_SENT2';

/** struct ip_ct_tcp, reduced. */
export interface TcpConntrack {
  state: TcpCtState;
  /** seen[0] the original direction's sender, seen[1] the reply direction's. */
  seen: [TcpSeen, TcpSeen];
  lastDir: CtDirection;
  lastIndex: TcpIndex;
  /** last_end, last_win: where the last segment ended and the window it offered (an ignored SYN is resynced from them). */
  lastEnd: number;
  lastWin: number;
}

/** The TCP sysctls the tracker reads. */
export interface TcpSysctls {
  /** net.netfilter.nf_conntrack_tcp_loose: pick up connections from a mid-stream ACK (Linux default 1). */
  tcpLoose: boolean;
  /** net.netfilter.nf_conntrack_tcp_be_liberal: accept out-of-window segments (Linux default 0). */
  tcpBeLiberal: boolean;
}

/** Linux: get_conntrack_index(): which row of the state table a segment uses. */
export type TcpIndex = 'SYN' | 'SYNACK' | 'FIN' | 'ACK' | 'RST' | 'NONE';

export function tcpIndex(th: TcpHeader): TcpIndex {
  const f = th.flags;
  if (f.rst) return 'RST';
  if (f.syn) return f.ack ? 'SYNACK' : 'SYN';
  if (f.fin) return 'FIN';
  if (f.ack) return 'ACK';
  return 'NONE';
}

type Cell = TcpCtState | 'IV' | 'IG';
const COLUMNS: readonly TcpCtState[] = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];
const SS: Cell = 'SYN_SENT', SR: Cell = 'SYN_RECV', ES: Cell = 'ESTABLISHED', FW: Cell = 'FIN_WAIT';
const CW: Cell = 'CLOSE_WAIT', LA: Cell = 'LAST_ACK', TW: Cell = 'TIME_WAIT', CL: Cell = 'CLOSE', S2: Cell = 'SYN_SENT2';
const IV: Cell = 'IV', IG: Cell = 'IG';

/** Linux: tcp_conntracks[dir][index][old state]; IV is "invalid", IG is "ignore". */
const TABLE: Readonly<Record<CtDirection, Readonly<Record<TcpIndex, readonly Cell[]>>>> = {
  //                NO  SS  SR  ES  FW  CW  LA  TW  CL  S2
  ORIGINAL: {
    SYN: /*    */ [SS, SS, IG, IG, IG, IG, IG, SS, SS, S2],
    SYNACK: /* */ [IV, IV, SR, IV, IV, IV, IV, IV, IV, SR],
    FIN: /*    */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
    ACK: /*    */ [ES, IV, ES, ES, CW, CW, TW, TW, CL, IV],
    RST: /*    */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
    NONE: /*   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  },
  REPLY: {
    SYN: /*    */ [IV, S2, IV, IV, IV, IV, IV, SS, IV, S2],
    SYNACK: /* */ [IV, SR, IG, IG, IG, IG, IG, IG, IG, SR],
    FIN: /*    */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
    ACK: /*    */ [IV, IG, SR, ES, CW, CW, TW, TW, CL, IG],
    RST: /*    */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
    NONE: /*   */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  },
};

function nextState(dir: CtDirection, index: TcpIndex, old: TcpCtState): Cell {
  return TABLE[dir][index][COLUMNS.indexOf(old)];
}

/** Linux: tcp_valid_flags[], indexed by FIN|SYN|RST|ACK|URG once ECE, CWR and PSH are masked off. */
export function tcpValidFlags(th: TcpHeader): boolean {
  const f = th.flags;
  const key = `${f.syn ? 'S' : ''}${f.rst ? 'R' : ''}${f.fin ? 'F' : ''}${f.ack ? 'A' : ''}${f.urg ? 'U' : ''}`;
  return VALID_FLAGS.has(key);
}
const VALID_FLAGS: ReadonlySet<string> = new Set(['S', 'SU', 'SA', 'R', 'RA', 'FA', 'FAU', 'A', 'AU']);

export type TcpNewResult = { ok: true; tcp: TcpConntrack } | { ok: false; reason: 'TCP_INVALID_NEW' | 'TCP_NO_PICKUP' };

/**
 * Linux: tcp_new(). A SYN opens a connection; a bare ACK is picked up mid-stream only with
 * nf_conntrack_tcp_loose=1, and then both directions are tracked liberally (history is lost). Anything else
 * (SYN-ACK, FIN, RST with no entry) cannot open one.
 */
export function tcpNew(th: TcpHeader, payloadLength: number, sysctls: TcpSysctls): TcpNewResult {
  const first = nextState('ORIGINAL', tcpIndex(th), 'NONE');
  if (first !== 'SYN_SENT' && first !== 'ESTABLISHED') return { ok: false, reason: 'TCP_INVALID_NEW' };
  if (first === 'ESTABLISHED' && !sysctls.tcpLoose) return { ok: false, reason: 'TCP_NO_PICKUP' };
  const seen: [TcpSeen, TcpSeen] = [emptySeen(), emptySeen()];
  const s = seen[0];
  s.end = segmentEnd(th, payloadLength);
  s.maxwin = th.window === 0 ? 1 : th.window;
  s.maxend = first === 'SYN_SENT' ? s.end : (s.end + s.maxwin) >>> 0;
  if (first === 'ESTABLISHED') seen[0].liberal = seen[1].liberal = true;
  return { ok: true, tcp: { state: 'NONE', seen, lastDir: 'ORIGINAL', lastIndex: 'NONE', lastEnd: s.end, lastWin: th.window } };
}

/** What nf_conntrack_tcp_packet() decides for one segment of a known connection. */
export type TcpVerdict =
  /** Accepted: refresh the entry to `timeout` seconds; `assured` when the connection just became ASSURED. */
  | { kind: 'ACCEPT'; timeout: number; assured: boolean }
  /** TCP_CONNTRACK_IGNORE: accepted, state and timer untouched. */
  | { kind: 'IGNORE' }
  /** -NF_ACCEPT: the packet goes on without a connection (ctstate INVALID); the entry is untouched. */
  | { kind: 'INVALID'; reason: 'TCP_INVALID_STATE' | 'TCP_OUT_OF_WINDOW' }
  /** nf_ct_kill_acct(): an RST before any reply; the packet keeps the entry, the table drops it. */
  | { kind: 'KILL' }
  /** -NF_REPEAT: a SYN reopening a closed connection; the entry dies and the packet is looked up again. */
  | { kind: 'REOPEN' };

/** The facts of the connection the tracker needs besides its TCP state. */
export interface TcpPacketContext {
  dir: CtDirection;
  seenReply: boolean;
  assured: boolean;
}

/**
 * Linux: the TCP_CONNTRACK_IGNORE case of nf_conntrack_tcp_packet(): an ignored segment is annotated (last_index,
 * last_dir, last_end, last_win), because the table may be out of sync with the peers. Returns true when this
 * segment is case b), a SYN-ACK in the other direction acknowledging the SYN ignored last: then the peers are
 * in sync and the firewall is not, so the SYN's side is restored from the annotation, the answering side starts
 * afresh (nf_ct_tcp_state_reset()), and the segment is tracked as SYN_SENT -> SYN_RECV.
 */
function ignoredOrResync(tcp: TcpConntrack, th: TcpHeader, payloadLength: number, dir: CtDirection, index: TcpIndex): boolean {
  if (index === 'SYNACK' && tcp.lastIndex === 'SYN' && tcp.lastDir !== dir && th.ack >>> 0 === tcp.lastEnd) {
    const synSide = tcp.seen[tcp.lastDir === 'ORIGINAL' ? 0 : 1];
    synSide.end = synSide.maxend = tcp.lastEnd;
    synSide.maxwin = tcp.lastWin === 0 ? 1 : tcp.lastWin;
    // seen[last_dir].flags = last_flags: the SYN's own options, so neither liberal nor closing.
    synSide.liberal = false;
    synSide.closeInit = false;
    tcp.seen[dir === 'ORIGINAL' ? 0 : 1] = emptySeen();
    return true;
  }
  tcp.lastIndex = index;
  tcp.lastDir = dir;
  tcp.lastEnd = segmentEnd(th, payloadLength);
  tcp.lastWin = th.window;
  return false;
}

/** Linux: nf_conntrack_tcp_packet(). Updates `tcp` in place unless the verdict is INVALID or REOPEN. */
export function tcpPacket(
  tcp: TcpConntrack,
  th: TcpHeader,
  payloadLength: number,
  ctx: TcpPacketContext,
  sysctls: TcpSysctls,
  timeouts: CtTimeouts,
): TcpVerdict {
  const index = tcpIndex(th);
  let old = tcp.state;
  let next = nextState(ctx.dir, index, old);
  if (next === 'IV') return { kind: 'INVALID', reason: 'TCP_INVALID_STATE' };
  if (next === 'SYN_SENT' && (old === 'TIME_WAIT' || old === 'CLOSE')) {
    // RFC 1122 4.2.2.13: a new SYN may reopen a connection in TIME-WAIT; Linux also reopens one that was
    // closed by a FIN or aborted by an RST from the same side; otherwise the SYN falls through to IGNORE.
    const closed = tcp.seen[0].closeInit || tcp.seen[1].closeInit || (tcp.lastDir === ctx.dir && tcp.lastIndex === 'RST');
    if (closed) return { kind: 'REOPEN' };
    next = 'IG';
  }
  if (next === 'IG') {
    if (!ignoredOrResync(tcp, th, payloadLength, ctx.dir, index)) return { kind: 'IGNORE' };
    old = 'SYN_SENT';
    next = 'SYN_RECV';
  }
  const [sender, receiver] = ctx.dir === 'ORIGINAL' ? [tcp.seen[0], tcp.seen[1]] : [tcp.seen[1], tcp.seen[0]];
  const restart = th.flags.syn && (old === 'SYN_SENT' || old === 'SYN_RECV');
  if (!tcpInWindow(sender, receiver, th, payloadLength, restart, sysctls.tcpBeLiberal)) return { kind: 'INVALID', reason: 'TCP_OUT_OF_WINDOW' };
  tcp.state = next;
  tcp.lastDir = ctx.dir;
  tcp.lastIndex = index;
  // tcp_in_window() keeps last_end / last_win of in-window segments (its retransmission check).
  tcp.lastEnd = segmentEnd(th, payloadLength);
  tcp.lastWin = th.window;
  if (old !== next && next === 'FIN_WAIT') sender.closeInit = true;
  let timeout = stateTimeout(next, timeouts);
  let assured = false;
  if (!ctx.seenReply) {
    // "If only reply is a RST, we can consider ourselves not to have an established connection" (--RR).
    if (th.flags.rst) return { kind: 'KILL' };
    // ESTABLISHED without a reply: a mid-stream pickup; do not give it the five-day timeout.
    if (next === 'ESTABLISHED') timeout = Math.min(timeout, timeouts.tcpUnack);
  } else if (!ctx.assured && (old === 'SYN_RECV' || old === 'ESTABLISHED') && next === 'ESTABLISHED') {
    // The ACK that completes the handshake, or a valid answer on a picked-up connection.
    assured = true;
  }
  return { kind: 'ACCEPT', timeout, assured };
}

/** Linux: tcp_timeouts[state], in seconds. */
export function stateTimeout(state: TcpCtState, t: CtTimeouts): number {
  switch (state) {
    case 'SYN_SENT':
    case 'SYN_SENT2':
      return t.tcpSynSent;
    case 'SYN_RECV':
      return t.tcpSynRecv;
    case 'ESTABLISHED':
      return t.tcpEstablished;
    case 'FIN_WAIT':
      return t.tcpFinWait;
    case 'CLOSE_WAIT':
      return t.tcpCloseWait;
    case 'LAST_ACK':
      return t.tcpLastAck;
    case 'TIME_WAIT':
      return t.tcpTimeWait;
    case 'CLOSE':
    case 'NONE':
      return t.tcpClose;
  }
}
