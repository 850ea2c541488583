/**
 * POST /hooks/gitlab and /hooks/github. The forge-specific part (token or signature check,
 * event names, payload normalisation) is an injected Decoder; this file owns what every
 * forge shares: the body limit, the answer codes, deduplication of deliveries, and handing
 * the event over without waiting for the work (the handler only queues jobs).
 *
 *   decoder says unauthorized -> 401, nothing runs
 *   malformed body            -> 400
 *   unsupported event         -> 202, logged and ignored
 *   body over the limit       -> 413, the rest of the body is never read
 *   delivery seen before      -> 200 "duplicate", nothing runs
 *   otherwise                 -> handler(delivery), then 202 "accepted"
 *   operator stopping         -> 503 (the forge retries; the scheduler catches up anyway)
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import { DeliveryLog } from './deliveries.ts';
import { readBody, sendJson, sendTooLarge, type Router } from './http.ts';
import type { DeliveryResult, OperatorMetrics } from './metrics.ts';
import { errorMessage } from '../util/errors.ts';

export type Platform = 'gitlab' | 'github';

/** What a forge decoder makes of one delivery (headers + the raw body, before any parsing). */
export type DecodeResult<E> =
  /** Missing or wrong token / signature: 401, nothing runs. `reason` is logged, never answered. */
  | { kind: 'unauthorized'; reason: string }
  /** Authenticated, but the body is not what the event promises (bad JSON, missing fields): 400. */
  | { kind: 'malformed'; reason: string }
  /** Authenticated, but an event odoops does not act on: 202, logged. */
  | { kind: 'unsupported'; event: string; deliveryId?: string }
  /**
   * An event to act on. `deliveryId` is the forge's id of the delivery, the same on every
   * retry of it (X-GitHub-Delivery; for GitLab the header that stays constant on retries).
   * `summary` holds a few fields for the log line (e.g. mr, action).
   */
  | { kind: 'ok'; deliveryId: string; event: E; summary?: Record<string, string | number> };

export type Decoder<E> = (headers: IncomingHttpHeaders, rawBody: Buffer) => DecodeResult<E> | Promise<DecodeResult<E>>;

export interface Delivery<E> {
  platform: Platform;
  deliveryId: string;
  event: E;
  receivedAt: Date;
}

/**
 * Takes an accepted delivery and queues whatever work it implies. Synchronous on purpose:
 * the forge gets its answer at once, and the delivery is recorded as processed only after
 * this returned (a handler that throws answers 500 and the forge's retry is not a duplicate).
 */
export type DeliveryHandler<E> = (delivery: Delivery<E>) => void;

export interface WebhookOptions<E> {
  decoders: Record<Platform, Decoder<E>>;
  handler: DeliveryHandler<E>;
  deliveries: DeliveryLog;
  metrics: OperatorMetrics;
  log: Logger;
  clock: Clock;
  maxBodyBytes: number;
  /** False while stopping: deliveries get 503. */
  accepting(): boolean;
}

export const WEBHOOK_PATHS: Record<Platform, string> = { gitlab: '/hooks/gitlab', github: '/hooks/github' };

export function addWebhookRoutes<E>(router: Router, opts: WebhookOptions<E>): void {
  for (const platform of ['gitlab', 'github'] as const) {
    router.add('POST', WEBHOOK_PATHS[platform], (req, res) => receive(platform, req, res, opts));
  }
}

async function receive<E>(platform: Platform, req: IncomingMessage, res: ServerResponse, opts: WebhookOptions<E>): Promise<void> {
  const log = opts.log.child({ platform });
  const answer = (result: DeliveryResult, status: number, body: unknown, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    opts.metrics.delivery(platform, result);
    log.info({ event: 'webhook', result, status, ...fields }, `webhook ${result}`);
    if (result === 'too_large') sendTooLarge(res, opts.maxBodyBytes);
    else sendJson(res, status, body, headers);
  };
  if (!opts.accepting()) {
    answer('unavailable', 503, { error: 'operator stopping' }, {}, { 'retry-after': '30', connection: 'close' });
    return;
  }
  const body = await readBody(req, opts.maxBodyBytes);
  if (!body.ok) {
    if (body.reason === 'too_large') answer('too_large', 413, null, { bytesRead: body.bytesRead, declaredBytes: body.declared, limitBytes: opts.maxBodyBytes });
    else log.warn({ event: 'webhook', result: 'aborted', bytesRead: body.bytesRead }, 'webhook body aborted by the client');
    return;
  }
  let decoded: DecodeResult<E>;
  try {
    decoded = await opts.decoders[platform](req.headers, body.body);
  } catch (err) {
    answer('error', 500, { error: 'internal error' }, { error: errorMessage(err) });
    return;
  }
  switch (decoded.kind) {
    case 'unauthorized':
      answer('unauthorized', 401, { error: 'unauthorized' }, { reason: decoded.reason });
      return;
    case 'malformed':
      answer('malformed', 400, { error: 'malformed payload', reason: decoded.reason }, { reason: decoded.reason });
      return;
    case 'unsupported':
      answer('unsupported', 202, { result: 'ignored', event: decoded.event }, { webhookEvent: decoded.event, deliveryId: decoded.deliveryId });
      return;
    case 'ok':
      break;
  }
  // From here to the answer nothing awaits: two copies of one delivery arriving together
  // are decided one after the other, so exactly one of them runs the handler.
  const key = DeliveryLog.key(platform, decoded.deliveryId);
  const fields = { deliveryId: decoded.deliveryId, ...(decoded.summary ?? {}) };
  if (opts.deliveries.has(key)) {
    answer('duplicate', 200, { result: 'duplicate', deliveryId: decoded.deliveryId }, fields);
    return;
  }
  if (!opts.accepting()) {
    answer('unavailable', 503, { error: 'operator stopping' }, fields, { 'retry-after': '30', connection: 'close' });
    return;
  }
  try {
    opts.handler({ platform, deliveryId: decoded.deliveryId, event: decoded.event, receivedAt: opts.clock.now() });
  } catch (err) {
    answer('error', 500, { error: 'internal error' }, { ...fields, error: errorMessage(err) });
    return;
  }
  try {
    opts.deliveries.record(key);
  } catch (err) {
    // The work is queued; only deduplication of a later retry is lost. Say so, answer 202.
    log.error({ event: 'webhook', ...fields, error: errorMessage(err) }, 'cannot record the delivery: a retry of it would run again');
  }
  answer('accepted', 202, { result: 'accepted', deliveryId: decoded.deliveryId }, fields);
}
