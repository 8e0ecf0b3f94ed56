// A WebSocket client for the `net serve` tests: messages queued as they come, awaited one at a time, with
// bounded waits.
import { WebSocket } from 'ws';

export interface Client {
  ws: WebSocket;
  /** The next message, parsed; rejects after `ms`. */
  next(ms?: number): Promise<Record<string, unknown>>;
  /** Messages up to and including the first whose type is `type`. */
  until(type: string, ms?: number): Promise<Record<string, unknown>[]>;
  send(m: unknown): void;
  closed: Promise<number>;
}

export function connect(url: string, origin: string | undefined): Promise<Client> {
  const ws = new WebSocket(url, origin === undefined ? {} : { origin });
  const queue: Record<string, unknown>[] = [];
  const waiting: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    const w = waiting.shift();
    if (w !== undefined) w(m);
    else queue.push(m);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  const next = (ms = 20_000): Promise<Record<string, unknown>> => {
    const m = queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
      waiting.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  };
  const client: Client = {
    ws,
    next,
    async until(type, ms = 20_000) {
      const out: Record<string, unknown>[] = [];
      for (;;) {
        const m = await next(ms);
        out.push(m);
        if (m.type === type) return out;
      }
    },
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
