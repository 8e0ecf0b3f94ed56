// Linux: nf_conntrack_udp_packet(), nf_conntrack_icmp_packet(), nf_conntrack_generic: the trackers of the
// connectionless protocols, which only choose a timeout and decide when a flow is ASSURED.

import type { CtTimeouts } from './timeouts.js';
import { UDP_STREAM_AFTER_MS } from './timeouts.js';

export interface L4Verdict {
  /** Seconds to refresh the entry to. */
  timeout: number;
  assured: boolean;
}

/**
 * Linux: nf_conntrack_udp_packet(). Once a reply has been seen, traffic still flowing more than 2 s after
 * the first packet (stream_ts) makes the flow a stream: the long timeout and ASSURED. A DNS query and its
 * answer therefore stay unassured with 30 s, as `conntrack -L` shows on a real kernel.
 */
export function udpPacket(seenReply: boolean, created: number, now: number, t: CtTimeouts): L4Verdict {
  if (seenReply && now > created + UDP_STREAM_AFTER_MS) return { timeout: t.udpStream, assured: true };
  return { timeout: t.udp, assured: false };
}

/** Linux: nf_conntrack_icmp_packet(): every query and answer refreshes to nf_conntrack_icmp_timeout; never ASSURED. */
export function icmpPacket(t: CtTimeouts): L4Verdict {
  return { timeout: t.icmp, assured: false };
}

/** Linux: nf_conntrack_generic_packet(). */
export function genericPacket(t: CtTimeouts): L4Verdict {
  return { timeout: t.generic, assured: false };
}
