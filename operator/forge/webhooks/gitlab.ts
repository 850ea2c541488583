/**
 * GitLab deliveries (Merge Request Hook, Push Hook, Note Hook) as ForgeEvents. Payload
 * fields are those of https://docs.gitlab.com/user/project/integrations/webhook_events/.
 */
import type { ForgeUser } from '../types.ts';
import { commentEvent } from './comment.ts';
import { has, MalformedPayload, num, obj, optBool, optStr, str } from './payload.ts';
import type { Delivery, ForgeEvent, MrAction, MrSnapshot, WebhookHeaders, WebhookOptions } from './types.ts';
import { headerValue } from './verify.ts';

/** X-Gitlab-Event values odoops handles, and the object_kind each must carry. */
export const GITLAB_EVENTS: Readonly<Record<string, string>> = { 'Merge Request Hook': 'merge_request', 'Push Hook': 'push', 'Note Hook': 'note' };

const ZERO_SHA = /^0{40}$/;

/**
 * Idempotency-Key is "consistent across webhook retries" (GitLab 17.4+, also kept by a manual
 * "Resend request"); X-Gitlab-Event-UUID is regenerated for each attempt and shared by
 * recursive hooks, so it is only a fallback for older GitLab.
 */
export function gitlabDelivery(headers: WebhookHeaders): Delivery {
  const event = headerValue(headers, 'X-Gitlab-Event') ?? '';
  const key = headerValue(headers, 'Idempotency-Key');
  if (key) return { platform: 'gitlab', id: key, idHeader: 'Idempotency-Key', event };
  const uuid = headerValue(headers, 'X-Gitlab-Event-UUID');
  if (uuid) return { platform: 'gitlab', id: uuid, idHeader: 'X-Gitlab-Event-UUID', event };
  return { platform: 'gitlab', id: null, idHeader: null, event };
}

function mrSnapshot(payload: unknown): MrSnapshot {
  const a = 'object_attributes';
  return {
    number: num(payload, `${a}.iid`),
    title: str(payload, `${a}.title`),
    url: optStr(payload, `${a}.url`) ?? '',
    sourceBranch: str(payload, `${a}.source_branch`),
    targetBranch: str(payload, `${a}.target_branch`),
    headSha: str(payload, `${a}.last_commit.id`),
    draft: optBool(payload, `${a}.draft`) ?? optBool(payload, `${a}.work_in_progress`) ?? false,
  };
}

const actorOf = (payload: unknown): ForgeUser => ({ id: num(payload, 'user.id'), username: str(payload, 'user.username') });

function mergeRequest(payload: Record<string, unknown>, delivery: Delivery): ForgeEvent {
  obj(payload, 'object_attributes');
  const base = { delivery, project: str(payload, 'project.path_with_namespace'), actor: actorOf(payload) };
  const action = str(payload, 'object_attributes.action');
  const mr = mrSnapshot(payload);
  const event = (a: MrAction, previousHeadSha: string | null = null) => ({
    kind: 'merge-request' as const,
    ...base,
    action: a,
    mr,
    previousHeadSha,
    mergeCommitSha: a === 'merged' ? optStr(payload, 'object_attributes.merge_commit_sha') : null,
  });
  switch (action) {
    case 'open':
      return event('opened');
    case 'reopen':
      return event('reopened');
    case 'close':
      return event('closed');
    case 'merge':
      return event('merged');
    case 'update': {
      // oldrev is only present when the update brought new code (push, applied suggestion).
      const oldrev = optStr(payload, 'object_attributes.oldrev');
      if (oldrev) return event('new-commits', oldrev);
      if (optBool(payload, 'changes.draft.previous') === true && optBool(payload, 'changes.draft.current') === false) return event('ready');
      const changed = Object.keys(has(payload, 'changes') ? obj(payload, 'changes') : {}).filter((k) => !['updated_at', 'updated_by_id', 'last_edited_at', 'last_edited_by_id'].includes(k));
      return { kind: 'ignored', ...base, reason: `merge request !${mr.number} updated without new commits (${changed.length ? `${changed.join(', ')} changed` : 'nothing odoops uses changed'})` };
    }
    default:
      return { kind: 'ignored', ...base, reason: `merge request !${mr.number} ${action}` };
  }
}

function push(payload: Record<string, unknown>, delivery: Delivery): ForgeEvent {
  const ref = str(payload, 'ref');
  const actor = { id: num(payload, 'user_id'), username: str(payload, 'user_username') };
  const base = { delivery, project: str(payload, 'project.path_with_namespace'), actor };
  if (!ref.startsWith('refs/heads/')) return { kind: 'ignored', ...base, reason: `push to ${ref} (not a branch)` };
  const before = str(payload, 'before');
  const after = str(payload, 'after');
  return { kind: 'push', ...base, branch: ref.slice('refs/heads/'.length), before, after, created: ZERO_SHA.test(before), deleted: ZERO_SHA.test(after) };
}

function note(payload: Record<string, unknown>, delivery: Delivery, opts: WebhookOptions): ForgeEvent {
  const a = 'object_attributes';
  obj(payload, a);
  const base = { delivery, project: str(payload, 'project.path_with_namespace'), actor: actorOf(payload) };
  const type = str(payload, `${a}.noteable_type`);
  if (type !== 'MergeRequest') return { kind: 'ignored', ...base, reason: `comment on a ${type}, not a merge request` };
  if (optBool(payload, `${a}.system`) === true) return { kind: 'ignored', ...base, reason: 'system note' };
  // `action` exists since GitLab 16.11 (edits send Note Hooks too); older ones only create.
  const action = optStr(payload, `${a}.action`) ?? 'create';
  if (action !== 'create') return { kind: 'ignored', ...base, reason: `comment ${action}d, not created` };
  return commentEvent({
    base,
    mr: num(payload, 'merge_request.iid'),
    comment: { id: num(payload, `${a}.id`), discussionId: optStr(payload, `${a}.discussion_id`), url: optStr(payload, `${a}.url`), author: base.actor },
    body: str(payload, `${a}.note`),
    botUser: opts.botUser,
  });
}

/** The event of a verified, parsed delivery whose X-Gitlab-Event is one of GITLAB_EVENTS. */
export function gitlabEvent(eventHeader: string, payload: Record<string, unknown>, delivery: Delivery, opts: WebhookOptions): ForgeEvent {
  const kind = str(payload, 'object_kind');
  if (kind !== GITLAB_EVENTS[eventHeader]) throw new MalformedPayload(`object_kind ${JSON.stringify(kind)} does not match X-Gitlab-Event ${JSON.stringify(eventHeader)}`);
  if (kind === 'merge_request') return mergeRequest(payload, delivery);
  if (kind === 'push') return push(payload, delivery);
  return note(payload, delivery, opts);
}
