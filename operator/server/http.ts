/**
 * The HTTP side of the operator on node:http: a small route registry (so later features,
 * like the status page at "/", add a route without touching this file), bounded body
 * reading, and JSON answers. Nothing framework-sized is needed for a handful of routes.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { errorMessage } from '../util/errors.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export class Router {
  private readonly routes = new Map<string, Map<string, RouteHandler>>();

  /** Registers METHOD PATH (exact path, query string ignored); a path+method is registered once. */
  add(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: RouteHandler): void {
    if (!path.startsWith('/')) throw new Error(`route path must start with "/": ${path}`);
    let byMethod = this.routes.get(path);
    if (!byMethod) this.routes.set(path, (byMethod = new Map()));
    if (byMethod.has(method)) throw new Error(`route ${method} ${path} is already registered`);
    byMethod.set(method, handler);
  }

  has(method: string, path: string): boolean {
    return this.routes.get(path)?.has(method) ?? false;
  }

  /** The handler, or why there is none (404, or 405 with the methods allowed). */
  resolve(method: string, path: string): { handler: RouteHandler } | { status: 404 } | { status: 405; allow: string[] } {
    const byMethod = this.routes.get(path);
    if (!byMethod) return { status: 404 };
    const handler = byMethod.get(method) ?? (method === 'HEAD' ? byMethod.get('GET') : undefined);
    if (handler) return { handler };
    return { status: 405, allow: [...byMethod.keys()] };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export type BodyResult =
  | { ok: true; body: Buffer }
  /** Over the limit: reading stopped; `bytesRead` is what was read before stopping. */
  | { ok: false; reason: 'too_large'; bytesRead: number; declared: number | null }
  /** The client went away mid-body. */
  | { ok: false; reason: 'aborted'; bytesRead: number };

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is
 * refused before reading anything; a chunked body is refused as soon as it passes the
 * limit. Either way the caller answers 413 with "Connection: close", after which node:http
 * closes the socket without reading the rest.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const header = req.headers['content-length'];
  const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : null;
  if (declared !== null && declared > limit) {
    req.pause();
    return Promise.resolve({ ok: false, reason: 'too_large', bytesRead: 0, declared });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytesRead = 0;
    let settled = false;
    const finish = (r: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onAborted);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      bytesRead += chunk.length;
      if (bytesRead > limit) {
        req.pause();
        finish({ ok: false, reason: 'too_large', bytesRead, declared });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, bytesRead) });
    const onAborted = () => {
      if (!req.complete) finish({ ok: false, reason: 'aborted', bytesRead });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onAborted);
  });
}

/** 413 and close the connection: node:http then drops the socket instead of draining the body. */
export function sendTooLarge(res: ServerResponse, limit: number): void {
  sendJson(res, 413, { error: 'payload too large', limitBytes: limit }, { connection: 'close' });
}

export interface HttpServer {
  server: http.Server;
  url: string;
  host: string;
  port: number;
  /** Stops accepting connections; idle keep-alive ones are closed now. */
  stopAccepting(): void;
  /** Closes every connection left and resolves when the server is closed. */
  close(): Promise<void>;
}

export async function listen(router: Router, opts: { host: string; port: number; log: Logger }): Promise<HttpServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://operator.invalid');
    const route = router.resolve(req.method ?? 'GET', url.pathname);
    if ('status' in route) {
      if (route.status === 405) sendJson(res, 405, { error: 'method not allowed' }, { allow: route.allow.join(', ') });
      else sendJson(res, 404, { error: 'not found' });
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, res))
      .catch((err) => {
        opts.log.error({ event: 'http-error', method: req.method, path: url.pathname, error: errorMessage(err) }, 'request failed');
        sendJson(res, 500, { error: 'internal error' });
      });
  });
  // Slow or stuck clients cannot hold a connection forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | null = null;
  const stopAccepting = () => {
    if (!closed) closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
  };
  return {
    server,
    host: addr.address,
    port: addr.port,
    url: `http://${host}:${addr.port}`,
    stopAccepting,
    close: async () => {
      stopAccepting();
      server.closeAllConnections();
      await closed;
    },
  };
}
