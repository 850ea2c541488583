import { odooInitialize, provisionClaimDatabase, provisionMark } from '../../../host/provision.ts';
import type { ProvisionAction } from '../../../provision/types.ts';
import { ActionFailure, run, trimOutput, type ExecContext } from '../../context.ts';
import { readModules, unexpectedStates } from '../../modules.ts';
import { markerRef, runHelper } from './common.ts';

/**
 * A database odoops did not create is refused (the marker says so, nothing is touched).
 * Otherwise the marker says "creating" before Odoo creates it, so a re-run knows it is
 * odoops' own, then `odoo -i base --without-demo=all --stop-after-init`, read back.
 */
export async function provisionDatabaseStep(action: Extract<ProvisionAction, { kind: 'provision-database' }>, ctx: ExecContext): Promise<void> {
  const claim = await runHelper(ctx, provisionClaimDatabase({ ...markerRef(ctx, action.instance), database: action.database }));
  const found = (claim.json as { database: 'absent' | 'creating' | 'created' }).database;
  if (found === 'created') {
    // Initialised by an earlier provisioning run: `-i base` again would reload base (an upgrade of everything).
    const rows = await readModules(ctx, action.instance, action.database);
    if (rows.base?.state === 'installed') {
      ctx.note(`database ${action.database} was created by an earlier provisioning run: kept`);
      return;
    }
  }
  if (found === 'creating') ctx.note(`database ${action.database} was being created by an earlier provisioning run: initialising it again`);
  const res = await run(ctx, odooInitialize(action.instance, action.database, ['base']));
  const rows = await readModules(ctx, action.instance, action.database);
  const bad = unexpectedStates(rows, ['base'], (s) => s === 'installed');
  if (bad.length) throw new ActionFailure(`database ${action.database} not initialised: ${bad.join(', ')}`, res.command, trimOutput(res.stderr || res.stdout));
  await runHelper(ctx, provisionMark({ ...markerRef(ctx, action.instance), fields: { database: 'created' } }));
}

/** `odoo -i <modules> --without-demo=all --stop-after-init`; Odoo exits 0 for unknown names, so every module must read back installed. */
export async function provisionModulesStep(action: Extract<ProvisionAction, { kind: 'provision-modules' }>, ctx: ExecContext): Promise<void> {
  const res = await run(ctx, odooInitialize(action.instance, ctx.instance.database, action.modules));
  const rows = await readModules(ctx, action.instance, ctx.instance.database);
  const bad = unexpectedStates(rows, action.modules, (s) => s === 'installed');
  if (bad.length) throw new ActionFailure(`not installed after odoo -i (exit 0): ${bad.join(', ')}`, res.command, trimOutput(res.stderr || res.stdout));
}
