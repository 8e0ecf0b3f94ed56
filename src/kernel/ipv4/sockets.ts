import type { Ipv4Addr } from '../../wire/headers.js';

/** A bound, listening socket (`listen:` in a scenario): TCP in LISTEN, or a UDP socket that answers. */
export interface ListeningSocket {
  proto: 'tcp' | 'udp';
  addr: Ipv4Addr;
  port: number;
}

/** The trace's own client socket: it receives the answer, or the error its packet drew. */
export interface ClientSocket {
  proto: 'tcp' | 'udp' | 'icmp';
  local: Ipv4Addr;
  localPort: number;
  remote: Ipv4Addr;
  remotePort: number;
  /** The leg its packets belong to. */
  leg: number;
}

/** inet_lookup / __udp4_lib_lookup, reduced: connected sockets first, then bound listeners, exact address first. */
export class SocketTable {
  readonly listeners: ListeningSocket[] = [];
  readonly clients: ClientSocket[] = [];

  listener(proto: 'tcp' | 'udp', addr: Ipv4Addr, port: number): ListeningSocket | undefined {
    const candidates = this.listeners.filter((s) => s.proto === proto && s.port === port);
    return candidates.find((s) => s.addr === addr) ?? candidates.find((s) => s.addr === 0);
  }

  /** A connected socket whose remote end is (src, sport) and local end (dst, dport). */
  client(proto: 'tcp' | 'udp' | 'icmp', local: Ipv4Addr, localPort: number, remote: Ipv4Addr, remotePort: number): ClientSocket | undefined {
    return this.clients.find(
      (c) =>
        c.proto === proto &&
        c.local === local &&
        c.localPort === localPort &&
        (proto === 'icmp' || (c.remote === remote && c.remotePort === remotePort)),
    );
  }
}
