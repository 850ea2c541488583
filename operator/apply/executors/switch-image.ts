import type { Action } from '../../plan/types.ts';
import { composeUp } from '../../host/commands.ts';
import { hostEdit, run, type ExecContext } from '../context.ts';

/** Rewrite ODOO_IMAGE in .env, then recreate the odoo container from it. */
export async function switchImage(action: Extract<Action, { kind: 'switch-image' }>, ctx: ExecContext): Promise<void> {
  await hostEdit(ctx, { op: 'set-env', instance: action.instance, key: 'ODOO_IMAGE', value: action.to });
  await run(ctx, composeUp(action.instance, 'odoo'));
}
