/**
 * Is this delivery from our forge? GitLab sends the shared secret as is in X-Gitlab-Token:
 * compared in constant time (timingSafeEqual on SHA-256 digests, so unequal lengths leak
 * nothing either). GitHub signs the raw body: X-Hub-Signature-256 = "sha256=" + HMAC-SHA256,
 * checked with @octokit/webhooks-methods (constant-time too).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verify as verifyGitHubSignature } from '@octokit/webhooks-methods';
import type { WebhookHeaders } from './types.ts';

/** A header by name, whatever its casing; the first value of a repeated one. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function verifyGitLabToken(headers: WebhookHeaders, secret: string): Verdict {
  const token = headerValue(headers, 'X-Gitlab-Token');
  if (token === undefined) return { ok: false, reason: 'no X-Gitlab-Token header' };
  return timingSafeEqual(digest(token), digest(secret)) ? { ok: true } : { ok: false, reason: 'X-Gitlab-Token does not match the webhook secret' };
}

export async function verifyGitHubSignature256(headers: WebhookHeaders, rawBody: Buffer | string, secret: string): Promise<Verdict> {
  const signature = headerValue(headers, 'X-Hub-Signature-256');
  if (signature === undefined) return { ok: false, reason: 'no X-Hub-Signature-256 header' };
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  // GitHub never sends an empty body; the library refuses one (it cannot be what was signed).
  if (body === '') return { ok: false, reason: 'empty body cannot match X-Hub-Signature-256' };
  return (await verifyGitHubSignature(secret, body, signature)) ? { ok: true } : { ok: false, reason: 'X-Hub-Signature-256 does not match the body and the webhook secret' };
}
