/**
 * `odoops drift --report`: the fleet's drift status as one issue in the config repo, on the
 * forge of fleet.yaml `operator.forge` (token from its secret reference), edited in place
 * through Forge.ensureIssue: opened (or reopened) when drift, a server needing a person or an
 * unreachable server appears, edited silently while it lasts, closed when the fleet is clean.
 */
import { createForge, type CreateForgeOptions, type EnsureIssueResult, type Forge, type ForgeConfig } from '../forge/index.ts';
import { DRIFT_ISSUE_LABELS, DRIFT_ISSUE_TOPIC, renderDriftIssue } from '../report/drift-issue.ts';
import { OdoopsError } from '../util/errors.ts';
import type { FleetDriftStatus } from './types.ts';

export class NoForgeError extends OdoopsError {
  readonly code = 'no-forge';
  readonly transient = false;
}

export interface DriftIssueOptions {
  forge?: CreateForgeOptions;
  /** Link to the run (e.g. $CI_JOB_URL), shown in the issue. */
  runUrl?: string;
}

export async function reportDriftIssue(config: ForgeConfig | undefined, status: FleetDriftStatus, opts: DriftIssueOptions = {}): Promise<EnsureIssueResult> {
  if (!config) throw new NoForgeError('drift --report needs fleet.yaml operator.forge (kind, url, project, token) to know where the drift issue lives');
  return publishDriftIssue(createForge(config, opts.forge), status, opts);
}

/** The drift issue on a forge already set up (`odoops serve` has one). */
export async function publishDriftIssue(forge: Forge, status: FleetDriftStatus, opts: { runUrl?: string } = {}): Promise<EnsureIssueResult> {
  const issue = renderDriftIssue(status, opts.runUrl ? { runUrl: opts.runUrl } : {});
  return forge.ensureIssue({ topic: DRIFT_ISSUE_TOPIC, title: issue.title, body: issue.body, open: issue.open, labels: DRIFT_ISSUE_LABELS });
}
