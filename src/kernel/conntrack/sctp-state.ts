// Linux: nf_conntrack_proto_sctp.c, reduced to what one connection's opening needs: the state a chunk moves
// the association to (sctp_new_state() over sctp_conntracks[][][]), the timeouts of each state (the
// nf_conntrack_sctp_timeout_* sysctls' defaults, as a 6.18 kernel shows them) and ASSURED once the cookie
// exchange is complete. Not modelled: verification-tag checks (sctp_new()/sctp_packet() compare vtags),
// bundled chunks (one chunk per packet here), SHUTDOWN and HEARTBEAT states, multihoming.

import { SCTP_CID_ABORT, SCTP_CID_INIT, SCTP_CID_INIT_ACK } from '../../wire/headers.js';
import type { CtDirection } from './tuple.js';
import type { L4Verdict } from './udp-icmp.js';

/** enum sctp_conntrack, as libnetfilter_conntrack prints the states (the ones reached here). */
export type SctpCtState = 'CLOSED' | 'COOKIE_WAIT' | 'COOKIE_ECHOED' | 'ESTABLISHED';

const SCTP_CID_COOKIE_ECHO = 10;
const SCTP_CID_COOKIE_ACK = 11;

/** Defaults of net.netfilter.nf_conntrack_sctp_timeout_* (seconds): sctp_timeouts[]. */
export const SCTP_TIMEOUTS: Readonly<Record<SctpCtState, number>> = Object.freeze({ CLOSED: 10, COOKIE_WAIT: 3, COOKIE_ECHOED: 3, ESTABLISHED: 210 });

/**
 * sctp_new_state() for the chunks modelled, as sctp_conntracks[][][] reads on 6.x kernels: the first chunk
 * leaves the new entry CLOSED, INIT included (a 6.18 kernel lists an unanswered INIT as `CLOSED`, 10 s); an
 * INIT or INIT ACK in the reply direction moves CLOSED to COOKIE_WAIT; COOKIE ECHO and COOKIE ACK complete the
 * handshake; ABORT closes; any other chunk leaves the state as it is.
 */
export function sctpNewState(state: SctpCtState | null, dir: CtDirection, chunk: number): SctpCtState {
  if (chunk === SCTP_CID_ABORT || state === null) return 'CLOSED';
  if (chunk === SCTP_CID_INIT || chunk === SCTP_CID_INIT_ACK) return dir === 'REPLY' && state === 'CLOSED' ? 'COOKIE_WAIT' : state;
  if (chunk === SCTP_CID_COOKIE_ECHO && dir === 'ORIGINAL' && (state === 'COOKIE_WAIT' || state === 'CLOSED')) return 'COOKIE_ECHOED';
  if (chunk === SCTP_CID_COOKIE_ACK && dir === 'REPLY' && state === 'COOKIE_ECHOED') return 'ESTABLISHED';
  return state;
}

/** nf_conntrack_sctp_packet(): the new state's timeout; ASSURED when COOKIE ACK answers COOKIE ECHO. */
export function sctpPacket(old: SctpCtState, next: SctpCtState, dir: CtDirection): L4Verdict {
  return { timeout: SCTP_TIMEOUTS[next], assured: old === 'COOKIE_ECHOED' && next === 'ESTABLISHED' && dir === 'REPLY' };
}
