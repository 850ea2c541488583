import type { Action } from '../../plan/types.ts';
import { compose, envFile } from '../../live/commands.ts';
import { hostEdit, run, type ExecContext } from '../context.ts';

/** Rewrite ODOO_IMAGE in .env, then recreate the odoo container from it. */
export async function switchImage(action: Extract<Action, { kind: 'switch-image' }>, ctx: ExecContext): Promise<void> {
  await hostEdit(ctx, ['set-env', envFile(action.instance), 'ODOO_IMAGE', action.to]);
  await run(ctx, compose(action.instance, 'up', '-d', 'odoo'), { timeoutMs: 5 * 60_000 });
}
