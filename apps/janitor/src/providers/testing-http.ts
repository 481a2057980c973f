/**
 * Shared plumbing of the local cloud fakes (test-only): a node:http server on 127.0.0.1 with a
 * free port, the request body read whole, and one-shot failure rules (throttling, auth, 5xx) a
 * test arms before a call.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  /** Path and query exactly as sent. */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export type FakeHandler = (request: FakeRequest, response: ServerResponse) => void | Promise<void>;

export interface FailureRule<W> {
  /** Which requests: a predicate over what the fake decoded (action, method, path…). */
  match: (what: W) => boolean;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Writes the failure response. */
  respond: (response: ServerResponse) => void;
}

/** One-shot failure rules; `take` returns the first armed rule matching the request. */
export class FailureRules<W> {
  readonly #rules: Array<FailureRule<W> & { left: number }> = [];

  add(rule: FailureRule<W>): void {
    this.#rules.push({ ...rule, left: rule.times ?? 1 });
  }

  take(what: W): FailureRule<W> | undefined {
    const rule = this.#rules.find((candidate) => candidate.left > 0 && candidate.match(what));
    if (rule) rule.left--;
    return rule;
  }

  clear(): void {
    this.#rules.length = 0;
  }
}

export interface FakeServer {
  url: string;
  /** Every request received, in order (assert on what the SDK really sent). */
  requests: FakeRequest[];
  close(): Promise<void>;
}

export interface FakeServerOptions {
  /** Serve HTTPS with this certificate (SDKs that refuse bearer tokens over plain HTTP). */
  tls?: { cert: Buffer; key: Buffer };
}

export async function startFakeServer(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeServer> {
  const requests: FakeRequest[] = [];
  const listener: RequestListener = (incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const request: FakeRequest = {
        method: incoming.method ?? 'GET',
        rawUrl: incoming.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      Promise.resolve(handler(request, response)).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`fake server error: ${(error as Error).message}`);
      });
    });
  };
  const server: Server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}
