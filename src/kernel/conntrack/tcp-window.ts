// Linux: tcp_in_window() in nf_conntrack_proto_tcp.c, simplified.
//
// Kept: per direction the highest sequence sent (td_end), the highest sequence the peer allows (td_maxend,
// from its ACK + window) and the largest window seen (td_maxwin); the four checks I-IV; liberal mode.
// Left out: window scaling and SACK (TcpHeader has no options, so windows are the raw 16 bits), the
// retransmission counter, challenge-ACK handling of RSTs and the "ignore" outcomes. Without scaling a
// real, scaled window looks smaller than it is, so an emulated sender must keep within its raw window.

import type { TcpHeader } from '../../wire/headers.js';
import { seqAdd, seqAfter, seqBefore } from './tcp-seq.js';

/** struct ip_ct_tcp_state: what conntrack knows of one direction of a TCP connection. */
export interface TcpSeen {
  /** td_end: the sequence number after the highest byte sent. */
  end: number;
  /** td_maxend: the highest sequence number the peer's ACK + window lets this side send. */
  maxend: number;
  /** td_maxwin: the largest window this side advertised (0 until it sent a packet). */
  maxwin: number;
  /** IP_CT_TCP_FLAG_BE_LIBERAL: set on connections picked up mid-stream. */
  liberal: boolean;
  /** IP_CT_TCP_FLAG_CLOSE_INIT: this side sent the first FIN. */
  closeInit: boolean;
}

/** Linux: MAXACKWINCONST, the smallest ACK window check IV allows. */
const MAXACKWINCONST = 66000;

export function emptySeen(): TcpSeen {
  return { end: 0, maxend: 0, maxwin: 0, liberal: false, closeInit: false };
}

/** Linux: segment_seq_plus_len(): SYN and FIN count as one byte each. */
export function segmentEnd(th: TcpHeader, payloadLength: number): number {
  return seqAdd(th.seq, payloadLength + (th.flags.syn ? 1 : 0) + (th.flags.fin ? 1 : 0));
}

/** The first packet seen in a direction (the SYN, the SYN-ACK, or a mid-stream segment) sets its state. */
function initSender(sender: TcpSeen, receiver: TcpSeen, th: TcpHeader, end: number): void {
  sender.end = end;
  sender.maxwin = th.window === 0 ? 1 : th.window;
  sender.maxend = th.flags.syn ? end : seqAdd(end, sender.maxwin);
  // A picked-up connection: nothing is known of the other side yet, so let checks III and IV pass.
  if (!th.flags.syn && receiver.maxwin === 0) receiver.end = receiver.maxend = th.ack >>> 0;
}

/**
 * Linux: tcp_in_window(). Checks a segment from `sender` to `receiver` and, when it is in the window,
 * advances both sides. `restartSender`: a SYN in SYN_SENT/SYN_RECV beyond the side's edge starts it anew
 * (RFC 793: a reinitialised TCP uses larger sequence numbers).
 * Returns false when out of window and neither side nor nf_conntrack_tcp_be_liberal is liberal.
 */
export function tcpInWindow(
  sender: TcpSeen,
  receiver: TcpSeen,
  th: TcpHeader,
  payloadLength: number,
  restartSender: boolean,
  beLiberal: boolean,
): boolean {
  let seq = th.seq >>> 0;
  let end = segmentEnd(th, payloadLength);
  if (sender.maxwin === 0 || (restartSender && seqAfter(end, sender.end))) initSender(sender, receiver, th, end);
  let ack = th.ack >>> 0;
  // No ACK, or the broken-stack RST|ACK with ack 0: pretend it acknowledges what the receiver sent.
  if (!th.flags.ack || (th.flags.rst && ack === 0)) ack = receiver.end;
  // An empty segment (a pure ACK) carries no sequence space: check it at the sender's edge.
  if (seq === end && !th.flags.rst) seq = end = sender.end;
  const maxAckWin = Math.max(sender.maxwin, MAXACKWINCONST);
  const inWindow =
    !seqAfter(seq, sender.maxend) && // I: does not start beyond what the receiver allowed
    seqAfter(end, (sender.end - receiver.maxwin - 1) >>> 0) && // II: not older than one window back
    !seqAfter(ack, receiver.end) && // III: does not acknowledge data never sent
    seqAfter(ack, (receiver.end - maxAckWin - 1) >>> 0); // IV: does not acknowledge far in the past
  if (inWindow) {
    advance(sender, receiver, th, end, ack);
    return true;
  }
  return beLiberal || sender.liberal;
}

function advance(sender: TcpSeen, receiver: TcpSeen, th: TcpHeader, end: number, ack: number): void {
  const win = th.window;
  if (sender.maxwin < win) sender.maxwin = win;
  if (seqAfter(end, sender.end)) sender.end = end;
  if (th.flags.ack) {
    const edge = seqAdd(ack, win === 0 ? 1 : win);
    if (seqBefore(receiver.maxend, edge)) receiver.maxend = edge;
  }
}
