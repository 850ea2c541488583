/**
 * Webhook deliveries in, typed results out: pure functions of (headers, raw body, secret).
 * Order of checks: authenticity first (nothing from an unverified body is read), then the
 * event name, then the JSON. The server answers with `result.status`:
 *   401 unauthorized — missing or wrong token/signature; nothing runs
 *   202 unsupported  — an event odoops does not handle (logged, ignored)
 *   400 malformed    — not JSON, or a field odoops needs is missing or of the wrong type
 *   202 ok           — `event`: work to queue (it runs in the background), or `ignored` with the reason
 * The body size limit (413) is the server's, checked before the body is read: see
 * WEBHOOK_MAX_BODY_BYTES.
 */
import type { ForgePlatform } from '../types.ts';
import { GITHUB_EVENTS, githubDelivery, githubEvent } from './github.ts';
import { GITLAB_EVENTS, gitlabDelivery, gitlabEvent } from './gitlab.ts';
import { MalformedPayload, parseJsonObject } from './payload.ts';
import type { Delivery, ForgeEvent, WebhookOptions, WebhookRequest, WebhookResult } from './types.ts';
import { verifyGitHubSignature256, verifyGitLabToken } from './verify.ts';

export type * from './types.ts';
export { COMMAND_USAGE, commandTokens, parseCommand } from './command.ts';
export { headerValue } from './verify.ts';

/** GitLab and GitHub both cap webhook payloads at 25 MB; a bigger body is not theirs (413). */
export const WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;

function parsed(delivery: Delivery, build: () => ForgeEvent): WebhookResult {
  try {
    return { outcome: 'ok', status: 202, event: build() };
  } catch (err) {
    if (err instanceof MalformedPayload) return { outcome: 'malformed', status: 400, delivery, reason: err.message };
    throw err;
  }
}

export async function handleGitLabWebhook(req: WebhookRequest, opts: WebhookOptions): Promise<WebhookResult> {
  if (!opts.secret) return { outcome: 'unauthorized', status: 401, reason: 'no webhook secret is configured' };
  const verdict = verifyGitLabToken(req.headers, opts.secret);
  if (!verdict.ok) return { outcome: 'unauthorized', status: 401, reason: verdict.reason };
  const delivery = gitlabDelivery(req.headers);
  if (!(delivery.event in GITLAB_EVENTS)) return { outcome: 'unsupported', status: 202, delivery, reason: `X-Gitlab-Event ${JSON.stringify(delivery.event)} is not handled` };
  return parsed(delivery, () => gitlabEvent(delivery.event, parseJsonObject(req.rawBody), delivery, opts));
}

export async function handleGitHubWebhook(req: WebhookRequest, opts: WebhookOptions): Promise<WebhookResult> {
  if (!opts.secret) return { outcome: 'unauthorized', status: 401, reason: 'no webhook secret is configured' };
  const verdict = await verifyGitHubSignature256(req.headers, req.rawBody, opts.secret);
  if (!verdict.ok) return { outcome: 'unauthorized', status: 401, reason: verdict.reason };
  const delivery = githubDelivery(req.headers);
  if (!GITHUB_EVENTS.has(delivery.event)) return { outcome: 'unsupported', status: 202, delivery, reason: `X-GitHub-Event ${JSON.stringify(delivery.event)} is not handled` };
  return parsed(delivery, () => githubEvent(delivery.event, parseJsonObject(req.rawBody), delivery, opts));
}

export function handleWebhook(platform: ForgePlatform, req: WebhookRequest, opts: WebhookOptions): Promise<WebhookResult> {
  return platform === 'gitlab' ? handleGitLabWebhook(req, opts) : handleGitHubWebhook(req, opts);
}
