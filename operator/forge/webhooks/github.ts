/**
 * GitHub deliveries (pull_request, push, issue_comment) as ForgeEvents. Payload fields are
 * those of https://docs.github.com/webhooks/webhook-events-and-payloads (examples in
 * @octokit/webhooks-examples).
 */
import type { ForgeUser } from '../types.ts';
import { commentEvent } from './comment.ts';
import { has, num, obj, optBool, optStr, str } from './payload.ts';
import type { Delivery, ForgeEvent, MrAction, MrSnapshot, WebhookHeaders, WebhookOptions } from './types.ts';
import { headerValue } from './verify.ts';

/** X-GitHub-Event values odoops handles (`ping` is answered, nothing more). */
export const GITHUB_EVENTS: ReadonlySet<string> = new Set(['pull_request', 'push', 'issue_comment', 'ping']);

/** X-GitHub-Delivery: one GUID per event, kept by redeliveries (github/docs#32822). */
export function githubDelivery(headers: WebhookHeaders): Delivery {
  const id = headerValue(headers, 'X-GitHub-Delivery') || null;
  return { platform: 'github', id, idHeader: id ? 'X-GitHub-Delivery' : null, event: headerValue(headers, 'X-GitHub-Event') ?? '' };
}

const userAt = (payload: unknown, path: string): ForgeUser => ({ id: num(payload, `${path}.id`), username: str(payload, `${path}.login`) });

function pullSnapshot(payload: unknown): MrSnapshot {
  const p = 'pull_request';
  return {
    number: num(payload, `${p}.number`),
    title: str(payload, `${p}.title`),
    url: str(payload, `${p}.html_url`),
    sourceBranch: str(payload, `${p}.head.ref`),
    targetBranch: str(payload, `${p}.base.ref`),
    headSha: str(payload, `${p}.head.sha`),
    draft: optBool(payload, `${p}.draft`) ?? false,
  };
}

const PR_ACTIONS: Readonly<Record<string, MrAction>> = { opened: 'opened', synchronize: 'new-commits', reopened: 'reopened', ready_for_review: 'ready' };

function pullRequest(payload: Record<string, unknown>, delivery: Delivery): ForgeEvent {
  const base = { delivery, project: str(payload, 'repository.full_name'), actor: userAt(payload, 'sender') };
  const action = str(payload, 'action');
  obj(payload, 'pull_request');
  const mr = pullSnapshot(payload);
  let mapped: MrAction | undefined = PR_ACTIONS[action];
  if (action === 'closed') mapped = optBool(payload, 'pull_request.merged') === true ? 'merged' : 'closed';
  if (!mapped) return { kind: 'ignored', ...base, reason: `pull request #${mr.number} ${action.replace(/_/g, ' ')}` };
  return {
    kind: 'merge-request',
    ...base,
    action: mapped,
    mr,
    previousHeadSha: mapped === 'new-commits' ? optStr(payload, 'before') : null,
    mergeCommitSha: mapped === 'merged' ? optStr(payload, 'pull_request.merge_commit_sha') : null,
  };
}

function push(payload: Record<string, unknown>, delivery: Delivery): ForgeEvent {
  const base = { delivery, project: str(payload, 'repository.full_name'), actor: userAt(payload, 'sender') };
  const ref = str(payload, 'ref');
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignored', ...base, reason: `push to ${ref} (not a branch)` };
  return {
    kind: 'push',
    ...base,
    branch: ref.slice('refs/heads/'.length),
    before: str(payload, 'before'),
    after: str(payload, 'after'),
    created: optBool(payload, 'created') ?? false,
    deleted: optBool(payload, 'deleted') ?? false,
  };
}

function issueComment(payload: Record<string, unknown>, delivery: Delivery, opts: WebhookOptions): ForgeEvent {
  const base = { delivery, project: str(payload, 'repository.full_name'), actor: userAt(payload, 'sender') };
  const action = str(payload, 'action');
  const number = num(payload, 'issue.number');
  if (!has(payload, 'issue.pull_request')) return { kind: 'ignored', ...base, reason: `comment on issue #${number}, not a pull request` };
  if (action !== 'created') return { kind: 'ignored', ...base, reason: `comment ${action}, not created` };
  const author = userAt(payload, 'comment.user');
  return commentEvent({
    base: { ...base, actor: author },
    mr: number,
    comment: { id: num(payload, 'comment.id'), url: optStr(payload, 'comment.html_url'), author },
    body: optStr(payload, 'comment.body') ?? '',
    botUser: opts.botUser,
  });
}

/** The event of a verified, parsed delivery whose X-GitHub-Event is one of GITHUB_EVENTS. */
export function githubEvent(eventHeader: string, payload: Record<string, unknown>, delivery: Delivery, opts: WebhookOptions): ForgeEvent {
  if (eventHeader === 'pull_request') return pullRequest(payload, delivery);
  if (eventHeader === 'push') return push(payload, delivery);
  if (eventHeader === 'issue_comment') return issueComment(payload, delivery, opts);
  // ping: sent once when the webhook is created.
  return { kind: 'ignored', delivery, project: optStr(payload, 'repository.full_name') ?? '', actor: userAt(payload, 'sender'), reason: 'ping' };
}
