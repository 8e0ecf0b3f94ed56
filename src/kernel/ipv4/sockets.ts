import type { Ipv4Addr } from '../../wire/headers.js';

/** A bound, listening socket (`listen:` in a scenario): TCP or SCTP in LISTEN, or a UDP socket that answers. */
export interface ListeningSocket {
  proto: 'tcp' | 'udp' | 'sctp';
  addr: Ipv4Addr;
  port: number;
}

/** The trace's own client socket: it receives the answer, or the error its packet drew. */
export interface ClientSocket {
  proto: 'tcp' | 'udp' | 'icmp' | 'sctp';
  local: Ipv4Addr;
  localPort: number;
  remote: Ipv4Addr;
  remotePort: number;
  /** The leg its packets belong to. */
  leg: number;
  /** TCP, once the SYN-ACK came: the next sequence number to send and the next one expected (snd_nxt, rcv_nxt). */
  tcp?: { sndNxt: number; rcvNxt: number };
}

/**
 * struct request_sock and what it becomes: a listener answered a SYN with a SYN-ACK (SYN_RECV); the ACK of
 * that SYN-ACK (tcp_check_req()) makes it an established connection the listener accepts.
 */
export interface TcpRequestSocket {
  local: Ipv4Addr;
  localPort: number;
  remote: Ipv4Addr;
  remotePort: number;
  /** The SYN-ACK's sequence number (the server's ISN). */
  iss: number;
  state: 'SYN_RECV' | 'ESTABLISHED';
}

/** inet_lookup / __udp4_lib_lookup, reduced: connected sockets first, then bound listeners, exact address first. */
export class SocketTable {
  readonly listeners: ListeningSocket[] = [];
  readonly clients: ClientSocket[] = [];
  readonly requests: TcpRequestSocket[] = [];

  /** The request or accepted connection of a listener for the segment (local, localPort) <- (remote, remotePort). */
  request(local: Ipv4Addr, localPort: number, remote: Ipv4Addr, remotePort: number): TcpRequestSocket | undefined {
    return this.requests.find((r) => r.local === local && r.localPort === localPort && r.remote === remote && r.remotePort === remotePort);
  }

  listener(proto: ListeningSocket['proto'], addr: Ipv4Addr, port: number): ListeningSocket | undefined {
    const candidates = this.listeners.filter((s) => s.proto === proto && s.port === port);
    return candidates.find((s) => s.addr === addr) ?? candidates.find((s) => s.addr === 0);
  }

  /** A connected socket whose remote end is (src, sport) and local end (dst, dport). */
  client(proto: ClientSocket['proto'], local: Ipv4Addr, localPort: number, remote: Ipv4Addr, remotePort: number): ClientSocket | undefined {
    return this.clients.find(
      (c) =>
        c.proto === proto &&
        c.local === local &&
        c.localPort === localPort &&
        (proto === 'icmp' || (c.remote === remote && c.remotePort === remotePort)),
    );
  }
}
