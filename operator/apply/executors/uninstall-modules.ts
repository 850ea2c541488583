import type { Action } from '../../plan/types.ts';
import { odooUninstall } from '../../host/commands.ts';
import { ActionFailure, run, trimOutput, type ExecContext } from '../context.ts';
import { readModules, unexpectedStates } from '../modules.ts';

/** button_immediate_uninstall through `odoo shell`; names reach Python as data, never as code. */
export async function uninstallModules(action: Extract<Action, { kind: 'uninstall-modules' }>, ctx: ExecContext): Promise<void> {
  const res = await run(ctx, odooUninstall(action.instance, ctx.instance.database, action.modules));
  const rows = await readModules(ctx, action.instance, ctx.instance.database);
  const bad = unexpectedStates(rows, action.modules, (s) => s !== 'installed' && s !== 'to upgrade' && s !== 'to remove');
  if (bad.length) {
    throw new ActionFailure(`still installed after uninstall: ${bad.join(', ')}`, res.command, trimOutput(res.stderr || res.stdout));
  }
}
