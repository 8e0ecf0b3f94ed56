// Linux: nf_conntrack_in() -> resolve_normal_ct() / init_conntrack() for packets of a flow, icmp_error() ->
// icmp_error_message() for ICMP errors, then the protocol tracker (nf_conntrack_handle_packet()).

import type { IpPacket } from '../../packet/frame.js';
import { IPPROTO_ICMP } from '../../wire/headers.js';
import { writable, type CtEntry, type MutableCtEntry } from './entry.js';
import type { ConntrackTable } from './table.js';
import { tcpNew, tcpPacket, tcpValidFlags } from './tcp-state.js';
import { SECOND_MS } from './timeouts.js';
import type { CtDirection } from './tuple.js';
import { headerTuple, icmpOpensConnection, invertTuple, isIcmpError, tupleOf } from './tuple-of.js';
import { sctpNewState, sctpPacket } from './sctp-state.js';
import { genericPacket, icmpPacket, udpPacket, type L4Verdict } from './udp-icmp.js';

/** Why a packet is `--ctstate INVALID`: it goes on without a connection. */
export type CtInvalidReason =
  /** tcp_error(): a flag combination no TCP sends (SYN|FIN, none at all, FIN alone, ...). */
  | 'TCP_INVALID_FLAGS'
  /** tcp_new(): a SYN-ACK, FIN or RST cannot open a connection. */
  | 'TCP_INVALID_NEW'
  /** tcp_new(): a mid-stream ACK with no entry while nf_conntrack_tcp_loose=0. */
  | 'TCP_NO_PICKUP'
  /** tcp_packet(): no transition from the connection's state for this segment ("invalid state"). */
  | 'TCP_INVALID_STATE'
  /** tcp_in_window(): outside the tracked window, with nf_conntrack_tcp_be_liberal=0. */
  | 'TCP_OUT_OF_WINDOW'
  /** nf_conntrack_icmp_packet(): only queries (echo, timestamp, info, address) open ICMP connections. */
  | 'ICMP_INVALID_NEW'
  /** icmp_error_message(): the error quotes nothing trackable (no quote, or another ICMP error). */
  | 'ICMP_ERROR_UNTRACKABLE'
  /** icmp_error_message(): no connection matches the quoted packet ("no match"). */
  | 'ICMP_ERROR_NO_MATCH';

/** The packet's connection as netfilter sees it after the conntrack hook (skb->_nfct and ctinfo). */
export type CtResolution =
  | {
      state: 'NEW' | 'ESTABLISHED' | 'RELATED';
      entry: CtEntry;
      direction: CtDirection;
      /** The entry was created by this packet and is not confirmed yet. */
      created: boolean;
    }
  | { state: 'INVALID'; entry: null; direction: null; created: false; reason: CtInvalidReason };

function invalid(table: ConntrackTable, reason: CtInvalidReason): CtResolution {
  table.stats.invalid++;
  return { state: 'INVALID', entry: null, direction: null, created: false, reason };
}

/** Linux: nf_conntrack_in(). */
export function nfConntrackIn(table: ConntrackTable, packet: IpPacket, now: number): CtResolution {
  if (isIcmpError(packet)) return icmpErrorMessage(table, packet, now);
  const res = resolveNormal(table, packet, now);
  // -NF_REPEAT: a SYN reopened a closed connection, which is gone now; look the packet up again.
  return res === 'REPEAT' ? (resolveNormal(table, packet, now) as CtResolution) : res;
}

/** Linux: icmp_error_message(): an error is RELATED to the connection of the packet it quotes. */
function icmpErrorMessage(table: ConntrackTable, packet: IpPacket, now: number): CtResolution {
  const tuple = tupleOf(packet);
  if (!tuple) return invalid(table, 'ICMP_ERROR_UNTRACKABLE');
  const hit = table.lookup(tuple, now);
  if (!hit) return invalid(table, 'ICMP_ERROR_NO_MATCH');
  table.stats.found++;
  return { state: 'RELATED', entry: hit.entry, direction: hit.direction, created: false };
}

