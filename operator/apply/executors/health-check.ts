import type { Action } from '../../plan/types.ts';
import { probeLive } from '../../live/probe.ts';
import { moduleChecksums } from '../../plan/modules.ts';
import { ActionFailure, type ExecContext } from '../context.ts';
import { instanceHealth } from '../health.ts';
import { readBackProblems } from '../verify.ts';

/** The login page of the database and a clean startup log (health.ts), then the read-back must match. */
export async function healthCheck(action: Extract<Action, { kind: 'health-check' }>, ctx: ExecContext): Promise<void> {
  ctx.healthyAt = await instanceHealth(ctx);
  const live = await probeLive(ctx.session, ctx.client, { instances: [action.instance], secrets: ctx.secrets });
  if (!live.reachable) throw new ActionFailure(`read-back failed: ${live.reason}`);
  const after = live.instances[action.instance];
  const problems = readBackProblems(ctx.instance, after, ctx.upgraded);
  if (problems.length) throw new ActionFailure(`read-back: ${problems.join('; ')}`);
  if (after) {
    ctx.checksumsAfter = moduleChecksums(after);
    ctx.liveAfter = after;
  }
}
