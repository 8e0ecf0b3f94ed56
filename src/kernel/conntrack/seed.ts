// Linux: ctnetlink_create_conntrack() (what `conntrack -I` asks of the kernel): a connection stated whole,
// tuples, status, timeout, mark, zone and TCP state given, confirmed as it is inserted.

import type { MutableCtEntry } from './entry.js';
import { statusOf, type ConntrackSpec } from './entry-spec.js';
import type { TcpConntrack } from './tcp-state.js';
import { emptySeen } from './tcp-window.js';
import { SECOND_MS } from './timeouts.js';

/**
 * The entry `spec` states, with id `id`, at virtual time `now`. Its TCP window is unknown (td_maxwin 0 on both
 * sides, as nlattr_to_tcp() leaves it without CTA_PROTOINFO_TCP_FLAGS): tcp_in_window() takes the first
 * segment each way as the start of that side's window. `created` is "long ago": the kernel leaves the UDP
 * stream_ts of such an entry at 0, so a replied UDP entry counts as a stream at once (udpPacket()).
 */
export function seededEntry(spec: ConntrackSpec, id: number, now: number): MutableCtEntry {
  const tcp: TcpConntrack | null = spec.tcpState === undefined ? null : { state: spec.tcpState, seen: [emptySeen(), emptySeen()], lastDir: 'ORIGINAL', lastIndex: 'NONE', lastEnd: 0, lastWin: 0 };
  return {
    id,
    orig: { ...spec.orig },
    reply: { ...spec.reply },
    status: statusOf(spec),
    mark: spec.mark,
    zone: spec.zone,
    tcp,
    sctp: null,
    created: Number.NEGATIVE_INFINITY,
    expires: now + spec.timeout * SECOND_MS,
  };
}
