// Linux: sctp_rcv() (net/sctp/input.c), reduced to what a connect() probe meets: an INIT to a listening socket
// is answered with an INIT ACK (sctp_sf_do_5_1B_init(): stateless, the association lives in the State Cookie,
// so the listener keeps nothing), an INIT to a port nobody listens on is taken by the control socket and
// answered with an ABORT (sctp_sf_do_5_1B_init() on the ctl_sock endpoint calls sctp_sf_tabort_8_4_8(); the
// ABORT's verification tag is the INIT's Initiate Tag and the T bit is clear, RFC 9260 §8.4 item 3), and the
// INIT ACK or ABORT reaches the probe's own socket. A namespace has an SCTP stack only when one of its `listen`
// entries is `sctp/PORT` (the sctp module loaded, a server running); without one, IP protocol 132 has no
// inet_protos[] handler and draws ICMP protocol unreachable, as on a kernel without the sctp module.
// Not modelled: the COOKIE ECHO / COOKIE ACK exchange and DATA, multihoming, INIT parameters.

import type { IpPacket } from '../../packet/frame.js';
import type { Skb } from '../../packet/skb.js';
import { SCTP_CID_ABORT, SCTP_CID_INIT, SCTP_CID_INIT_ACK, SCTP_INIT_VALUE_LEN, type SctpHeader } from '../../wire/headers.js';
import { formatIpv4 } from '../../wire/ipv4-addr.js';
import type { Netns } from '../netns/netns.js';
import { fate, report } from '../report.js';
import { ipSend } from './send.js';

/** The namespace runs an SCTP stack: some socket listens on an SCTP port. */
export function hasSctpStack(ns: Netns): boolean {
  return ns.sockets.listeners.some((l) => l.proto === 'sctp');
}

const at = (addr: number, port: number): string => `${formatIpv4(addr)}:${port}`;

const CHUNK_NAMES: Readonly<Record<number, string>> = { [SCTP_CID_INIT]: 'INIT', [SCTP_CID_INIT_ACK]: 'INIT ACK', [SCTP_CID_ABORT]: 'ABORT' };
const chunkName = (c: number): string => CHUNK_NAMES[c] ?? `chunk ${c}`;

/**
 * An SCTP packet for this namespace: the probe's socket takes what answers it; else, with an SCTP stack, a
 * listener answers an INIT with an INIT ACK and a closed port with an ABORT. Returns false when the namespace
 * has no SCTP stack and no socket took it (the caller sends protocol unreachable).
 */
export function sctpRcv(ns: Netns, skb: Skb, p: IpPacket, h: SctpHeader): boolean {
  const { src, dst } = p.ip;
  const client = ns.sockets.client('sctp', dst, h.dport, src, h.sport);
  if (client) {
    const what = h.chunk === SCTP_CID_INIT_ACK ? 'INIT ACK: the association moves to COOKIE-ECHOED, connect() goes on' : h.chunk === SCTP_CID_ABORT ? 'ABORT: connect() fails with ECONNREFUSED' : chunkName(h.chunk);
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `${what} at ${at(dst, h.dport)}` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, h.dport), peerSeen: at(src, h.sport) });
    return true;
  }
  if (!hasSctpStack(ns)) return false;
  const listener = ns.sockets.listener('sctp', dst, h.dport);
  if (h.chunk !== SCTP_CID_INIT) {
    // sctp_rcv_ootb() / sctp_sf_ootb(): out of the blue; an ABORT or an INIT ACK for no association is discarded.
    fate(ns, skb.leg, 'DROPPED', 'NO_SOCKET', `SCTP ${chunkName(h.chunk)} for no association: discarded (sctp_sf_ootb)`);
    return true;
  }
  const reply = (chunk: number, valueLength: number): void => {
    const header: SctpHeader = { sport: h.dport, dport: h.sport, vtag: 0, checksum: 0, chunk };
    ipSend(ns, ns.env.sink.answer(skb.leg, chunk === SCTP_CID_INIT_ACK ? 'init-ack' : 'abort'), { src: dst, dst: src, l4: { proto: 'sctp', sctp: header }, payloadLength: valueLength });
  };
  if (listener) {
    report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `INIT reaches the SCTP listener on ${at(listener.addr, listener.port)}; peer ${at(src, h.sport)}: INIT ACK sent` });
    ns.env.sink.delivered(skb.leg, { netns: ns.name, addr: at(dst, h.dport), peerSeen: at(src, h.sport) });
    // The INIT ACK's tag is the INIT's Initiate Tag (0 in the probe's INIT, whose value is zeros).
    reply(SCTP_CID_INIT_ACK, SCTP_INIT_VALUE_LEN);
    return true;
  }
  report(ns, skb.leg, { dev: null, stage: 'local-deliver', detail: `nothing listens on sctp ${at(dst, h.dport)}: the control socket answers the INIT with an ABORT` });
  fate(ns, skb.leg, 'REFUSED', 'NO_SOCKET', `no socket on sctp port ${h.dport}: ABORT sent (sctp_sf_tabort_8_4_8)`);
  reply(SCTP_CID_ABORT, 0);
  return true;
}
