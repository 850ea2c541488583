/**
 * The status page's routes on the operator's router: GET / (the fleet), GET /client?name=X
 * (one client: desired vs live, recent runs), GET /status.json (what `odoops status --json` prints).
 */
import type { ServerResponse } from 'node:http';
import { sendJson, type Router } from '../server/http.ts';
import { StatusCache as StatusCacheImpl, type StatusCache } from './cache.ts';
import type { ClientSpec, FleetSpec } from '../desired/types.ts';
import type { FleetStatus } from './types.ts';
import { renderClientPage, renderFleetPage, renderWaitingPage } from './html.ts';

export interface StatusRouteOptions {
  /** How often the page reloads itself. */
  refreshSeconds: number;
}

function sendHtml(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // Nothing on the page runs scripts or loads anything from elsewhere.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

export function addStatusRoutes(router: Router, cache: StatusCache, opts: StatusRouteOptions): void {
  const waiting = () => renderWaitingPage(cache.lastError ? `status not available yet: ${cache.lastError}` : 'reading the fleet status…', opts);
  router.add('GET', '/', async (_req, res) => {
    const status = await cache.get();
    sendHtml(res, status ? 200 : 503, status ? renderFleetPage(status, opts) : waiting());
  });
  router.add('GET', '/client', async (req, res) => {
    const name = new URL(req.url ?? '/', 'http://status.invalid').searchParams.get('name') ?? '';
    const status = await cache.get();
    if (!status) return sendHtml(res, 503, waiting());
    const body = renderClientPage(status, name, opts);
    if (body === null) return sendHtml(res, 404, renderWaitingPage(`no client named "${name}"`, opts));
    sendHtml(res, 200, body);
  });
  router.add('GET', '/status.json', async (_req, res) => {
    const status = await cache.get();
    if (!status) return sendJson(res, 503, { error: cache.lastError ?? 'status not read yet' });
    sendJson(res, 200, status);
  });
}

/** What `odoops serve` needs to serve the status page. */
export interface StatusPageSource {
  /** The desired state the operator follows (null until the config repo has been read). */
  desired(): { clients: ClientSpec[]; revision: string; fleet?: FleetSpec } | null;
  collect(desired: { clients: ClientSpec[]; revision: string; fleet?: FleetSpec }): Promise<FleetStatus>;
}

/** The status page on the operator's router, read at most every `refreshSeconds`. */
export function attachStatusPage(router: Router, source: StatusPageSource, opts: StatusRouteOptions): StatusCache {
  const cache = new StatusCacheImpl(async () => {
    const desired = source.desired();
    return desired ? source.collect(desired) : null;
  }, opts.refreshSeconds * 1000);
  addStatusRoutes(router, cache, opts);
  return cache;
}
