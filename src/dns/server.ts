// A real DNS server on UDP and TCP (RFC 1035 §4.2; TCP messages carry a 2-byte length, RFC 7766) around
// handleDnsMessage. One malformed datagram or connection never stops it.

import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { isIP } from 'node:net';
import type { QuestionHandler } from './wire-handler.js';
import { handleDnsMessage } from './wire-handler.js';

export interface DnsServerOptions {
  address: string;
  /** 0: any free port (the same for UDP and TCP). */
  port: number;
  answer: QuestionHandler;
}

export interface RunningDnsServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

/** RFC 7766 §6.2.3: idle TCP connections are closed; CoreDNS's default read timeout is 2 s for the first read. */
const TCP_IDLE_MS = 10_000;

export async function startDnsServer(opts: DnsServerOptions): Promise<RunningDnsServer> {
  let lastError: unknown;
  // With port 0, UDP picks a port and TCP may find it taken: try a few.
  for (let attempt = 0; attempt < (opts.port === 0 ? 8 : 1); attempt++) {
    const udp = await bindUdp(opts);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp(opts, port);
      return { address: opts.address, port, close: () => closeBoth(udp, tcp) };
    } catch (e) {
      lastError = e;
      udp.close();
    }
  }
  throw lastError;
}

function bindUdp(opts: DnsServerOptions): Promise<UdpSocket> {
  const sock = createSocket(isIP(opts.address) === 6 ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => {
    const reply = handleDnsMessage(msg, 'udp', opts.answer);
    if (reply !== undefined) sock.send(reply, rinfo.port, rinfo.address, () => undefined);
  });
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port, opts.address, () => {
      sock.off('error', reject);
      sock.on('error', () => undefined); // a send to a vanished client: nothing to do
      resolve(sock);
    });
  });
}

interface TcpListener {
  server: Server;
  conns: Set<Socket>;
}

function listenTcp(opts: DnsServerOptions, port: number): Promise<TcpListener> {
  const conns = new Set<Socket>();
  const server = createServer((conn) => {
    conns.add(conn);
    conn.on('close', () => conns.delete(conn));
    serveConnection(conn, opts);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.address, () => {
      server.off('error', reject);
      resolve({ server, conns });
    });
  });
}

function serveConnection(conn: Socket, opts: DnsServerOptions): void {
  let buf = Buffer.alloc(0);
  conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      const reply = handleDnsMessage(msg, 'tcp', opts.answer);
      if (reply === undefined) continue;
      const framed = Buffer.alloc(2 + reply.length);
      framed.writeUInt16BE(reply.length, 0);
      reply.copy(framed, 2);
      conn.write(framed);
    }
  });
}

function closeBoth(udp: UdpSocket, tcp: TcpListener): Promise<void> {
  return new Promise((resolve) => {
    let left = 2;
    const done = (): void => {
      if (--left === 0) resolve();
    };
    udp.close(done);
    tcp.server.close(() => done());
    for (const c of tcp.conns) c.destroy();
  });
}
