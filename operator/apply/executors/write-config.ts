import type { Action } from '../../plan/types.ts';
import { confValue } from '../../host/commands.ts';
import { isSecretOption } from '../../plan/diff.ts';
import { ActionFailure, hostEdit, type ExecContext } from '../context.ts';

/** Set the managed options in odoo.conf [options]; every other line is kept. Secret values travel on stdin. */
export async function writeConfig(action: Extract<Action, { kind: 'write-config' }>, ctx: ExecContext): Promise<void> {
  const rendered: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.set)) {
    if (isSecretOption(v)) {
      const value = ctx.secrets.options[action.instance]?.[k];
      if (value === undefined) throw new ActionFailure(`option ${k}: secret ${v.secret} is not resolved`);
      rendered[k] = value;
    } else rendered[k] = confValue(v);
  }
  await hostEdit(ctx, { op: 'set-conf', instance: action.instance, values: rendered });
}
