/**
 * Webhook deliveries as the platforms send them, for tests: GitHub's own example payloads
 * (@octokit/webhooks-examples), GitLab's documented ones (test/forge/fixtures/gitlab/), and a
 * POST to the operator's endpoint with the platform's headers (GitLab's token, GitHub's
 * HMAC-SHA256 signature of the body).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sign } from '@octokit/webhooks-methods';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import type { ForgePlatform } from '../../operator/forge/types.ts';
import { request, type HttpAnswer } from '../server/helpers.ts';

const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

/** A copy of GitHub's first example of event NAME that PICK accepts. */
export function githubExample(name: string, pick: (e: Record<string, any>) => boolean = () => true): any {
  const found = (examples.find((d) => d.name === name)?.examples as Record<string, unknown>[] | undefined)?.find(pick);
  if (!found) throw new Error(`no ${name} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

/** GitLab's documented payload NAME (test/forge/fixtures/gitlab/NAME.json), parsed afresh. */
export function gitlabExample<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../forge/fixtures/gitlab/${name}.json`, import.meta.url), 'utf8')) as T;
}

export interface Delivery {
  /** X-Gitlab-Event ("Merge Request Hook") or X-GitHub-Event ("pull_request"). */
  event: string;
  /** Idempotency-Key (GitLab) or X-GitHub-Delivery. */
  id: string;
  /** The webhook secret: GitLab's token, GitHub's signing key. */
  secret: string;
  body: string;
  /** Added last: to forge or drop what the platform would send. */
  headers?: Record<string, string>;
}

/** POSTs a delivery to `${base}/hooks/${platform}` as the platform would. */
export async function sendWebhook(base: string, platform: ForgePlatform, d: Delivery): Promise<HttpAnswer> {
  const headers: Record<string, string> =
    platform === 'gitlab'
      ? { 'x-gitlab-event': d.event, 'x-gitlab-token': d.secret, 'idempotency-key': d.id }
      : { 'x-github-event': d.event, 'x-github-delivery': d.id, 'x-hub-signature-256': await sign(d.secret, d.body) };
  return request(`${base}/hooks/${platform}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers, ...d.headers }, body: d.body });
}
