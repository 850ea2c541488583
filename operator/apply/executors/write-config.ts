import type { Action } from '../../plan/types.ts';
import { confFile, confValue } from '../../live/commands.ts';
import { hostEdit, type ExecContext } from '../context.ts';

/** Set the managed options in odoo.conf [options]; every other line is kept. */
export async function writeConfig(action: Extract<Action, { kind: 'write-config' }>, ctx: ExecContext): Promise<void> {
  const rendered: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.set)) rendered[k] = confValue(v);
  await hostEdit(ctx, ['set-conf', confFile(action.instance), JSON.stringify(rendered)]);
}
