/**
 * What a webhook delivery means to odoops, the same for GitLab and GitHub. The server answers
 * with `result.status` at once and hands `event` to the background work; `delivery.id`
 * deduplicates replays.
 */
import type { CommentRef, ForgePlatform, ForgeUser } from '../types.ts';

export interface Delivery {
  platform: ForgePlatform;
  /**
   * The same for every retry and manual redelivery of one event, so a replay is processed
   * once: GitLab `Idempotency-Key` (GitLab 17.4+; `X-Gitlab-Event-UUID` on older versions,
   * which a redelivery does NOT keep), GitHub `X-GitHub-Delivery`. Null when none was sent.
   */
  id: string | null;
  /** The header `id` came from. */
  idHeader: 'Idempotency-Key' | 'X-Gitlab-Event-UUID' | 'X-GitHub-Delivery' | null;
  /** `X-Gitlab-Event` / `X-GitHub-Event` as sent. */
  event: string;
}

/** The MR as the delivery describes it (ask the Forge for approvals and mergeability). */
export interface MrSnapshot {
  number: number;
  title: string;
  url: string;
  sourceBranch: string;
  targetBranch: string;
  /** Head commit after this event. */
  headSha: string;
  draft: boolean;
}

/** Changes of an MR that call for work; everything else is `ignored`. */
export type MrAction = 'opened' | 'new-commits' | 'reopened' | 'ready' | 'merged' | 'closed';

interface EventBase {
  delivery: Delivery;
  /** Project path the event is about (GitLab path_with_namespace, GitHub full_name). */
  project: string;
  /** Who caused it. */
  actor: ForgeUser;
}

export interface MergeRequestEvent extends EventBase {
  kind: 'merge-request';
  action: MrAction;
  mr: MrSnapshot;
  /** `new-commits`: the head before the push (GitLab `oldrev`, GitHub `before`). */
  previousHeadSha: string | null;
  /** `merged`: the merge commit when the delivery carries it (else ask getMergeRequest). */
  mergeCommitSha: string | null;
}

export interface PushEvent extends EventBase {
  kind: 'push';
  branch: string;
  before: string;
  after: string;
  /** The branch was created / deleted by this push. */
  created: boolean;
  deleted: boolean;
}

export interface CommentCommandEvent extends EventBase {
  kind: 'comment-command';
  mr: number;
  comment: CommentRef;
  command: CommentCommand;
}

/** A comment that starts with `odoops` but is not a valid command: reply with `error`. */
export interface CommentCommandErrorEvent extends EventBase {
  kind: 'comment-command-error';
  mr: number;
  comment: CommentRef;
  error: CommandError;
}

/** A recognised delivery that needs no work (title edit, label, comment on an issue...). */
export interface IgnoredEvent extends EventBase {
  kind: 'ignored';
  reason: string;
}

export type ForgeEvent = MergeRequestEvent | PushEvent | CommentCommandEvent | CommentCommandErrorEvent | IgnoredEvent;

export type CommentCommand =
  | { name: 'plan' | 'apply'; clients: string[]; instances: string[] }
  | { name: 'help' };

export type CommandErrorCode = 'missing-command' | 'unknown-command' | 'unknown-option' | 'missing-value' | 'unexpected-argument' | 'invalid-name';

export interface CommandError {
  code: CommandErrorCode;
  /** One line for the reply, e.g. "unknown option -x". */
  message: string;
  /** The usage text to show with it. */
  usage: string;
}

/** Outcome of one delivery, with the HTTP status the server answers. */
export type WebhookResult =
  | { outcome: 'ok'; status: 202; event: ForgeEvent }
  | { outcome: 'unsupported'; status: 202; delivery: Delivery; reason: string }
  | { outcome: 'malformed'; status: 400; delivery: Delivery; reason: string }
  | { outcome: 'unauthorized'; status: 401; reason: string };

/** Headers as node:http gives them (lower-case names); other casings are accepted too. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface WebhookRequest {
  headers: WebhookHeaders;
  /** The body exactly as received: signatures are computed over these bytes. */
  rawBody: Buffer | string;
}

export interface WebhookOptions {
  /** The shared secret (resolved from its reference by the caller). */
  secret: string;
  /** odoops' own user: its comments are never taken as commands. */
  botUser?: ForgeUser;
}
