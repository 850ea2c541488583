import type { Action } from '../../plan/types.ts';
import { odooUpgrade } from '../../host/commands.ts';
import { ActionFailure, run, trimOutput, type ExecContext } from '../context.ts';
import { readModules, unexpectedStates } from '../modules.ts';

/** `odoo -u`; the versions are checked against the manifests by the health check's read-back. */
export async function upgradeModules(action: Extract<Action, { kind: 'upgrade-modules' }>, ctx: ExecContext): Promise<void> {
  const res = await run(ctx, odooUpgrade(action.instance, ctx.instance.database, action.modules));
  for (const m of action.modules) ctx.upgraded.add(m);
  const rows = await readModules(ctx, action.instance, ctx.instance.database);
  const bad = unexpectedStates(rows, action.modules, (s) => s === 'installed');
  if (bad.length) {
    throw new ActionFailure(`not installed after odoo -u (exit 0): ${bad.join(', ')}`, res.command, trimOutput(res.stderr || res.stdout));
  }
}
