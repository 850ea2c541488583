import type { Action } from '../../plan/types.ts';
import { composeStop } from '../../host/commands.ts';
import { run, type ExecContext } from '../context.ts';

/** Nothing serves from here until `start`: no request ever meets new code on the old schema. */
export async function stop(action: Extract<Action, { kind: 'stop' }>, ctx: ExecContext): Promise<void> {
  await run(ctx, composeStop(action.instance, 'odoo'));
}
