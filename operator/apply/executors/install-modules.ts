import type { Action } from '../../plan/types.ts';
import { odooInstall } from '../../host/commands.ts';
import { ActionFailure, run, trimOutput, type ExecContext } from '../context.ts';
import { readModules, unexpectedStates } from '../modules.ts';

/** `odoo -i`, then every module must read back `installed` (Odoo exits 0 for unknown names). */
export async function installModules(action: Extract<Action, { kind: 'install-modules' }>, ctx: ExecContext): Promise<void> {
  const res = await run(ctx, odooInstall(action.instance, ctx.instance.database, action.modules));
  const rows = await readModules(ctx, action.instance, ctx.instance.database);
  const bad = unexpectedStates(rows, action.modules, (s) => s === 'installed');
  if (bad.length) {
    throw new ActionFailure(`not installed after odoo -i (exit 0): ${bad.join(', ')}`, res.command, trimOutput(res.stderr || res.stdout));
  }
}
