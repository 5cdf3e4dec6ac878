import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  /** Path and query exactly as sent (still percent-encoded). */
  readonly url: string;
  /** Path as sent (still percent-encoded). */
  readonly rawPath: string;
  /** Decoded query pairs, in order. */
  readonly query: [string, string][];
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A canned answer; `drop` closes the connection without one (a lost reply). */
export type CannedReply = { status: number; body?: unknown; headers?: Record<string, string> } | { drop: true };

/**
 * A stand-in upstream for connector tests: records every request exactly as it arrived and
 * answers from a queue of canned replies (500 when the queue is empty).
 */
export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  private readonly queue: CannedReply[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://capture');
        this.requests.push({
          method: req.method ?? '',
          url: req.url ?? '/',
          rawPath: url.pathname,
          query: [...url.searchParams.entries()],
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const reply = this.queue.shift() ?? { status: 500, body: { error: 'no canned reply' } };
        if ('drop' in reply) {
          req.socket.destroy();
          return;
        }
        const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Queues replies, answered in order. */
  enqueue(...replies: CannedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  reply(status: number, body: unknown, headers?: Record<string, string>): this {
    return this.enqueue({ status, body, ...(headers ? { headers } : {}) });
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
