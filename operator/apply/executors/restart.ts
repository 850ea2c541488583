import type { Action } from '../../plan/types.ts';
import { composeRestart, composeUp } from '../../host/commands.ts';
import { run, type ExecContext } from '../context.ts';

/** `up -d` starts what is stopped; `restart odoo` reloads config, code and registry. */
export async function restart(action: Extract<Action, { kind: 'restart' }>, ctx: ExecContext): Promise<void> {
  await run(ctx, composeUp(action.instance));
  await run(ctx, composeRestart(action.instance, 'odoo'));
}
