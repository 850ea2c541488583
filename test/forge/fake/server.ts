/**
 * HTTP plumbing of the fake forge: a node:http server on 127.0.0.1 (random port) that
 * authenticates, injects faults, routes to a platform front-end and records every call.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakeState, FakeUser } from './model.ts';

export interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  user: FakeUser;
  /** http://127.0.0.1:PORT */
  origin: string;
  params: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Thrown by handlers to answer an error. */
export class HttpReply extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export interface Route {
  method: string;
  /** Matched against the path after the API prefix; named groups become `params` (URI-decoded). */
  pattern: RegExp;
  handler: (ctx: Ctx) => Reply;
}

export interface Auth {
  user: FakeUser | null;
  scheme: string | null;
}

export interface Frontend {
  /** /api/v4 or /api/v3 */
  prefix: string;
  routes: Route[];
  authenticate(headers: http.IncomingHttpHeaders, state: FakeState): Auth;
  unauthorized: Reply;
  notFound: Reply;
  /** Default and maximum per_page of list endpoints. */
  perPage: { default: number; max: number };
  /** Told the server's origin once it listens (for web URLs in payloads). */
  setOrigin(origin: string): void;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  headers['content-type'] ??= 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers).end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
}

export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

export async function serve(state: FakeState, frontend: Frontend): Promise<RunningServer> {
  let origin = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', origin);
      const method = (req.method ?? 'GET').toUpperCase();
      const path = url.pathname;
      let body: unknown = raw;
      if (raw && (req.headers['content-type'] ?? '').includes('application/json')) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const auth = frontend.authenticate(req.headers, state);
      const call = { method, path, query: Object.fromEntries(url.searchParams), user: auth.user?.username ?? null, authScheme: auth.scheme, body, status: 0 };
      state.calls.push(call);
      const fault = state.takeFault(method, path);
      if (fault?.network) {
        call.status = -1;
        req.socket.destroy();
        return;
      }
      let reply: Reply;
      if (fault) {
        const headers: Record<string, string> = { ...fault.headers };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        reply = { status: fault.status ?? 503, body: fault.body ?? { message: `${fault.status ?? 503} (injected by the fake forge)` }, headers };
      } else reply = route(frontend, { method, path, query: url.searchParams, body, origin, auth });
      call.status = reply.status;
      send(res, reply);
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`fake forge bug: ${(err as Error).stack ?? String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  frontend.setOrigin(origin);
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function route(
  frontend: Frontend,
  req: { method: string; path: string; query: URLSearchParams; body: unknown; origin: string; auth: Auth },
): Reply {
  if (!req.path.startsWith(`${frontend.prefix}/`)) return frontend.notFound;
  const rest = req.path.slice(frontend.prefix.length);
  for (const r of frontend.routes) {
    if (r.method !== req.method) continue;
    const m = r.pattern.exec(rest);
    if (!m) continue;
    if (!req.auth.user) return frontend.unauthorized;
    const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    try {
      return r.handler({ method: req.method, path: req.path, query: req.query, body: req.body, user: req.auth.user, origin: req.origin, params });
    } catch (err) {
      if (err instanceof HttpReply) return err.reply;
      throw err;
    }
  }
  return req.auth.user ? frontend.notFound : frontend.unauthorized;
}

/** One page of `items` for `?page=&per_page=`, with the numbers pagination headers need. */
export function paginate<T>(items: T[], query: URLSearchParams, perPage: { default: number; max: number }) {
  const size = Math.min(perPage.max, Math.max(1, Number(query.get('per_page') ?? perPage.default) || perPage.default));
  const total = items.length;
  const totalPages = Math.max(1, Math.ceil(total / size));
  const page = Math.min(Math.max(1, Number(query.get('page') ?? 1) || 1), totalPages);
  return { items: items.slice((page - 1) * size, page * size), page, perPage: size, total, totalPages };
}

/** An RFC 8288 Link header with first/prev/next/last, as both platforms send. */
export function linkHeader(origin: string, path: string, query: URLSearchParams, page: number, totalPages: number, perPage: number): string {
  const at = (p: number) => {
    const q = new URLSearchParams(query);
    q.set('page', String(p));
    q.set('per_page', String(perPage));
    return `<${origin}${path}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (page < totalPages) links.push(`${at(page + 1)}; rel="next"`);
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  links.push(`${at(1)}; rel="first"`, `${at(totalPages)}; rel="last"`);
  return links.join(', ');
}
