/**
 * The forge a fleet is configured with (fleet.yaml `operator.forge`), its token resolved from
 * the secret reference on the operator side. The token lives only inside the client: it is
 * never in a message, a log line or an error (ForgeError redacts it).
 */
import type { OperatorSettings } from '../desired/types.ts';
import { resolveSecret, type ResolveOptions } from '../secrets/index.ts';
import { GitHubForge } from './github.ts';
import { GitLabForge } from './gitlab.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
import type { Forge } from './types.ts';

export type { Forge } from './types.ts';
export * from './types.ts';
export { ForgeError, isForgeError, type ForgeErrorCode } from './errors.ts';
export { COMMENT_MAX_CHARS, ISSUE_MAX_CHARS } from './split.ts';
export { commentMarker, issueMarker, parseCommentMarker, parseIssueMarker } from './marker.ts';
export { STATUS_DESCRIPTION_MAX } from './status.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';

/** fleet.yaml `operator.forge` (a webhook secret will join it with the server). */
export type ForgeConfig = NonNullable<OperatorSettings['forge']>;

export interface CreateForgeOptions {
  /** Where secret references resolve (environment, working directory). */
  secrets?: Pick<ResolveOptions, 'env' | 'cwd'>;
  /** Act as this user instead of asking GET /user (GitHub App tokens: "app-name[bot]"). */
  botUsername?: string;
  /** GitLab only: send the token as `Authorization: Bearer` (OAuth) instead of PRIVATE-TOKEN. */
  gitlabAuth?: 'private-token' | 'bearer';
  retry?: Partial<RetryPolicy>;
  /** Per HTTP attempt; default 30 s. */
  timeoutMs?: number;
  /** Parts a long comment may be split into; default 10. */
  maxParts?: number;
}

export function createForge(config: ForgeConfig, options: CreateForgeOptions = {}): Forge {
  const token = resolveSecret(config.token, { ...options.secrets, where: 'fleet.yaml operator.forge.token' });
  const common = {
    url: config.url,
    project: config.project,
    token,
    ...(options.botUsername ? { botUsername: options.botUsername } : {}),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    timeoutMs: options.timeoutMs ?? 30_000,
    ...(options.maxParts ? { maxParts: options.maxParts } : {}),
  };
  return config.kind === 'gitlab' ? new GitLabForge({ ...common, ...(options.gitlabAuth ? { auth: options.gitlabAuth } : {}) }) : new GitHubForge(common);
}
