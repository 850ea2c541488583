/**
 * `odoops plan --comment-mr N`: the plan as odoops' one sticky comment on merge request N
 * (topic `plan`, edited in place on every pipeline, never a second one), on the forge of
 * fleet.yaml `operator.forge`. For config repos that run odoops from CI instead of `serve`;
 * the comment's layout is the report's (renderPlanMarkdown), the same the operator posts.
 */
import { createForge, type CreateForgeOptions, type EnsureCommentResult, type ForgeConfig } from '../forge/index.ts';
import type { Plan } from '../plan/types.ts';
import { renderPlanMarkdown } from '../report/index.ts';
import { OdoopsError, UsageError } from '../util/errors.ts';

export const PLAN_COMMENT_TOPIC = 'plan';

export function parseMrNumber(value: string): number {
  if (!/^[1-9]\d{0,9}$/.test(value.trim())) throw new UsageError(`--comment-mr must be a merge request number (e.g. "$CI_MERGE_REQUEST_IID"), got "${value}"`);
  return Number(value);
}

export async function postPlanComment(config: ForgeConfig | undefined, mr: number, plans: Plan[], opts: CreateForgeOptions = {}): Promise<EnsureCommentResult> {
  if (!config) throw new OdoopsError('plan --comment-mr needs fleet.yaml operator.forge (kind, url, project, token) to know where the merge request lives');
  return createForge(config, opts).ensureComment({ mr, topic: PLAN_COMMENT_TOPIC, body: renderPlanMarkdown(plans) });
}
