/**
 * Whether an `odoops apply` comment may run, in one place, with the exact reason when not
 * (the reply quotes it). Order: who asks, the MR's state, approval, mergeability, then
 * whether the plan people reviewed is the one at the MR's head.
 */
import type { AccessInfo, MergeRequestInfo } from '../../forge/types.ts';

export type RefusalCode = 'no-access' | 'not-open' | 'draft' | 'not-approved' | 'not-mergeable' | 'plan-missing' | 'plan-outdated' | 'held' | 'unknown-instance';

export interface Refusal {
  code: RefusalCode;
  message: string;
}

export function applyRefusal(facts: { access: AccessInfo; mr: MergeRequestInfo; plannedAt: string | null; platform: 'gitlab' | 'github' }): Refusal | null {
  const { access, mr, plannedAt } = facts;
  if (!access.mayApply) {
    const need = facts.platform === 'gitlab' ? 'Maintainer (40) or more' : 'write, maintain or admin';
    return { code: 'no-access', message: `@${access.user.username} has ${access.platformLevel} access on this project; \`odoops apply\` needs ${need}` };
  }
  if (mr.state !== 'open') return { code: 'not-open', message: `this MR is ${mr.state}` };
  if (mr.draft) return { code: 'draft', message: 'this MR is a draft: mark it ready first' };
  if (!mr.approvals.approved) {
    const why = mr.approvals.changesRequestedBy.length
      ? `changes requested by ${mr.approvals.changesRequestedBy.map((u) => `@${u.username}`).join(', ')}`
      : mr.approvals.left
        ? `${mr.approvals.left} more approval(s) required`
        : 'nobody approved it yet';
    return { code: 'not-approved', message: `this MR is not approved (${why})` };
  }
  if (mr.mergeable.state !== 'mergeable') return { code: 'not-mergeable', message: `this MR is not mergeable (${mr.mergeable.state}: ${mr.mergeable.detail})` };
  if (plannedAt === null) return { code: 'plan-missing', message: 'no plan was made for this MR yet: comment `odoops plan` first' };
  if (plannedAt !== mr.headSha) {
    return { code: 'plan-outdated', message: `the plan is for ${plannedAt.slice(0, 12)} but the MR head is ${mr.headSha.slice(0, 12)}: wait for the new plan (or comment \`odoops plan\`)` };
  }
  return null;
}
