import type { Action } from '../../plan/types.ts';
import { hostEdit, type ExecContext } from '../context.ts';

/** Rewrite ODOO_IMAGE in .env; `start` recreates the container from it once the schema is migrated. */
export async function switchImage(action: Extract<Action, { kind: 'switch-image' }>, ctx: ExecContext): Promise<void> {
  await hostEdit(ctx, { op: 'set-env', instance: action.instance, key: 'ODOO_IMAGE', value: action.to });
}
