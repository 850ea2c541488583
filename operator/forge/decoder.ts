/**
 * The forge webhooks as the decoders `odoops serve` takes (operator/server/webhooks.ts owns
 * the HTTP side: body limit, answers, deduplication by deliveryId, 503 while stopping).
 */
import { createHash } from 'node:crypto';
import type { Decoder, DecodeResult } from '../server/webhooks.ts';
import type { ForgePlatform } from './types.ts';
import { handleWebhook, type ForgeEvent, type WebhookOptions } from './webhooks/index.ts';

/** A few fields of an event for the delivery's log line. */
export function eventSummary(event: ForgeEvent): Record<string, string | number> {
  switch (event.kind) {
    case 'merge-request':
      return { kind: event.kind, action: event.action, mr: event.mr.number, head: event.mr.headSha };
    case 'push':
      return { kind: event.kind, branch: event.branch, after: event.after };
    case 'comment-command':
      return { kind: event.kind, mr: event.mr, command: event.command.name, by: event.actor.username };
    case 'comment-command-error':
      return { kind: event.kind, mr: event.mr, error: event.error.code, by: event.actor.username };
    case 'ignored':
      return { kind: event.kind, reason: event.reason };
  }
}

export function forgeDecoder(platform: ForgePlatform, opts: WebhookOptions): Decoder<ForgeEvent> {
  return async (headers, rawBody): Promise<DecodeResult<ForgeEvent>> => {
    const result = await handleWebhook(platform, { headers, rawBody }, opts);
    switch (result.outcome) {
      case 'unauthorized':
        return { kind: 'unauthorized', reason: result.reason };
      case 'malformed':
        return { kind: 'malformed', reason: result.reason };
      case 'unsupported':
        return { kind: 'unsupported', event: result.delivery.event, ...(result.delivery.id ? { deliveryId: result.delivery.id } : {}) };
      case 'ok': {
        // A GitLab too old to send Idempotency-Key or X-Gitlab-Event-UUID: the body itself
        // (it carries timestamps) is the best key left for spotting a replay.
        const deliveryId = result.event.delivery.id ?? `body-sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
        return { kind: 'ok', deliveryId, event: result.event, summary: eventSummary(result.event) };
      }
    }
  };
}