/** Linux: resolve_normal_ct() and the protocol tracker. */
function resolveNormal(table: ConntrackTable, packet: IpPacket, now: number): CtResolution | 'REPEAT' {
  const l4 = packet.l4;
  if (l4.proto === 'tcp' && !tcpValidFlags(l4.tcp)) return invalid(table, 'TCP_INVALID_FLAGS');
  const hit = table.lookupPacket(packet, now);
  let entry: MutableCtEntry;
  let direction: CtDirection;
  if (hit) {
    table.stats.found++;
    entry = writable(hit.entry);
    direction = hit.direction;
  } else {
    const tuple = headerTuple(packet);
    if (tuple.proto === IPPROTO_ICMP && !icmpOpensConnection(tuple.dport >>> 8)) return invalid(table, 'ICMP_INVALID_NEW');
    entry = writable(table.newEntry(tuple, invertTuple(tuple), now));
    direction = 'ORIGINAL';
    if (l4.proto === 'tcp') {
      const opened = tcpNew(l4.tcp, packet.payloadLength, table.config);
      if (!opened.ok) return invalid(table, opened.reason);
      entry.tcp = opened.tcp;
    }
  }
  // ctinfo is decided before the tracker runs: IP_CT_ESTABLISHED_REPLY, IP_CT_ESTABLISHED or IP_CT_NEW.
  const state = direction === 'REPLY' || entry.status.has('SEEN_REPLY') ? 'ESTABLISHED' : 'NEW';
  const verdict = track(table, entry, direction, packet, now);
  if (verdict.kind === 'INVALID') return invalid(table, verdict.reason);
  if (verdict.kind === 'REPEAT') {
    table.delete(entry);
    return 'REPEAT';
  }
  if (direction === 'REPLY') entry.status.add('SEEN_REPLY');
  return { state, entry, direction, created: !hit };
}

type TrackVerdict = { kind: 'OK' } | { kind: 'INVALID'; reason: CtInvalidReason } | { kind: 'REPEAT' };

/** Linux: nf_conntrack_handle_packet(): the protocol tracker updates state, timeout and ASSURED. */
function track(table: ConntrackTable, entry: MutableCtEntry, direction: CtDirection, packet: IpPacket, now: number): TrackVerdict {
  const t = table.config.timeouts;
  const seenReply = entry.status.has('SEEN_REPLY');
  const l4 = packet.l4;
  let v: L4Verdict;
  switch (l4.proto) {
    case 'tcp': {
      if (!entry.tcp) throw new Error('invariant: a TCP entry without TCP state');
      const ctx = { dir: direction, seenReply, assured: entry.status.has('ASSURED') };
      const tv = tcpPacket(entry.tcp, l4.tcp, packet.payloadLength, ctx, table.config, t);
      switch (tv.kind) {
        case 'INVALID':
          return { kind: 'INVALID', reason: tv.reason };
        case 'IGNORE':
          table.stats.ignore++;
          return { kind: 'OK' };
        case 'REOPEN':
          return { kind: 'REPEAT' };
        case 'KILL':
          // nf_ct_kill_acct(): out of the table now; the RST itself still belongs to the entry.
          table.delete(entry);
          return { kind: 'OK' };
        case 'ACCEPT':
          v = { timeout: tv.timeout, assured: tv.assured };
      }
      break;
    }
    case 'udp':
      v = udpPacket(seenReply, entry.created, now, t);
      break;
    case 'icmp':
      v = icmpPacket(t);
      break;
    case 'sctp': {
      const old = entry.sctp;
      const next = sctpNewState(old, direction, l4.sctp.chunk);
      v = sctpPacket(old ?? 'CLOSED', next, direction);
      entry.sctp = next;
      break;
    }
    case 'other':
      v = genericPacket(t);
      break;
  }
  // nf_ct_refresh_acct()
  entry.expires = now + v.timeout * SECOND_MS;
  if (v.assured) entry.status.add('ASSURED');
  return { kind: 'OK' };
}
