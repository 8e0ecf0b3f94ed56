// `net serve`: an HTTP server for the page (static files built into dist/page/) and a WebSocket endpoint,
// `/ws`, speaking the protocol of protocol.ts. It binds 127.0.0.1 unless told otherwise, answers only
// requests whose Host is its own (DNS rebinding), and upgrades only WebSockets whose Origin is its own page.

import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { errorMessage, MAX_MESSAGE_BYTES, parseClientMessage } from './protocol.js';
import type { ServerMessage, WebSession } from './session.js';

/** The page's files: dist/page/ beside dist/web/ (and the same folder when run from src/web/ by tests). */
export const PAGE_DIR = fileURLToPath(new URL('../../dist/page/', import.meta.url));

/**
 * ws closes a connection (1009) whose frame is over this; below it, a message over MAX_MESSAGE_BYTES is
 * answered with an error and the connection stays up.
 */
const HARD_FRAME_LIMIT = 1024 * 1024;

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

export interface WebServerOptions {
  host: string;
  port: number;
  session: WebSession;
  /** Where the page's files are (default PAGE_DIR). */
  pageDir?: string;
}

export interface WebServer {
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** The host names a browser may use for this server: the bound address, and the loopback names when bound there. */
function ownHosts(host: string, port: number): Set<string> {
  const names = new Set([host]);
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1') for (const n of ['127.0.0.1', 'localhost', '[::1]']) names.add(n);
  if (host.includes(':') && !host.startsWith('[')) names.add(`[${host}]`);
  return new Set([...names].map((n) => `${n}:${port}`));
}

export function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const pageDir = opts.pageDir ?? PAGE_DIR;
  let hosts = new Set<string>();
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: HARD_FRAME_LIMIT });

  const serveFile = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hosts.has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request: this server answers only to its own host name\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const entry = FILES[path];
    if (entry === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(join(pageDir, entry.file));
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`the page is not built (${join(pageDir, entry.file)} missing): run npm run build\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': entry.type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    serveFile(req, res).catch(() => res.destroy());
  });

  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/ws') return refuse(socket, '404 Not Found');
    if (!hosts.has(req.headers.host ?? '')) return refuse(socket, '421 Misdirected Request');
    const origin = req.headers.origin;
    if (origin === undefined || !hosts.has(origin.replace(/^http:\/\//, '')) || !origin.startsWith('http://')) return refuse(socket, '403 Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const send = (m: ServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => ws.terminate());
    send(opts.session.worldMessage(null));
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send(errorMessage(null, 'bad-message', 'messages are JSON text frames, not binary'));
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (buf.length > MAX_MESSAGE_BYTES) {
        send(errorMessage(null, 'too-large', `message of ${buf.length} bytes refused: the limit is ${MAX_MESSAGE_BYTES}`));
        return;
      }
      const parsed = parseClientMessage(buf.toString('utf8'));
      if (!parsed.ok) {
        send(parsed.error);
        return;
      }
      opts.session.handle(parsed.message, send);
      // A change of the World is pushed to every other page too.
      if (parsed.message.type === 'edit' || parsed.message.type === 'timeline' || parsed.message.type === 'reset') {
        const world = JSON.stringify(opts.session.worldMessage(null));
        for (const other of sockets) if (other !== ws && other.readyState === other.OPEN) other.send(world);
      }
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      hosts = ownHosts(opts.host, port);
      const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
      resolve({
        host: opts.host,
        port,
        url: `http://${shown}:${port}/`,
        close: () =>
          new Promise<void>((done) => {
            for (const ws of sockets) ws.terminate();
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
