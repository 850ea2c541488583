import type { Action } from '../../plan/types.ts';
import { guarded, healthCheck as healthCommand } from '../../host/commands.ts';
import { probeLive } from '../../live/probe.ts';
import { ActionFailure, type ExecContext } from '../context.ts';
import { readBackProblems } from '../verify.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** HTTP /web/health must say pass (Odoo may still be starting: retried), then the read-back must match. */
export async function healthCheck(action: Extract<Action, { kind: 'health-check' }>, ctx: ExecContext): Promise<void> {
  await httpHealth(ctx, ctx.instance.httpPort);
  const live = await probeLive(ctx.session, ctx.client, { instances: [action.instance], secrets: ctx.secrets });
  if (!live.reachable) throw new ActionFailure(`read-back failed: ${live.reason}`);
  const problems = readBackProblems(ctx.instance, live.instances[action.instance], ctx.upgraded);
  if (problems.length) throw new ActionFailure(`read-back: ${problems.join('; ')}`);
}

/** Polls /web/health until it passes; bounded by ctx.healthTimeoutMs. */
export async function httpHealth(ctx: Pick<ExecContext, 'session' | 'runId' | 'healthTimeoutMs'>, port: number): Promise<void> {
  const deadline = Date.now() + ctx.healthTimeoutMs;
  let last = '';
  let command = '';
  for (;;) {
    const res = await ctx.session.exec(guarded(healthCommand(port), ctx.runId));
    command = res.command;
    if (res.code === 0) {
      try {
        if ((JSON.parse(res.stdout) as { status?: string }).status === 'pass') return;
        last = `unexpected body: ${res.stdout.trim().slice(0, 200)}`;
      } catch {
        last = `not JSON: ${res.stdout.trim().slice(0, 200)}`;
      }
    } else {
      last = res.stderr.trim() || `exit ${res.code}`;
    }
    if (Date.now() > deadline) break;
    await sleep(1000);
  }
  throw new ActionFailure(`health check failed after ${Math.round(ctx.healthTimeoutMs / 1000)} s: ${last}`, command, last);
}
